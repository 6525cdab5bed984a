#!/usr/bin/env python3
"""Cold-start measurement: time from exec to the first `GET /runtime/invocation/next`.

Starts each function binary against a tiny fake Lambda Runtime API on loopback, records when
the binary first asks for an invocation (its init is done by then), kills it, and repeats.
The hello-world `lambda_runtime` binary (infra/coldstart-hello) is measured the same way as a
baseline. Release binaries are built with the workspace's release profile.

    python3 infra/coldstart/measure.py [--runs 30] [--only health,auth-login] [--no-build]
                                       [--endpoint http://127.0.0.1:PORT]

Every function of the stacks is measured (71), each with the environment its template gives
it (infra/stacks/*.yaml, read with PyYAML from the test venv): its tables, the secret where it
has one, its bucket, bus and Discord key; values CloudFormation would fill in become
placeholders, and optional settings (`!If ... AWS::NoValue`) are left out. The AWS clients
point at a stub on loopback that answers every DynamoDB call with an empty item and Secrets
Manager's `GetSecretValue` with a valid secret, so the store warm-up and the secret read at
init are real HTTP round trips (the stub keeps the overrides item the starts note, so, as on
AWS, only a function's first start writes it); `--endpoint` points them at an emulator such as moto instead.
Prints a table (median, p90, binary size, ratio to the hello-world baseline of the same run),
worst first.
"""

import argparse
import glob
import http.server
import json
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


SECRET = json.dumps({
    "jwt_signing_keys": [{"kid": "cold-1", "secret": "coldstart-signing-key-0123456789abcdef"}],
    "field_encryption_keys": [{"kid": "cold-f1",
                               "secret": "coldstart-field-key-0123456789abcdef-0"}],
    "rate_limit_key": "coldstart-rate-limit-key-0123456789abcdef",
})
DISCORD_PUBLIC_KEY = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"


# The state item where each function notes the overrides it started with: the stub keeps what
# the starts write there, so only a function's first start writes, as on AWS.
OVERRIDES_KEY = {"pk": {"S": "config#overrides"}, "sk": {"S": "overrides"}}
OVERRIDES_ITEM: dict = {}


def remember_overrides(request: dict) -> None:
    """Applies the `SET` clauses of a transaction's update of the overrides item."""
    for entry in request.get("TransactItems", []):
        update = entry.get("Update")
        if not update or update.get("Key") != OVERRIDES_KEY:
            continue
        names = update.get("ExpressionAttributeNames", {})
        values = update.get("ExpressionAttributeValues", {})
        clauses = update.get("UpdateExpression", "").removeprefix("SET ").split(",")
        for clause in clauses:
            name, _, value = (part.strip() for part in clause.partition("="))
            OVERRIDES_ITEM[names.get(name, name)] = values.get(value)
        OVERRIDES_ITEM.update(OVERRIDES_KEY)


class DynamoStub(http.server.BaseHTTPRequestHandler):
    """Answers any DynamoDB JSON call with `{}` (for GetItem: no item, but the overrides item
    once a start wrote it), and Secrets Manager's `GetSecretValue` with a valid secret."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 (the stdlib's name)
        raw = self.rfile.read(int(self.headers.get("content-length", "0")))
        target = self.headers.get("x-amz-target", "")
        if target.endswith(".TransactWriteItems"):
            remember_overrides(json.loads(raw or b"{}"))
        wants_overrides = (target.endswith(".GetItem") and OVERRIDES_ITEM
                           and json.loads(raw or b"{}").get("Key") == OVERRIDES_KEY)
        if wants_overrides:
            body = json.dumps({"Item": OVERRIDES_ITEM}).encode()
            content_type = "application/x-amz-json-1.0"
        elif target.startswith("secretsmanager."):
            body = json.dumps({"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:cold",
                               "Name": "cold", "VersionId": "1",
                               "SecretString": SECRET}).encode()
            content_type = "application/x-amz-json-1.1"
        else:
            body = b"{}"
            content_type = "application/x-amz-json-1.0"
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def template_functions() -> dict[str, dict[str, str]]:
    """Each function of the nested stacks and the environment its template gives it."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {"!" + suffix: value}

    Loader.add_multi_constructor("!", tagged)
    functions = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "infra", "stacks", "*.yaml"))):
        with open(path, encoding="utf-8") as f:
            template = yaml.load(f, Loader=Loader)
        shared = template.get("Globals", {}).get("Function", {}).get("Environment", {}) \
            .get("Variables", {})
        for resource in template["Resources"].values():
            if resource.get("Type") != "AWS::Serverless::Function":
                continue
            props = resource["Properties"]
            name = os.path.basename(os.path.normpath(props["CodeUri"]))
            variables = {**shared, **props.get("Environment", {}).get("Variables", {})}
            env = {}
            for key, value in variables.items():
                placeholder = placeholder_for(key, value)
                if placeholder is not None:
                    env[key] = placeholder
            functions[name] = env
    return functions


