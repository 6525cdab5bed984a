"""Schemathesis hooks for scripts/api_contract.py: every generated request carries the
credentials a real client would have, so cases reach the operations' logic instead of stopping
at authentication or at a secret the server minted.

- Every request goes as the run's admin (a bearer token taken at start), unless one of the
  operations below needs an account of its own.
- Signatures: `POST /discord/interactions` is signed with Ed25519 over
  `X-Signature-Timestamp` + raw body (the stack was given the public half as
  `DISCORD_PUBLIC_KEY`); `POST /internal/pr-intel/ingest` carries `X-Hub-Signature-256` and
  `POST /webhooks/alertmanager` `X-Webhook-Signature`, HMAC-SHA256 with the run's secrets. The
  body is serialized here, once, and sent as those exact bytes.

Each part of a case generated as valid (body, path, query, headers: Schemathesis decides
validity part by part) also gets what no schema can describe, in place of the generated value;
a part generated as invalid keeps what it was given:

- refresh: a live refresh token;
- an `Idempotency-Key`: a new one (a key spent on another body is a `422`);
- tickets and posts: an account of its own (a day caps what one account opens);
- register, password reset and change: a strong passphrase (the breached/guessable check
  refuses almost every generated one);
- verify-email and password reset: a token really mailed (read from the local stack's log, the
  local stage's mail adapter), for an account made for the case;
- password change, 2FA enable and account deletion: an account made for the case, with its
  password, a current TOTP code (RFC 6238) or its `ETag`;
- session revocation: a session made for the case;
- 2FA disable: an account with 2FA on, its password and the next step's code;
- a path naming a project, ticket, API key, export, user or PR record: one made for the case;
- media completion: an upload made for the case, its bytes sent to the presigned URL;
- OAuth: GitHub (a local stand-in, scripts/github_double.py) as the provider, and for the
  callback the state and binder cookie of a sign-in started for the case;
- `If-Match` (other than `*`): the resource's current `ETag`.

The secrets arrive in the environment from api_contract.py (generated per run, never written
anywhere but the stack's temporary secrets file).
"""

import base64
import hashlib
import hmac
import json
import os
import pathlib
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import schemathesis
from nacl.signing import SigningKey
from schemathesis.core.parameters import ParameterLocation

import api_contract

DISCORD_KEY = SigningKey(bytes.fromhex(os.environ["RAMPART_CONTRACT_DISCORD_SEED"]))
HUB_SECRET = os.environ["RAMPART_CONTRACT_HUB_SECRET"].encode()
ALERTMANAGER_SECRET = os.environ["RAMPART_CONTRACT_ALERTMANAGER_HMAC"].encode()
BASE_URL = os.environ["RAMPART_CONTRACT_BASE_URL"]
STACK_LOG = os.environ["RAMPART_CONTRACT_STACK_LOG"]
ADMIN = {"email": os.environ["RAMPART_CONTRACT_ADMIN_EMAIL"],
         "password": os.environ["RAMPART_CONTRACT_ADMIN_PASSWORD"]}

SIGNED = {"/discord/interactions", "/internal/pr-intel/ingest", "/webhooks/alertmanager"}


def call(method: str, path: str, body=None, token: str | None = None):
    """One request to the stack: (status, headers, JSON body or None)."""
    headers = {"content-type": "application/json"} if body is not None else {}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{BASE_URL}{path}", data=data, method=method,
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, response.headers, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, error.headers, json.loads(raw) if raw else None


def token_pair(email: str, password: str) -> dict:
    status, _, pair = call("POST", "/api/v1/auth/token", {"email": email, "password": password})
    if status != 200:
        raise RuntimeError(f"token for {email}: {status} {pair}")
    return pair


ADMIN_TOKEN = token_pair(ADMIN["email"], ADMIN["password"])["access_token"]


def strong_password() -> str:
    return f"contract {uuid.uuid4().hex[:12]} harbour lanterns"


