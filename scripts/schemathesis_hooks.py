"""Schemathesis hooks for scripts/api_contract.py: sign the requests of the operations that
authenticate by signature, so generated cases reach their logic instead of stopping at `401`.

- `POST /discord/interactions`: Ed25519 over `X-Signature-Timestamp` + raw body, with the key
  whose public half the local stack was given as `DISCORD_PUBLIC_KEY`;
- `POST /internal/pr-intel/ingest`: `X-Hub-Signature-256`, HMAC-SHA256 with the webhook secret;
- `POST /webhooks/alertmanager`: `X-Webhook-Signature`, HMAC-SHA256 with the HMAC secret.

The secrets arrive in the environment from api_contract.py (generated per run, never written
anywhere but the stack's temporary secrets file). The body is serialized here, once, and sent
as those exact bytes, so the signature covers what the server reads.
"""

import hashlib
import hmac
import json
import os
import time

import schemathesis
from nacl.signing import SigningKey

DISCORD_KEY = SigningKey(bytes.fromhex(os.environ["RAMPART_CONTRACT_DISCORD_SEED"]))
HUB_SECRET = os.environ["RAMPART_CONTRACT_HUB_SECRET"].encode()
ALERTMANAGER_SECRET = os.environ["RAMPART_CONTRACT_ALERTMANAGER_HMAC"].encode()

SIGNED = {"/discord/interactions", "/internal/pr-intel/ingest", "/webhooks/alertmanager"}


def raw_body(case) -> bytes | None:
    body = case.body
    if body is None or type(body).__name__ == "NotSet":
        return None
    if isinstance(body, bytes):
        return body
    if isinstance(body, str) and "json" not in (case.media_type or ""):
        return body.encode()
    try:
        return json.dumps(body).encode()
    except (TypeError, ValueError):
        return None


def hex_hmac(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


@schemathesis.hook
def before_call(context, case, kwargs):
    path = case.operation.path
    if path not in SIGNED or case.method.upper() != "POST":
        return
    body = raw_body(case)
    if body is None:
        body = b""
    kwargs["data"] = body
    headers = dict(case.headers or {})
    if case.media_type and "content-type" not in {k.lower() for k in headers}:
        headers["Content-Type"] = case.media_type
    if path == "/discord/interactions":
        timestamp = str(int(time.time()))
        signature = DISCORD_KEY.sign(timestamp.encode() + body).signature.hex()
        headers["X-Signature-Ed25519"] = signature
        headers["X-Signature-Timestamp"] = timestamp
    elif path == "/internal/pr-intel/ingest":
        headers["X-Hub-Signature-256"] = hex_hmac(HUB_SECRET, body)
    else:
        headers["X-Webhook-Signature"] = hex_hmac(ALERTMANAGER_SECRET, body)
    case.headers = headers