def placeholder_for(key: str, value) -> str | None:
    """What CloudFormation would fill in, as a stand-in; `None` for an optional setting."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "!If" in value:
        return None
    return {
        "STAGE": "dev",
        "STACK_NAME": "coldstart",
        "TABLE_PREFIX": "coldstart-",
        "RUST_LOG": "info",
        "SECRETS_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:cold",
        "DISCORD_PUBLIC_KEY": DISCORD_PUBLIC_KEY,
        "ADMIN_ROLE_IDS": "290926798626357250",
        "DISCORD_GUILD_ID": "290926798626357999",
        "PR_INTEL_SENSITIVE_PATHS": "infra/**,**/migrations/**",
        "RELEASE_DEPLOYER": "events",
    }.get(key, f"coldstart-{key.lower().replace('_', '-')}")


def start_stub():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), DynamoStub)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def measure(binary, extra_env, runs):
    samples = []
    for _ in range(runs):
        runtime = FakeRuntime()
        # A short poll interval: `shutdown` waits for the loop's next poll (0.5 s by default).
        thread = threading.Thread(target=runtime.serve_forever, kwargs={"poll_interval": 0.01},
                                  daemon=True)
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
        proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        ok = runtime.first_next.wait(timeout=10)
        proc.kill()
        _, err = proc.communicate()
        runtime.shutdown()
        runtime.server_close()
        if not ok:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
            sys.exit(f"{binary} never asked for an invocation within 10 s: {tail}")
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
    parser.add_argument("--only", default=None, help="comma-separated function names")
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    functions = template_functions()
    if args.only:
        wanted = args.only.split(",")
        functions = {name: env for name, env in functions.items() if name in wanted}
    if not args.no_build:
        packages = [arg for name in ["coldstart-hello", *functions] for arg in ("-p", name)]
        subprocess.run(["cargo", "build", "--release", *packages], cwd=ROOT, check=True)
    endpoint = args.endpoint or start_stub()
    aws_env = {
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": endpoint,
        "STORE_TIMEOUT_MS": "1000",
    }
    baseline = statistics.median(measure(os.path.join(target, "release", "coldstart-hello"),
                                         {}, args.runs))
    rows = []
    for name, env in functions.items():
        binary = os.path.join(target, "release", name)
        samples = sorted(measure(binary, {**env, **aws_env}, args.runs))
        p90 = samples[max(0, int(len(samples) * 0.9) - 1)]
        median = statistics.median(samples)
        rows.append((median / baseline, name, median, p90, os.path.getsize(binary) / 1e6,
                     "SECRETS_ARN" in env))
    print(f"\ncoldstart-hello median {baseline:.2f} ms ({args.runs} runs each)\n")
    print("| function | median ms | p90 ms | × hello | binary MB | reads the secret |")
    print("|---|---|---|---|---|---|")
    for ratio, name, median, p90, size, secret in sorted(rows, reverse=True):
        print(f"| {name} | {median:.2f} | {p90:.2f} | {ratio:.2f} | {size:.1f} | "
              f"{'yes' if secret else ''} |")


if __name__ == "__main__":
    main()
