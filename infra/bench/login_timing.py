#!/usr/bin/env python3
"""Login timing for a registered and an unknown address: the enumeration check of contract
section 2 ("same body and similar time").

Starts the local stack in release mode (in memory, rate limiting off, an admin account as the
registered address), then sends `POST /api/v1/auth/login` with a wrong password for the
registered address and for an unknown one, interleaved, and prints the median and p90 of
each. Run on demand, not in CI:

    python3 infra/bench/login_timing.py [--rounds 200]
"""

import argparse
import json
import os
import pathlib
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
KNOWN = "known@example.com"
PASSWORD = "timing check passphrase 5 rivers"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int) -> subprocess.Popen:
    env = dict(os.environ, PORT=str(port), RAMPART_STORE="memory",
               RAMPART_DATA_DIR=tempfile.mkdtemp(prefix="rampart-timing-"),
               RAMPART_ADMIN_EMAIL=KNOWN, RAMPART_ADMIN_PASSWORD=PASSWORD,
               RATE_LIMITING_ENABLED="false", RUST_LOG="error")
    child = subprocess.Popen(["cargo", "run", "-q", "--release", "-p", "rampart-local"],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    ready = threading.Event()

    def read() -> None:
        for line in child.stdout:
            if "listening on" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(1800):
        child.kill()
        sys.exit("the local stack did not start")
    return child


def login_ms(port: int, email: str) -> float:
    body = json.dumps({"email": email, "password": "not the password at all"}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/auth/login", data=body,
                                 headers={"content-type": "application/json"})
    started = time.perf_counter()
    try:
        urllib.request.urlopen(req, timeout=30)
    except urllib.error.HTTPError as error:
        if error.code != 401:
            sys.exit(f"expected 401, got {error.code}")
    return (time.perf_counter() - started) * 1000


def report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p90 = samples[int(len(samples) * 0.9) - 1]
    print(f"{name:22} n={len(samples)}  median={statistics.median(samples):6.2f} ms  "
          f"p90={p90:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    port = free_port()
    stack = start(port)
    try:
        for _ in range(5):  # warm up both paths
            login_ms(port, KNOWN)
            login_ms(port, "nobody@example.com")
        known, unknown = [], []
        for i in range(args.rounds):
            known.append(login_ms(port, KNOWN))
            unknown.append(login_ms(port, f"nobody{i}@example.com"))
        report("registered address", known)
        report("unknown address", unknown)
    finally:
        stack.send_signal(signal.SIGTERM)
        stack.wait(30)


if __name__ == "__main__":
    main()
