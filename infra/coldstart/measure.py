#!/usr/bin/env python3
"""Cold-start measurement: time from exec to the first `GET /runtime/invocation/next`.

Starts each function binary against a tiny fake Lambda Runtime API on loopback, records when
the binary first asks for an invocation (its init is done by then), kills it, and repeats.
The hello-world `lambda_runtime` binary (infra/coldstart-hello) is measured the same way as a
baseline. Release binaries are built with the workspace's release profile.

    python3 infra/coldstart/measure.py [--runs 30] [--endpoint http://127.0.0.1:PORT]

The functions' AWS clients point at a stub on loopback that answers every DynamoDB call with
an empty item, so the store warm-up at init is a real HTTP round trip; `--endpoint` points
them at an emulator such as moto instead.
"""

import argparse
import http.server
import os
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NEXT_PATH = "/2018-06-01/runtime/invocation/next"


class FakeRuntime(http.server.ThreadingHTTPServer):
    """Records the moment of the first `next` request and never answers it."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.first_next = threading.Event()
        self.first_next_at = None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the stdlib's name)
        if self.path == NEXT_PATH and not self.server.first_next.is_set():
            self.server.first_next_at = time.perf_counter()
            self.server.first_next.set()
        # Hold the connection: no invocation is ever delivered.
        time.sleep(2)

    def log_message(self, *args):
        pass


class DynamoStub(http.server.BaseHTTPRequestHandler):
    """Answers any DynamoDB JSON call with `{}` (for GetItem: no item)."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 (the stdlib's name)
        self.rfile.read(int(self.headers.get("content-length", "0")))
        body = b"{}"
        self.send_response(200)
        self.send_header("content-type", "application/x-amz-json-1.0")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def start_stub():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), DynamoStub)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def measure(binary, extra_env, runs):
    samples = []
    for _ in range(runs):
        runtime = FakeRuntime()
        thread = threading.Thread(target=runtime.serve_forever, daemon=True)
        thread.start()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{runtime.server_address[1]}",
            "AWS_LAMBDA_FUNCTION_NAME": os.path.basename(binary),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_STREAM_NAME": "coldstart",
            "AWS_LAMBDA_LOG_GROUP_NAME": "coldstart",
            **extra_env,
        }
        started = time.perf_counter()
        proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ok = runtime.first_next.wait(timeout=10)
        proc.kill()
        proc.wait()
        runtime.shutdown()
        runtime.server_close()
        if not ok:
            sys.exit(f"{binary} never asked for an invocation within 10 s")
        samples.append((runtime.first_next_at - started) * 1000)
    return samples


def report(name, samples):
    samples = sorted(samples)
    p90 = samples[max(0, int(len(samples) * 0.9) - 1)]
    print(f"{name:20} runs={len(samples):3}  median={statistics.median(samples):7.2f} ms  "
          f"p90={p90:7.2f} ms  min={samples[0]:7.2f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--endpoint", default=None)
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-p", "health", "-p", "discord-interactions",
                        "-p", "coldstart-hello"],
                       cwd=ROOT, check=True)
    endpoint = args.endpoint or start_stub()
    function_env = {
        "STAGE": "dev",
        "TABLE_PREFIX": "coldstart-",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": endpoint,
        "STORE_TIMEOUT_MS": "1000",
    }
    discord_env = {**function_env,
                   "DISCORD_PUBLIC_KEY": "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"}
    for name, env in (("coldstart-hello", {}), ("health", function_env),
                      ("discord-interactions", discord_env)):
        binary = os.path.join(target, "release", name)
        size = os.path.getsize(binary) / 1e6
        print(f"{name:20} binary={size:.1f} MB")
        report(name, measure(binary, env, args.runs))


if __name__ == "__main__":
    main()