def mailed_token(kind: str, email: str) -> str:
    return api_contract.mailed_token(pathlib.Path(STACK_LOG), kind, email)


def registered() -> tuple[str, str]:
    """A new account, not yet verified: (email, password)."""
    email = f"case-{uuid.uuid4().hex[:16]}@example.com"
    password = strong_password()
    status, _, body = call("POST", "/api/v1/auth/register", {"email": email, "password": password})
    if status != 201:
        raise RuntimeError(f"register: {status} {body}")
    return email, password


def account() -> tuple[str, str, str]:
    """A new verified account: (email, password, access token)."""
    email, password = registered()
    token = mailed_token("verify_email", email)
    status, _, body = call("POST", "/api/v1/auth/verify-email",
                           {"token": token, "password": password})
    if status != 200:
        raise RuntimeError(f"verify-email: {status} {body}")
    return email, password, token_pair(email, password)["access_token"]


def user_id(token: str) -> str:
    _, _, me = call("GET", "/api/v1/account", token=token)
    return me["user"]["id"] if "user" in (me or {}) else me["id"]


def made(path: str, body: dict, field: str = "id", token: str | None = None) -> str | None:
    """The identifier of something the admin (or `token`'s account) creates for a case."""
    status, _, created = call("POST", path, body, token=token or ADMIN_TOKEN)
    return str(created[field]) if status in (200, 201, 202) and created else None


def ingested_pr() -> str | None:
    number = int(uuid.uuid4().int % 1_000_000_000) + 1
    data = json.dumps({"pr_number": number, "title": "A case's PR", "author": "contract",
                       "changed_files": ["src/lib.rs"], "additions": 1, "deletions": 0}).encode()
    request = urllib.request.Request(
        f"{BASE_URL}/internal/pr-intel/ingest", data=data, method="POST",
        headers={"content-type": "application/json",
                 "x-hub-signature-256": hex_hmac(HUB_SECRET, data)})
    try:
        with urllib.request.urlopen(request, timeout=30):
            return str(number)
    except urllib.error.HTTPError:
        return None


# Writes capped per account and day (20 tickets, 50 posts): each valid case writes as an
# account of its own, so the cap answers none of them.
DAILY_CAPPED = {("POST", "/api/v1/support/tickets"), ("POST", "/api/v1/community/posts")}

# What a case generated as valid names in its path: something that exists, made for it.
EXISTING = {
    "/api/v1/projects/{id}": lambda: made("/api/v1/projects", {"name": "A case's project"}),
    # Opened by an account of its own: a day allows an account 20 tickets.
    "/api/v1/support/tickets/{id}": lambda: made(
        "/api/v1/support/tickets", {"subject": "A case's ticket", "body": "Made for a case."},
        token=account()[2]),
    "/api/v1/admin/api-keys/{id}": lambda: made(
        "/api/v1/admin/api-keys", {"name": "a case's key", "permissions": ["projects:read"]}),
    "/api/v1/account/export/{id}": lambda: made("/api/v1/account/export", {}, "export_id"),
    "/api/v1/admin/users/{id}": lambda: user_id(account()[2]),
    "/api/v1/admin/users/{id}/grants": lambda: user_id(account()[2]),
    "/api/v1/admin/users/{id}/role": lambda: user_id(account()[2]),
}


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238: HMAC-SHA1 over the 30-second step, dynamic truncation, 6 digits."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    step = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def oauth_start() -> tuple[str, str] | None:
    """A GitHub sign-in started as a browser would: the state and the binder cookie."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(f"{BASE_URL}/api/v1/auth/oauth/github/start", timeout=30)
        return None
    except urllib.error.HTTPError as answer:
        if answer.code != 302:
            return None
        location = urllib.parse.urlsplit(answer.headers["location"])
        state = dict(urllib.parse.parse_qsl(location.query)).get("state")
        binder = next((c.split(";")[0].split("=", 1)[1]
                       for c in answer.headers.get_all("set-cookie") or []
                       if c.startswith("oauth_binder=")), None)
        return (state, binder) if state and binder else None


PNG = b"\x89PNG\r\n\x1a\n" + b"a small test image"


def uploaded_image() -> str | None:
    """An upload of the admin's, its bytes sent to the presigned URL: ready to complete."""
    status, _, upload = call("POST", "/api/v1/media",
                             {"filename": "case.png", "content_type": "image/png",
                              "size": len(PNG)}, token=ADMIN_TOKEN)
    if status != 201:
        return None
    request = urllib.request.Request(upload["upload_url"], data=PNG, method="PUT",
                                     headers=upload.get("upload_headers") or {})
    try:
        with urllib.request.urlopen(request, timeout=30):
            pass
    except urllib.error.HTTPError:
        return None
    return upload["media_id"]


