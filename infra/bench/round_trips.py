#!/usr/bin/env python3
"""Sequential store round trips per request, seen from outside: the local stack runs against
moto (`--aws`) through a loopback proxy that holds every store call for a fixed delay, and each
main request is timed with the delay and without it. The difference divided by the delay is how
many store calls the request waited for one after another (calls made concurrently overlap and
count once). On Lambda each of those is a few milliseconds of DynamoDB.

    python3 infra/bench/round_trips.py [--delay-ms 50] [--samples 25]

It needs what the test command needs: it prepares the test venv (pinned moto, PyNaCl) with
scripts/test-env.sh when missing and runs inside it, builds the local stack in release mode,
starts moto's server mode and the proxy on free loopback ports, and prints a table of p50 and
p99 in milliseconds with and without the delay, and the p50 multiple. On demand, not part of
the test command; no threshold is asserted.

The default hold is 50 ms: moto answers a call in 10 to 15 ms here and serves calls that arrive
together one after another, so with a hold of 20 ms its own jitter is a large share of what is
measured and the multiples wander by a few tenths from run to run.

Requests: an authenticated GET (bearer), a cookie write with CSRF, a refresh, a login, a create
with an `Idempotency-Key`, a conditional GET answered 304, and a Discord command (`/help`).
"""

import argparse
import http.client
import http.server
import json
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "infra" / "load"))
from run import build_stack, free_port, percentile  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
from api_contract import stop_stack  # noqa: E402

VENV = pathlib.Path(os.environ.get("RAMPART_VENV", ROOT / ".venv-test"))
ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench passphrase 9 quiet harbours"
# Sign-in and refresh budgets raised so the samples are never refused (the limiter still
# counts every request: its round trips are part of what is measured).
RATE_LIMIT_OVERRIDES = {
    "pre-auth": {"max": 60000},
    "auth-credentials": {"max": 60000},
    "auth-password-account": {"max": 60000},
    "refresh": {"max": 60000},
    "refresh-ip": {"max": 60000},
    "reads:admin": {"max": 60000},
    "writes:admin": {"max": 60000},
}


def ensure_venv() -> None:
    """Runs inside the test venv (moto, PyNaCl), preparing it the way the test command does."""
    if pathlib.Path(sys.prefix).resolve() == VENV.resolve():
        return
    subprocess.run(["bash", "-c", "source scripts/test-env.sh && ensure_venv"], cwd=ROOT,
                   check=True, env=dict(os.environ, RAMPART_VENV=str(VENV)))
    os.execv(str(VENV / "bin" / "python"), [str(VENV / "bin" / "python"), *sys.argv])


class DelayProxy(http.server.ThreadingHTTPServer):
    """Forwards every request to moto after holding it `delay` seconds."""

    daemon_threads = True

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.delay = 0.0
        self.calls = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), DelayHandler)


class DelayHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def forward(self) -> None:
        server: DelayProxy = self.server  # type: ignore[assignment]
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length) if length else None
        with server.lock:
            server.calls += 1
        if server.delay:
            time.sleep(server.delay)
        upstream = http.client.HTTPConnection("127.0.0.1", server.upstream_port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        payload = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(name, value)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        upstream.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward  # noqa: N815

    def log_message(self, *args):
        pass


def start_moto() -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen([str(VENV / "bin" / "moto_server"), "-H", "127.0.0.1", "-p",
                                str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit("moto did not start")


def start_stack(binary: str, proxy_port: int | None, public_key: str, workdir: pathlib.Path):
    """The local stack on the store behind the proxy (`--aws`), or, without a proxy port, on
    the memory store."""
    port = free_port()
    env = dict(os.environ, PORT=str(port), RAMPART_DATA_DIR=str(workdir),
               RAMPART_ADMIN_EMAIL=ADMIN_EMAIL, RAMPART_ADMIN_PASSWORD=ADMIN_PASSWORD,
               DISCORD_PUBLIC_KEY=public_key,
               RATE_LIMIT_OVERRIDES=json.dumps(RATE_LIMIT_OVERRIDES))
    env.pop("STAGE", None)
    args = [binary]
    if proxy_port is None:
        env["RAMPART_STORE"] = "memory"
    else:
        args.append("--aws")
        env.update(RAMPART_AWS_ENDPOINT=f"http://127.0.0.1:{proxy_port}",
                   AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                   AWS_REGION="eu-west-1")
    log = open(workdir / "stack.log", "w", encoding="utf-8")
    process = subprocess.Popen(args, cwd=workdir, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5):
                return process, f"http://127.0.0.1:{port}"
        except (urllib.error.URLError, OSError):
            if process.poll() is not None:
                break
            time.sleep(0.3)
    process.kill()
    sys.exit(f"the local stack did not start; see {workdir}/stack.log")


class Client:
    """A browser-like client: a cookie jar, and the CSRF header on writes."""

    def __init__(self, url: str):
        self.url = url
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, body=None, headers=None, bearer=None):
        all_headers = dict(headers or {})
        if body is not None:
            all_headers["content-type"] = "application/json"
        if self.cookies:
            all_headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if method != "GET" and "XSRF-TOKEN" in self.cookies:
                all_headers["x-csrf-token"] = self.cookies["XSRF-TOKEN"]
        if bearer:
            all_headers["authorization"] = f"Bearer {bearer}"
        data = body if isinstance(body, bytes) else (
            json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers=all_headers)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, answer, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, answer, raw = error.code, error.headers, error.read()
        elapsed = (time.perf_counter() - started) * 1000
        for cookie in answer.get_all("set-cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return status, answer, (json.loads(raw) if raw and raw[:1] in b"{[" else None), elapsed


def scenarios(url: str, signing_key) -> dict:
    """Each request, as a function answering its time in ms; setup requests are untimed."""
    browser = Client(url)
    status, _, _, _ = browser.send("POST", "/api/v1/auth/login",
                                   {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert status == 200, status
    tooling = Client(url)
    _, _, pair, _ = tooling.send("POST", "/api/v1/auth/token",
                                 {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    bearer = pair["access_token"]
    # One project the cookie writes change, another the conditional GET reads unchanged.
    _, _, project, _ = tooling.send("POST", "/api/v1/projects", {"name": "Bench"}, bearer=bearer)
    _, _, steady, _ = tooling.send("POST", "/api/v1/projects", {"name": "Steady"}, bearer=bearer)
    _, headers, _, _ = tooling.send("GET", f"/api/v1/projects/{steady['id']}", bearer=bearer)
    etag = headers.get("etag")

    def expect(code: int, result) -> float:
        status, _, doc, elapsed = result
        if status != code:
            sys.exit(f"expected {code}, got {status}: {doc}")
        return elapsed

    def discord() -> float:
        body = json.dumps({
            "type": 2, "id": str(uuid.uuid4().int % 10**18), "token": "bench-token",
            "application_id": "1360558294053294192", "guild_id": "290926798626357999",
            "channel_id": "645027906669510667",
            "member": {"roles": [], "permissions": "0", "user": {"id": "53908232506183680"}},
            "data": {"id": "1", "name": "help", "type": 1}}).encode()
        stamp = str(int(time.time()))
        signature = signing_key.sign(stamp.encode() + body).signature.hex()
        return expect(200, Client(url).send(
            "POST", "/discord/interactions", body,
            {"x-signature-ed25519": signature, "x-signature-timestamp": stamp}))

    return {
        "authenticated GET /api/v1/account (bearer)":
            lambda: expect(200, tooling.send("GET", "/api/v1/account", bearer=bearer)),
        "cookie write with CSRF: PATCH /api/v1/projects/{id}":
            lambda: expect(200, browser.send("PATCH", f"/api/v1/projects/{project['id']}",
                                             {"description": uuid.uuid4().hex})),
        "refresh (cookie)":
            lambda: expect(200, browser.send("POST", "/api/v1/auth/refresh")),
        "login":
            lambda: expect(200, Client(url).send(
                "POST", "/api/v1/auth/login",
                {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
        "create with Idempotency-Key: POST /api/v1/projects":
            lambda: expect(201, tooling.send("POST", "/api/v1/projects", {"name": "Bench"},
                                             {"idempotency-key": uuid.uuid4().hex},
                                             bearer=bearer)),
        "304: GET /api/v1/projects/{id} with If-None-Match":
            lambda: expect(304, tooling.send("GET", f"/api/v1/projects/{steady['id']}",
                                             headers={"if-none-match": etag}, bearer=bearer)),
        "Discord command (/help)": discord,
    } if etag else sys.exit("no ETag on a project GET")


def measure(requests: dict, samples: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in requests}
    for _ in range(samples):
        for name, run in requests.items():
            times[name].append(run())
    return {name: sorted(values) for name, values in times.items()}


def with_and_without_delay(binary: str, signing_key, delay_ms: float, samples: int):
    """Every scenario's sorted times, on moto without the hold and with it: the request
    names, the plain times and the delayed times."""
    moto, moto_port = start_moto()
    proxy = DelayProxy(moto_port)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="rampart-round-trips-"))
    stack, url = start_stack(binary, proxy.server_address[1], signing_key.verify_key.encode().hex(),
                             workdir)
    try:
        requests = scenarios(url, signing_key)
        measure(requests, 3)  # warm connections and caches
        plain = measure(requests, samples)
        proxy.delay = delay_ms / 1000
        delayed = measure(requests, samples)
    finally:
        stop_stack(stack)
        moto.terminate()
        proxy.shutdown()
    return list(requests), plain, delayed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--samples", type=int, default=25)
    args = parser.parse_args()
    ensure_venv()
    from nacl.signing import SigningKey

    binary = build_stack()
    requests, plain, delayed = with_and_without_delay(binary, SigningKey.generate(),
                                                      args.delay_ms, args.samples)
    print(f"\nSequential store round trips, {args.samples} samples each, store calls held "
          f"{args.delay_ms:g} ms (moto through a loopback proxy); times in ms\n")
    print("| request | p50 | p99 | p50 delayed | p99 delayed | p50 multiple of the delay |")
    print("|---|---|---|---|---|---|")
    for name in requests:
        p50, p99 = percentile(plain[name], 50), percentile(plain[name], 99)
        d50, d99 = percentile(delayed[name], 50), percentile(delayed[name], 99)
        multiple = (d50 - p50) / args.delay_ms
        print(f"| {name} | {p50:.1f} | {p99:.1f} | {d50:.1f} | {d99:.1f} | {multiple:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
