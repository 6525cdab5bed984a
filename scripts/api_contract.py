#!/usr/bin/env python3
"""Runs Schemathesis against the local stack for every operation of docs/api/openapi.json.

Starts the stack the way the README does (`cargo run -p rampart-local`), in memory, with an
admin account whose bearer token goes with every request (scripts/schemathesis_hooks.py, which
also gives the operations that need them accounts, tokens and signatures of their own, so
every operation is exercised past authentication) and with rate limiting off (so generated cases reach the
handlers instead of the 429 stage, which has tests of its own). Checks: no 5xx, every status
documented, every response (4xx problem documents included) matching its declared content
type and schema, 405 with Allow for undocumented methods, valid data accepted and invalid data
refused (scripts/schemathesis.toml lists the answers that depend on more than the request).
Phases: coverage, fuzzing and the stateful phase over the document's links. The Discord,
PR-intel and Alertmanager requests are signed with keys made for the run
(scripts/schemathesis_hooks.py). Stops the stack with SIGTERM.

    scripts/api_contract.py [--max-examples N]

Called by scripts/test.sh with the pinned Schemathesis of the test venv. Exits non-zero on any
failure; the report is in .test-work/schemathesis/.
"""

import argparse
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import github_double  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "docs" / "api" / "openapi.json"
REPORT_DIR = ROOT / ".test-work" / "schemathesis"
ADMIN_EMAIL = "contract-admin@example.com"
# A passphrase for a throwaway in-memory admin; it never leaves this process tree.
ADMIN_PASSWORD = "contract check passphrase 7 lanterns"
# Operations that may end the admin's session (revoking it, deleting the account) run last,
# so the others are exercised with a live token.
SESSION_ENDING = ["auth-sessions-revoke", "account-delete"]
PHASES = "examples,coverage,fuzzing,stateful"
CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "unsupported_method",
    "negative_data_rejection",
    "positive_data_acceptance",
])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signing_material() -> dict[str, str]:
    """Fresh webhook secrets and a Discord key pair for one run: the stack gets the secrets and
    the public key, the Schemathesis hooks (scripts/schemathesis_hooks.py) sign with them."""
    from nacl.signing import SigningKey

    seed = os.urandom(32)
    return {
        "hub": os.urandom(24).hex(),
        "alertmanager_token": os.urandom(24).hex(),
        "alertmanager_hmac": os.urandom(24).hex(),
        "discord_seed": seed.hex(),
        "discord_public": SigningKey(seed).verify_key.encode().hex(),
    }