def raw_body(case) -> bytes:
    body = case.body
    if body is None or type(body).__name__ == "NotSet":
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str) and "json" not in (case.media_type or ""):
        return body.encode()
    try:
        return json.dumps(body).encode()
    except (TypeError, ValueError):
        return b""


def hex_hmac(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def body_dict(case) -> dict | None:
    return case.body if isinstance(case.body, dict) else None


def current_etag(path: str, token: str) -> str | None:
    status, headers, _ = call("GET", path, token=token)
    return headers.get("etag") if status == 200 else None


def sign(case, kwargs, headers: dict) -> None:
    path = case.operation.path
    body = raw_body(case)
    kwargs["data"] = body
    if case.media_type and "content-type" not in {k.lower() for k in headers}:
        headers["Content-Type"] = case.media_type
    if path == "/discord/interactions":
        timestamp = str(int(time.time()))
        headers["X-Signature-Ed25519"] = DISCORD_KEY.sign(timestamp.encode() + body).signature.hex()
        headers["X-Signature-Timestamp"] = timestamp
    elif path == "/internal/pr-intel/ingest":
        headers["X-Hub-Signature-256"] = hex_hmac(HUB_SECRET, body)
    else:
        headers["X-Webhook-Signature"] = hex_hmac(ALERTMANAGER_SECRET, body)


def fine(case, location: ParameterLocation) -> bool:
    """Whether the case's component at `location` was generated as valid (Schemathesis
    decides validity per component: a case may be valid in its body and not its headers)."""
    meta = getattr(case, "meta", None)
    return meta is None or not meta.is_negative_at(location)


def with_path(case, **values) -> None:
    if fine(case, ParameterLocation.PATH):
        case.path_parameters = {**(case.path_parameters or {}), **values}


def prepare(case, headers: dict) -> str:
    """Fills in, for each component generated as valid, what no schema can describe; answers
    the bearer token the case goes with."""
    method, path = case.method.upper(), case.operation.path
    body = body_dict(case) if fine(case, ParameterLocation.BODY) else None
    token = ADMIN_TOKEN
    if (method, path) == ("POST", "/api/v1/auth/refresh"):
        if body is not None or type(case.body).__name__ == "NotSet":
            fresh = dict(body or {})
            fresh["refresh_token"] = token_pair(ADMIN["email"], ADMIN["password"])["refresh_token"]
            case.body = fresh
            case.media_type = case.media_type or "application/json"
    elif (method, path) == ("POST", "/api/v1/auth/register") and body is not None:
        body["password"] = strong_password()
    elif (method, path) == ("POST", "/api/v1/auth/verify-email") and body is not None:
        email, password = registered()
        body["token"] = mailed_token("verify_email", email)
        if body.get("password") is not None:
            body["password"] = password
    elif (method, path) == ("POST", "/api/v1/auth/password/reset") and body is not None:
        email, _, _ = account()
        call("POST", "/api/v1/auth/password/forgot", {"email": email})
        body["token"] = mailed_token("password_reset", email)
        body["password"] = strong_password()
    elif (method, path) == ("POST", "/api/v1/auth/password/change"):
        _, password, token = account()
        if body is not None:
            body["current_password"] = password
            body["new_password"] = strong_password()
    elif (method, path) == ("POST", "/api/v1/auth/2fa/enable"):
        _, _, token = account()
        _, _, enrolment = call("POST", "/api/v1/auth/2fa/setup", token=token)
        if body is not None:
            body["code"] = totp(enrolment["secret"])
    elif (method, path) == ("POST", "/api/v1/auth/2fa/disable"):
        _, password, token = account()
        _, _, enrolment = call("POST", "/api/v1/auth/2fa/setup", token=token)
        call("POST", "/api/v1/auth/2fa/enable", {"code": totp(enrolment["secret"])}, token=token)
        if body is not None:
            # The next step's code: the one just spent is refused, one step of skew is allowed.
            body["code"] = totp(enrolment["secret"], time.time() + 30)
            if body.get("password") is not None:
                body["password"] = password
    elif (method, path) == ("DELETE", "/api/v1/account"):
        _, password, token = account()
        if body is not None:
            body["password"] = password
            body.pop("code", None)
    elif (method, path) in DAILY_CAPPED:
        _, _, token = account()
    elif (method, path) == ("POST", "/api/v1/auth/sessions/{id}/revoke"):
        other = token_pair(ADMIN["email"], ADMIN["password"])["access_token"]
        _, _, page = call("GET", "/api/v1/auth/sessions?page_size=100", token=other)
        current = [s["id"] for s in (page or {}).get("items", []) if s.get("is_current")]
        if current:
            with_path(case, id=current[0])
    elif (method, path) == ("GET", "/api/v1/auth/oauth/{provider}/start"):
        with_path(case, provider="github")
    elif (method, path) == ("GET", "/api/v1/auth/oauth/{provider}/callback"):
        started = oauth_start() if fine(case, ParameterLocation.QUERY) else None
        if started:
            state, binder = started
            with_path(case, provider="github")
            case.query = {"code": f"code-{uuid.uuid4().hex[:8]}", "state": state}
            case.cookies = {**(case.cookies or {}), "oauth_binder": binder}
    elif (method, path) == ("GET", "/api/v1/admin/users") and fine(case, ParameterLocation.QUERY):
        # An address some account holds (a generated one holds none: 404).
        case.query = {**(case.query or {}), "email": registered()[0]}
    elif path in EXISTING and fine(case, ParameterLocation.PATH):
        identifier = EXISTING[path]()
        if identifier:
            with_path(case, id=identifier)
    elif (method, path) == ("GET", "/internal/pr-intel/{pr_number}"):
        number = ingested_pr() if fine(case, ParameterLocation.PATH) else None
        if number:
            with_path(case, pr_number=int(number))
    elif (method, path) == ("POST", "/api/v1/media/{id}/complete"):
        media_id = uploaded_image() if fine(case, ParameterLocation.PATH) else None
        if media_id:
            with_path(case, id=media_id)
    if fine(case, ParameterLocation.HEADER):
        # A client sends a new key with each new request; a key spent on another body is a 422.
        key = next((k for k in headers if k.lower() == "idempotency-key"), None)
        if key:
            headers[key] = f"case-{uuid.uuid4().hex}"
        if_match = next((k for k in headers if k.lower() == "if-match"), None)
        if if_match and headers[if_match].strip() != "*":
            tag = current_etag(case.formatted_path, token)
            if tag:
                headers[if_match] = tag
    return token


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = dict(case.headers or {})
    token = prepare(case, headers)
    headers["Authorization"] = f"Bearer {token}"
    if case.operation.path in SIGNED and case.method.upper() == "POST":
        sign(case, kwargs, headers)
    case.headers = headers
