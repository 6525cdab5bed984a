#!/usr/bin/env python3
"""Requests per second of the local stack side by side with a bare hyper server, in one run:

    python3 infra/bench/throughput.py [--seconds 10] [--connections 32] [--runs 3]

Builds `rampart-local` and `rampart-throughput` in release mode, starts a bare hyper server
(`rampart-throughput bare`: every request answered with a small JSON body, nothing else), the
local stack on the memory store, and a second local stack with `RATE_LIMITING_ENABLED=false`,
each on a free loopback port with its log going to a file (one line per request, as
deployed). Then `rampart-throughput load` keeps `--connections` keep-alive connections busy
for `--seconds` against, in turn:

- the bare server;
- the stack's `GET /health`;
- the stack's `GET /api/v1/account` with a bearer token (authenticated and rate-limited: the
  admin's read limit and the per-client limit are raised so nothing is refused, and every
  request still pays its counts);
- the same on the stack without rate limiting.

Each is run `--runs` times, interleaved, and the median is reported with its ratio to the bare
server's. The load generator shares the machine's cores with the server it measures, the same
for all of them. On demand, not part of the test command; nothing is asserted.
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "infra" / "load"))
from run import free_port  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
from api_contract import stop_stack  # noqa: E402

ADMIN_EMAIL = "throughput-admin@example.com"
ADMIN_PASSWORD = "throughput passphrase 4 amber lanterns"
RATE_LIMIT_OVERRIDES = {
    "pre-auth": {"max": 100_000_000},
    "reads:admin": {"max": 100_000_000},
    "auth-credentials": {"max": 1000},
    "auth-password-account": {"max": 1000},
}


def build() -> dict[str, str]:
    print("== cargo build --release -p rampart-local -p rampart-throughput", flush=True)
    out = subprocess.run(
        ["cargo", "build", "--release", "-p", "rampart-local", "-p", "rampart-throughput",
         "--message-format=json-render-diagnostics"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable"):
            found[message["target"]["name"]] = message["executable"]
    return found


def wait_for(url: str, process: subprocess.Popen, log: pathlib.Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    sys.exit(f"{url} did not answer; see {log}")


def start_stack(binary: str, workdir: pathlib.Path, limits: bool):
    port = free_port()
    env = dict(os.environ, PORT=str(port), RAMPART_STORE="memory",
               RAMPART_DATA_DIR=str(workdir), RAMPART_ADMIN_EMAIL=ADMIN_EMAIL,
               RAMPART_ADMIN_PASSWORD=ADMIN_PASSWORD,
               RATE_LIMIT_OVERRIDES=json.dumps(RATE_LIMIT_OVERRIDES),
               RATE_LIMITING_ENABLED="true" if limits else "false")
    env.pop("STAGE", None)
    log = workdir / "stack.log"
    process = subprocess.Popen([binary], cwd=workdir, env=env, stdout=open(log, "w"),
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/health", process, log)
    return process, url


def bearer(url: str) -> str:
    request = urllib.request.Request(
        f"{url}/api/v1/auth/token", method="POST",
        data=json.dumps({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).encode(),
        headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["access_token"]


def load(tool: str, url: str, seconds: int, connections: int, headers=()) -> dict:
    out = subprocess.run([tool, "load", url, str(seconds), str(connections), *headers],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    binaries = build()
    tool, local = binaries["rampart-throughput"], binaries["rampart-local"]
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="rampart-throughput-"))
    bare_port = free_port()
    bare = subprocess.Popen([tool, "bare", str(bare_port)], stdout=subprocess.DEVNULL)
    bare_url = f"http://127.0.0.1:{bare_port}/health"
    wait_for(bare_url, bare, workdir)
    (workdir / "limits").mkdir()
    (workdir / "no-limits").mkdir()
    limited, limited_url = start_stack(local, workdir / "limits", limits=True)
    unlimited, unlimited_url = start_stack(local, workdir / "no-limits", limits=False)
    try:
        auth = [f"authorization: Bearer {bearer(limited_url)}"]
        auth_unlimited = [f"authorization: Bearer {bearer(unlimited_url)}"]
        cases = {
            "bare hyper": (bare_url, []),
            "GET /health": (f"{limited_url}/health", []),
            "GET /api/v1/account (bearer, rate-limited)": (
                f"{limited_url}/api/v1/account", auth),
            "GET /api/v1/account (bearer, limits off)": (
                f"{unlimited_url}/api/v1/account", auth_unlimited),
        }
        results: dict[str, list[dict]] = {name: [] for name in cases}
        for run in range(args.runs):
            for name, (url, headers) in cases.items():
                result = load(tool, url, args.seconds, args.connections, headers)
                results[name].append(result)
                print(f"  run {run + 1} {name}: {result['per_second']:.0f} req/s, "
                      f"{result['failed']} failed", flush=True)
    finally:
        bare.terminate()
        stop_stack(limited)
        stop_stack(unlimited)
    baseline = statistics.median(r["per_second"] for r in results["bare hyper"])
    print(f"\n{args.connections} connections, {args.seconds} s per run, median of "
          f"{args.runs} interleaved runs, {os.cpu_count()} cores shared with the load "
          "generator\n")
    print("| target | requests/s | × bare hyper | failed |")
    print("|---|---|---|---|")
    for name, runs in results.items():
        median = statistics.median(r["per_second"] for r in runs)
        failed = sum(r["failed"] for r in runs)
        print(f"| {name} | {median:,.0f} | {median / baseline:.2f} | {failed} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