def start_stack(port: int, data: str, keys: dict[str, str] | None = None,
                extra_env: dict[str, str] | None = None,
                extra_secrets: dict[str, str] | None = None) -> subprocess.Popen:
    # The webhook secrets, so signed routes check signatures rather than answer 503 for a
    # missing secret; the signing and encryption keys are the stack's generated ones.
    keys = keys or signing_material()
    secrets = pathlib.Path(data) / "secrets.json"
    secrets.write_text(json.dumps({
        "pr_intel_webhook_secret": keys["hub"],
        "alertmanager_token": keys["alertmanager_token"],
        "alertmanager_hmac_secret": keys["alertmanager_hmac"],
        **(extra_secrets or {}),
    }))
    secrets.chmod(0o600)
    env = dict(os.environ, PORT=str(port), RAMPART_STORE="memory", RAMPART_DATA_DIR=data,
               RAMPART_ADMIN_EMAIL=ADMIN_EMAIL, RAMPART_ADMIN_PASSWORD=ADMIN_PASSWORD,
               RATE_LIMITING_ENABLED="false", RAMPART_SECRETS_FILE=str(secrets),
               DISCORD_PUBLIC_KEY=keys["discord_public"])
    env.update(extra_env or {})
    env.pop("STAGE", None)
    errors = open(pathlib.Path(data) / "stack.err", "wb")
    child = subprocess.Popen(["cargo", "run", "-q", "-p", "rampart-local"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=errors, text=True)
    ready = threading.Event()

    def read() -> None:
        with open(pathlib.Path(data) / "stack.log", "w", encoding="utf-8") as log:
            for line in child.stdout:
                log.write(line)
                log.flush()
                if "listening on" in line:
                    ready.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + 1200
    while not ready.wait(0.2):
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            sys.exit(f"the local stack did not start; see {data}/stack.log")
    return child


def stop_stack(stack: subprocess.Popen) -> None:
    """SIGTERM, as Lambda and the README stop it; a kill past 30 s."""
    stack.send_signal(signal.SIGTERM)
    try:
        stack.wait(30)
    except subprocess.TimeoutExpired:
        stack.kill()


def mailed_token(log: pathlib.Path, kind: str, email: str) -> str:
    """The token of the most recent `kind` mail to `email` in the local stack's JSON log (the
    local stage logs mail tokens; no other stage does)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for line in reversed(log.read_text(encoding="utf-8").splitlines()):
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("mail_kind") == kind and event.get("mail_to") == email \
                    and event.get("token"):
                return event["token"]
        time.sleep(0.05)
    raise RuntimeError(f"no {kind} mail to {email} in {log}")


def admin_token(port: int) -> str:
    body = json.dumps({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/auth/token", data=body,
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.load(response)["access_token"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-examples", type=int, default=20)
    args = parser.parse_args()
    schemathesis = pathlib.Path(sys.executable).parent / "schemathesis"
    port = free_port()
    data = tempfile.mkdtemp(prefix="rampart-contract-")
    keys = signing_material()
    # Sign-in with GitHub against a local stand-in, so the OAuth operations run end to end.
    github_secret = os.urandom(16).hex()
    github = github_double.serve(github_secret)
    stack = start_stack(
        port, data, keys,
        extra_env={
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "FRONTEND_BASE_URL": "http://127.0.0.1:9/app",
            "OAUTH_GITHUB_AUTHORIZE_URL": f"{github}/login/oauth/authorize",
            "OAUTH_GITHUB_TOKEN_URL": f"{github}/login/oauth/access_token",
            "OAUTH_GITHUB_API_URL": github,
        },
        extra_secrets={"oauth_github_client_id": github_double.CLIENT_ID,
                       "oauth_github_client_secret": github_secret})
    hooks_env = dict(os.environ, SCHEMATHESIS_HOOKS="schemathesis_hooks",
                     PYTHONPATH=str(ROOT / "scripts"),
                     RAMPART_CONTRACT_DISCORD_SEED=keys["discord_seed"],
                     RAMPART_CONTRACT_HUB_SECRET=keys["hub"],
                     RAMPART_CONTRACT_ALERTMANAGER_HMAC=keys["alertmanager_hmac"],
                     RAMPART_CONTRACT_BASE_URL=f"http://127.0.0.1:{port}",
                     RAMPART_CONTRACT_STACK_LOG=str(pathlib.Path(data) / "stack.log"),
                     RAMPART_CONTRACT_ADMIN_EMAIL=ADMIN_EMAIL,
                     RAMPART_CONTRACT_ADMIN_PASSWORD=ADMIN_PASSWORD)
    try:
        admin_token(port)  # the admin can sign in before the run starts
        shutil.rmtree(REPORT_DIR, ignore_errors=True)
        command = [
            str(schemathesis), "--config-file", str(ROOT / "scripts" / "schemathesis.toml"),
            "run", str(SCHEMA),
            "--url", f"http://127.0.0.1:{port}",
            "--checks", CHECKS,
            "--max-examples", str(args.max_examples),
            "--seed", "20261126",
            "--workers", "2",
            "--phases", PHASES,
            "--suppress-health-check", "all",
            "--request-timeout", "30",
            "--report", "junit",
            "--report-dir", str(REPORT_DIR),
            "--output-sanitize", "true",
        ]
        print(f"== schemathesis against the local stack on port {port}", flush=True)
        first = [arg for op in SESSION_ENDING for arg in ("--exclude-operation-id", op)]
        last = [arg for op in SESSION_ENDING for arg in ("--include-operation-id", op)]
        # Schemathesis keeps a cache in its working folder: the ignored test-work folder.
        work = ROOT / ".test-work"
        work.mkdir(exist_ok=True)
        code = subprocess.call(command + first, cwd=work, env=hooks_env)
        # The session-ending operations have no links among themselves: no stateful phase.
        last_command = [arg if arg != PHASES else "examples,coverage,fuzzing" for arg in command]
        code = subprocess.call(last_command + last, cwd=work, env=hooks_env) or code
    finally:
        stop_stack(stack)
    if code != 0:
        print(f"schemathesis found failures; stack log: {data}/stack.log", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
