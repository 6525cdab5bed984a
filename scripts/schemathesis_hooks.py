"""Schemathesis hooks for scripts/api_contract.py: sign the requests of the operations that
authenticate by signature, so generated cases reach their logic instead of stopping at `401`.

- `POST /discord/interactions`: Ed25519 over `X-Signature-Timestamp` + raw body, with the key
  whose public half the local stack was given as `DISCORD_PUBLIC_KEY`;
- `POST /internal/pr-intel/ingest`: `X-Hub-Signature-256`, HMAC-SHA256 with the webhook secret;
- `POST /webhooks/alertmanager`: `X-Webhook-Signature`, HMAC-SHA256 with the HMAC secret.

And `POST /api/v1/auth/refresh`, whose credential is a refresh token: a case generated as valid
gets a live one (from `POST /api/v1/auth/token` for the run's admin) in place of the generated
text, so refresh is exercised past authentication; invalid cases keep what was generated.

The secrets arrive in the environment from api_contract.py (generated per run, never written
anywhere but the stack's temporary secrets file). The body is serialized here, once, and sent
as those exact bytes, so the signature covers what the server reads.
"""

import hashlib
import hmac
import json
import os
import time
import urllib.request

import schemathesis
from nacl.signing import SigningKey

DISCORD_KEY = SigningKey(bytes.fromhex(os.environ["RAMPART_CONTRACT_DISCORD_SEED"]))
HUB_SECRET = os.environ["RAMPART_CONTRACT_HUB_SECRET"].encode()
ALERTMANAGER_SECRET = os.environ["RAMPART_CONTRACT_ALERTMANAGER_HMAC"].encode()

BASE_URL = os.environ["RAMPART_CONTRACT_BASE_URL"]
ADMIN = {"email": os.environ["RAMPART_CONTRACT_ADMIN_EMAIL"],
         "password": os.environ["RAMPART_CONTRACT_ADMIN_PASSWORD"]}

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


def fresh_refresh_token() -> str:
    request = urllib.request.Request(
        f"{BASE_URL}/api/v1/auth/token", data=json.dumps(ADMIN).encode(),
        headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["refresh_token"]


def generated_as_valid(case) -> bool:
    meta = getattr(case, "meta", None)
    return meta is None or not meta.generation.mode.is_negative


@schemathesis.hook
def before_call(context, case, kwargs):
    path = case.operation.path
    if path == "/api/v1/auth/refresh" and generated_as_valid(case):
        if isinstance(case.body, dict) or type(case.body).__name__ == "NotSet":
            body = dict(case.body) if isinstance(case.body, dict) else {}
            body["refresh_token"] = fresh_refresh_token()
            case.body = body
            case.media_type = case.media_type or "application/json"
        return
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
