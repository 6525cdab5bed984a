#!/usr/bin/env python3
"""Generates a Python client from docs/api/openapi.json with openapi-python-client and drives
it against the local stack: register, verify the email (the token read from the local
stack's mail log line), take a token pair, create a project, read it back, list it, and read
a problem document for a project that does not exist. Every call goes through the generated
functions and models; nothing here builds a request by hand.

    scripts/generated_client.py

Called by scripts/test.sh with the test venv's pinned openapi-python-client, which fails the
step on any generator warning (`--fail-on-warning`). The client is written to
.test-work/python-client/. Exits non-zero on the first step that does not do what the
contract says.
"""

import importlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from api_contract import free_port, mailed_token, start_stack, stop_stack  # noqa: E402

SCHEMA = ROOT / "docs" / "api" / "openapi.json"
CONFIG = ROOT / "scripts" / "openapi-tools" / "python-client.yaml"
OUT = ROOT / ".test-work" / "python-client"
PACKAGE = "rampart_api_client"


def generate() -> None:
    generator = pathlib.Path(sys.executable).parent / "openapi-python-client"
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(generator), "generate", "--path", str(SCHEMA), "--output-path", str(OUT),
                    "--config", str(CONFIG), "--fail-on-warning"], check=True)
    if not (OUT / PACKAGE).is_dir():
        sys.exit(f"openapi-python-client wrote no {PACKAGE} package under {OUT}")


def expect(step: str, ok: bool, detail) -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {step}")
    if not ok:
        sys.exit(f"{step}: {detail}")


def drive(port: int, log: pathlib.Path) -> None:
    sys.path.insert(0, str(OUT))
    client_module = importlib.import_module(f"{PACKAGE}.client")
    auth = importlib.import_module(f"{PACKAGE}.api.auth")
    projects = importlib.import_module(f"{PACKAGE}.api.projects")
    models = importlib.import_module(f"{PACKAGE}.models")
    for name in ("auth_register", "auth_verify_email", "auth_token"):
        importlib.import_module(f"{PACKAGE}.api.auth.{name}")
    for name in ("projects_create", "projects_get", "projects_list"):
        importlib.import_module(f"{PACKAGE}.api.projects.{name}")

    base = f"http://127.0.0.1:{port}"
    anonymous = client_module.Client(base_url=base, raise_on_unexpected_status=True)
    email = f"generated-client-{os.getpid()}@example.com"
    password = "generated client passphrase 4 harbours"

    registered = auth.auth_register.sync_detailed(
        client=anonymous, body=models.Registration(email=email, password=password))
    expect("register: 201 with the user", registered.status_code == 201
           and isinstance(registered.parsed, models.UserDocument)
           and registered.parsed.user.email == email, registered.content)

    token = mailed_token(log, "verify_email", email)
    verified = auth.auth_verify_email.sync(
        client=anonymous, body=models.EmailVerification(token=token, password=password))
    expect("verify-email: the user, verified", isinstance(verified, models.UserDocument)
           and verified.user.email_verified, verified)

    pair = auth.auth_token.sync(
        client=anonymous, body=models.TokenRequestType0(email=email, password=password))
    expect("token: a bearer pair", isinstance(pair, models.TokenPair)
           and pair.token_type == "Bearer" and pair.access_token, pair)

    signed_in = client_module.AuthenticatedClient(
        base_url=base, token=pair.access_token, raise_on_unexpected_status=True)
    created = projects.projects_create.sync_detailed(
        client=signed_in,
        body=models.NewProject(name="Harbour lights", description="Made by the generated client"))
    project = created.parsed
    expect("projects create: 201 with the project", created.status_code == 201
           and isinstance(project, models.Project) and project.name == "Harbour lights",
           created.content)

    fetched = projects.projects_get.sync_detailed(id=project.id, client=signed_in)
    etag = fetched.headers.get("etag")
    expect("projects get: the same project with an ETag", isinstance(fetched.parsed, models.Project)
           and fetched.parsed.id == project.id and etag, fetched.content)

    unchanged = projects.projects_get.sync_detailed(
        id=project.id, client=signed_in, if_none_match=etag)
    expect("projects get with If-None-Match: 304", unchanged.status_code == 304,
           unchanged.status_code)

    page = projects.projects_list.sync(client=signed_in, page_size=10)
    expect("projects list: a ProjectPage holding it", isinstance(page, models.ProjectPage)
           and [p.id for p in page.items] == [project.id] and page.page_size == 10, page)

    missing = projects.projects_get.sync(id="no-such-project", client=signed_in)
    expect("projects get, unknown id: a Problem with status 404",
           isinstance(missing, models.Problem) and missing.status == 404, missing)


def main() -> int:
    generate()
    port = free_port()
    data = tempfile.mkdtemp(prefix="rampart-generated-client-")
    stack = start_stack(port, data)
    try:
        drive(port, pathlib.Path(data) / "stack.log")
    finally:
        stop_stack(stack)
    print(json.dumps({"generated_client": "passed"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
