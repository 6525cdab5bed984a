#!/usr/bin/env python3
"""Load run against the local stack: a fixed request rate over a mix of routes, with the
stack's memory sampled throughout. On demand, not part of the test command:

    python3 infra/load/run.py [--rate 100] [--duration 60] [--users 20]
    python3 infra/load/run.py --find-max [--rate 100] [--step-duration 30]
    python3 infra/load/run.py --rate 100 --duration 600          # the 10-minute soak
    python3 infra/load/run.py --rate 100 --duration 300 --reads-only

`--reads-only` leaves out every task that stores something (tagged `writes` in the
locustfile), so the memory store does not grow with the data and the RSS shows what the stack
itself holds.

With `--find-max` it raises the offered rate step by step on one stack (100, 200, 300, 400,
600, ... requests/s, one user per 5 requests/s, at least `--users`) and stops at the first step
whose steady part (after the users' first sign-ins, which all come in its first seconds) has a
p99 of 50 ms or more, any error, or an achieved rate under 90% of the offered one; it prints a
line per step (achieved rate, p99, the stack's CPU seconds per second, its RSS) and the
highest rate held. Locust runs on the same two cores as the stack, so the figure is that of
the pair.

It needs Python 3 with pip and Rust, nothing else:

1. installs the pinned Locust and PyNaCl (infra/load/requirements.txt) into infra/load/.venv
   (once; again when the pins change) and continues inside that venv;
2. builds the local stack in release mode (`cargo build --release -p rampart-local`; honours
   CARGO_TARGET_DIR);
3. generates an Ed25519 key pair for Discord and starts the stack's binary on a free loopback
   port: memory store, an admin account (RAMPART_ADMIN_EMAIL / RAMPART_ADMIN_PASSWORD), the
   public key in DISCORD_PUBLIC_KEY, and RATE_LIMIT_OVERRIDES raising exactly the limits that one
   account signing in from one address at this rate would hit (the limiter still counts every
   request: the cost is measured, only the refusals are lifted). Its log goes to a file;
4. runs Locust headless (infra/load/locustfile.py: the mix, each task one request) with
   `--users` users at `rate / users` requests per second each, for `--duration` seconds, while
   a thread reads VmRSS from /proc/<pid>/status every 2 seconds;
5. prints requests, errors, p50/p95/p99/max per route group and overall (exact, from every
   request's time), the achieved rate, RSS at start/middle/end, and the stack's error and
   warning log lines; stops the stack with SIGTERM.

Exits 1 when any request failed (a transport error, or an answer other than the one the
route must give), or when the stack did not exit cleanly.
"""

import argparse
import hashlib
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VENV = HERE / ".venv"
REQUIREMENTS = HERE / "requirements.txt"

ADMIN_EMAIL = "load-admin@example.com"
ADMIN_PASSWORD = "load run passphrase 7 copper kettles"

# The limits this run would hit with the defaults, all from one account at one address: the
# per-address limit before authentication (600/min), sign-in per address (10/min) and per
# account (5/min), and the admin's read and write budgets (1000/min each). Raised to about ten
# times what the run needs at 100 req/s; nothing else is changed.
RATE_LIMIT_OVERRIDES = {
    "pre-auth": {"max": 60000},
    "auth-credentials": {"max": 60000},
    "auth-password-account": {"max": 60000},
    "reads:admin": {"max": 60000},
    "writes:admin": {"max": 60000},
}

GROUPS = {
    "GET /health": "health",
    "POST /api/v1/auth/login": "sign-in",
    "POST /api/v1/auth/login (first)": "sign-in",
    "GET /api/v1/projects": "reads",
    "GET /api/v1/projects/{id}": "reads",
    "GET /api/v1/account": "reads",
    "POST /api/v1/projects": "writes",
    "POST /api/v1/projects (replay)": "writes",
    "PATCH /api/v1/projects/{id}": "writes",
    "POST /discord/interactions (PING)": "discord",
    "POST /discord/interactions (/help)": "discord",
}
GROUP_ORDER = ["health", "sign-in", "reads", "writes", "discord"]


def group_of_logged(method: str, path: str) -> str:
    """The route group of a request line of the stack's log (which has no Locust names)."""
    if path.startswith("/api/v1/projects/"):
        path = "/api/v1/projects/{id}"
    if path == "/discord/interactions":
        return "discord"
    return GROUPS.get(f"{method} {path}", "(other)")


# -- 1. the venv ------------------------------------------------------------------------------


def in_venv() -> bool:
    return pathlib.Path(sys.prefix).resolve() == VENV.resolve()


def ensure_venv() -> None:
    """Creates the venv with the pinned tools when missing or stale, then re-runs this script
    with its interpreter."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:16]
    stamp = VENV / f".pinned-{digest}"
    python = VENV / "bin" / "python"
    if not stamp.exists():
        print(f"== installing {REQUIREMENTS.relative_to(ROOT)} into {VENV.relative_to(ROOT)}",
              flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", "-r", str(REQUIREMENTS)], check=True)
        stamp.touch()
    os.execv(str(python), [str(python), str(pathlib.Path(__file__).resolve()), *sys.argv[1:]])


# -- 2. and 3. the stack ----------------------------------------------------------------------


def build_stack() -> str:
    """Builds rampart-local in release mode and returns its executable's path."""
    print("== cargo build --release -p rampart-local", flush=True)
    out = subprocess.run(
        ["cargo", "build", "--release", "-p", "rampart-local",
         "--message-format=json-render-diagnostics"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True).stdout
    for line in out.splitlines():
        message = json.loads(line)
        if (message.get("reason") == "compiler-artifact"
                and message["target"]["name"] == "rampart-local"
                and message.get("executable")):
            return message["executable"]
    sys.exit("cargo built no rampart-local executable")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, binary: str, public_key: str, workdir: pathlib.Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "stack.log"
        env = dict(os.environ, PORT=str(self.port), RAMPART_STORE="memory",
                   RAMPART_DATA_DIR=str(workdir / "data"), RAMPART_ADMIN_EMAIL=ADMIN_EMAIL,
                   RAMPART_ADMIN_PASSWORD=ADMIN_PASSWORD, DISCORD_PUBLIC_KEY=public_key,
                   RATE_LIMIT_OVERRIDES=json.dumps(RATE_LIMIT_OVERRIDES))
        self.process = subprocess.Popen([binary], cwd=workdir, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.ready = threading.Event()
        threading.Thread(target=self._copy_log, daemon=True).start()
        if not self.ready.wait(60):
            self.process.kill()
            sys.exit(f"the local stack did not start; see {self.log_path}")

    def _copy_log(self) -> None:
        with open(self.log_path, "w", encoding="utf-8") as log:
            for line in self.process.stdout:
                log.write(line)
                if "listening on" in line:
                    log.flush()
                    self.ready.set()

    def rss_kib(self) -> int | None:
        try:
            for line in pathlib.Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    def cpu_seconds(self) -> float | None:
        """User plus system CPU time the stack has used so far."""
        try:
            fields = pathlib.Path(f"/proc/{self.process.pid}/stat").read_text()
        except OSError:
            return None
        after_name = fields.rsplit(")", 1)[1].split()
        return (int(after_name[11]) + int(after_name[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return -9

    def logged_latencies(self) -> list[tuple[str, float]]:
        """(group, ms) of every request line of the log: the pipeline's own time
        (`latency_us`, from the parsed request to the built response), without the client,
        the socket or HTTP parsing."""
        found = []
        for record in self.log_records():
            if record.get("message") == "request" and "latency_us" in record:
                found.append((group_of_logged(record.get("method", ""), record.get("path", "")),
                              record["latency_us"] / 1000))
        return found[1:]  # the first is warm_up's /health, before the load

    def log_records(self) -> list[dict]:
        """Every JSON line of the stack's log, parsed (other lines skipped)."""
        records = []
        for line in self.log_path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records

    def log_lines_at(self, level: str) -> list[str]:
        return [json.dumps(r) for r in self.log_records()
                if str(r.get("level", "")).upper() == level]


class RssSampler(threading.Thread):
    def __init__(self, stack: Stack, every: float = 2.0):
        super().__init__(daemon=True)
        self.stack, self.every = stack, every
        self.samples: list[tuple[float, int]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            rss = self.stack.rss_kib()
            if rss is not None:
                self.samples.append((time.time(), rss))
            self.done.wait(self.every)


# -- 4. Locust ---------------------------------------------------------------------------------


def warm_up(url: str) -> None:
    """Waits for /health to answer 200, so the first measured request is not the first ever."""
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit("the local stack does not answer /health")


def loadavg() -> str:
    try:
        return pathlib.Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def run_locust(args, url: str, seed_hex: str, samples_path: pathlib.Path) -> int:
    env = dict(os.environ, LOAD_EMAIL=ADMIN_EMAIL, LOAD_PASSWORD=ADMIN_PASSWORD,
               LOAD_DISCORD_SEED=seed_hex, LOAD_RATE_PER_USER=str(args.rate / args.users),
               LOAD_SAMPLES=str(samples_path), PYTHONDONTWRITEBYTECODE="1")
    command = [str(VENV / "bin" / "locust"), "-f", str(HERE / "locustfile.py"), "--headless",
               "--host", url, "--users", str(args.users), "--spawn-rate", str(args.users),
               "--run-time", f"{args.duration}s", "--stop-timeout", "10", "--only-summary",
               "--loglevel", "WARNING"]
    if getattr(args, "reads_only", False):
        # Only what stores nothing: each user still signs in and creates one project first.
        command += ["--exclude-tags", "writes"]
    print(f"== locust: {args.users} users x {args.rate / args.users:g} req/s for "
          f"{args.duration} s against {url}", flush=True)
    return subprocess.run(command, cwd=HERE, env=env).returncode


# -- 5. the summary ----------------------------------------------------------------------------


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest rank."""
    if not sorted_ms:
        return float("nan")
    rank = max(1, -(-len(sorted_ms) * p // 100))
    return sorted_ms[int(rank) - 1]


def row(label: str, times: list[float], errors: int | None) -> str:
    times = sorted(times)
    counted = "" if errors is None else errors
    return (f"{label:40} {len(times):6d} {counted:>6} {percentile(times, 50):8.2f} "
            f"{percentile(times, 95):8.2f} {percentile(times, 99):8.2f} "
            f"{(times[-1] if times else float('nan')):8.2f}")


def summarise_server_side(logged: list[tuple[str, float]]) -> None:
    print("\n== per route group, inside the stack (the log's latency_us; no client or socket)")
    print(f"{'':40} {'reqs':>6} {'':6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for group in GROUP_ORDER + ["(other)"]:
        times = [ms for g, ms in logged if g == group]
        if times or group != "(other)":
            print(row(group, times, None))
    print(row("all but sign-in", [ms for g, ms in logged if g != "sign-in"], None))
    print(row("overall", [ms for _, ms in logged], None))


def summarise(samples: list, rss: list[tuple[float, int]], load_start: float,
              load_end: float) -> int:
    header = (f"{'':40} {'reqs':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
              f"{'max ms':>8}")
    by_name: dict[str, list] = {}
    for sample in samples:
        by_name.setdefault(sample[1], []).append(sample)

    print("\n== per route")
    print(header)
    for name in sorted(by_name, key=lambda n: (GROUP_ORDER.index(GROUPS.get(n, "health")), n)):
        group = by_name[name]
        print(row(name, [s[2] for s in group], sum(s[3] for s in group)))

    print("\n== per route group")
    print(header)
    for group in GROUP_ORDER:
        chosen = [s for s in samples if GROUPS.get(s[1]) == group]
        print(row(group, [s[2] for s in chosen], sum(s[3] for s in chosen)))
    unknown = [s for s in samples if s[1] not in GROUPS]
    if unknown:
        print(row("(other)", [s[2] for s in unknown], sum(s[3] for s in unknown)))
    not_sign_in = [s for s in samples if GROUPS.get(s[1]) != "sign-in"]
    print(row("all but sign-in", [s[2] for s in not_sign_in], sum(s[3] for s in not_sign_in)))
    errors = sum(s[3] for s in samples)
    print(row("overall", [s[2] for s in samples], errors))

    if samples:
        span = max(s[0] + s[2] / 1000 for s in samples) - min(s[0] for s in samples)
        print(f"\nrequests: {len(samples)}, errors: {errors}, over {span:.1f} s "
              f"({len(samples) / span if span else 0:.1f} req/s)")
    failures: dict[str, int] = {}
    for s in samples:
        if s[3]:
            failures[f"{s[1]}: {s[4]}"] = failures.get(f"{s[1]}: {s[4]}", 0) + 1
    for text, count in sorted(failures.items(), key=lambda kv: -kv[1])[:10]:
        print(f"  {count} x {text}")

    during = [(t, kib) for t, kib in rss if load_start <= t <= load_end]
    if during:
        start, middle, end = during[0][1], during[len(during) // 2][1], during[-1][1]
        mib = lambda kib: kib / 1024  # noqa: E731
        print(f"\nRSS of the stack (VmRSS every 2 s, {len(during)} samples under load): "
              f"start {mib(start):.1f} MiB, middle {mib(middle):.1f} MiB, "
              f"end {mib(end):.1f} MiB, max {mib(max(k for _, k in during)):.1f} MiB; "
              f"before load {mib(rss[0][1]):.1f} MiB")
        print("  " + " ".join(f"{mib(k):.1f}" for _, k in during))
    return errors


# -- 6. the highest rate the machine holds ------------------------------------------------------

MAX_P99_MS = 50.0
# The first seconds of a step are the users' first sign-ins, all at once; the target is about
# the steady mix that follows.
RAMP_SECS = 5.0


def step_figures(samples: list) -> dict:
    """The steady part of a step: requests, errors, p99 and the achieved rate."""
    if not samples:
        return {"requests": 0, "errors": 0, "p99": float("inf"), "rate": 0.0}
    start = min(s[0] for s in samples) + RAMP_SECS
    steady = [s for s in samples if s[0] >= start and not s[1].endswith("(first)")]
    errors = sum(s[3] for s in samples)
    times = sorted(s[2] for s in steady)
    span = (max(s[0] for s in steady) - start) if steady else 0
    return {
        "requests": len(steady),
        "errors": errors,
        "p99": percentile(times, 99) if times else float("inf"),
        "rate": len(steady) / span if span else 0.0,
    }


def find_max(args, stack: "Stack", seed_hex: str, workdir: pathlib.Path) -> int:
    """Raises the rate step by step on one stack until a step misses the target (p99 of the
    steady mix under 50 ms, no error); reports every step and the highest rate held."""
    rates = [r for r in (100, 200, 300, 400, 600, 800, 1000, 1200, 1500, 2000, 3000)
             if r >= args.rate]
    held = None
    print("\n| offered req/s | users | achieved req/s | requests | errors | p99 ms | "
          "stack CPU s/s | RSS MiB at end |")
    print("|---|---|---|---|---|---|---|---|")
    for rate in rates:
        users = max(args.users, int(rate / 5))
        step = argparse.Namespace(rate=rate, users=users, duration=args.step_duration)
        samples_path = workdir / f"samples-{rate}.json"
        cpu_before, started = stack.cpu_seconds(), time.time()
        run_locust(step, stack.url, seed_hex, samples_path)
        cpu_used = (stack.cpu_seconds() or 0) - (cpu_before or 0)
        elapsed = time.time() - started
        samples = json.loads(samples_path.read_text()) if samples_path.exists() else []
        figures = step_figures(samples)
        rss = (stack.rss_kib() or 0) / 1024
        print(f"| {rate} | {users} | {figures['rate']:.0f} | {figures['requests']} | "
              f"{figures['errors']} | {figures['p99']:.1f} | {cpu_used / elapsed:.2f} | "
              f"{rss:.1f} |", flush=True)
        if figures["errors"] or figures["p99"] >= MAX_P99_MS or figures["rate"] < 0.9 * rate:
            break
        held = (rate, figures)
    if held is None:
        print("\nno step met the target")
        return 1
    rate, figures = held
    print(f"\nhighest rate held: {rate} req/s offered ({figures['rate']:.0f} achieved), "
          f"p99 {figures['p99']:.1f} ms, 0 errors")
    return 0


def fixed_rate(args, stack: "Stack", sampler: "RssSampler", seed_hex: str,
               workdir: pathlib.Path) -> int:
    """One run at `--rate` for `--duration`, with the summary; the exit status."""
    sampler.start()
    time.sleep(2.5)  # a baseline sample or two before the load
    samples_path = workdir / "samples.json"
    load_before, cpu_before = loadavg(), stack.cpu_seconds()
    load_start = time.time()
    locust_status = run_locust(args, stack.url, seed_hex, samples_path)
    load_end = time.time()
    load_after, cpu_after = loadavg(), stack.cpu_seconds()
    time.sleep(2.5)
    samples = json.loads(samples_path.read_text()) if samples_path.exists() else []
    if not samples:
        print(f"locust recorded no request (exit status {locust_status})")
    errors = summarise(samples, sampler.samples, load_start, load_end)
    if cpu_before is not None and cpu_after is not None:
        print(f"stack CPU time under load: {cpu_after - cpu_before:.1f} s over "
              f"{load_end - load_start:.0f} s; machine: {os.cpu_count()} cores, "
              f"1-min load average {load_before} before, {load_after} after")
    return 1 if errors or not samples else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=100, help="requests per second, total")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--users", type=int, default=20, help="simulated clients")
    parser.add_argument("--find-max", action="store_true",
                        help="raise the rate from --rate in steps until p99 reaches 50 ms or a "
                             "request fails; report the highest rate held")
    parser.add_argument("--reads-only", action="store_true",
                        help="leave out the tasks that store something (sign-ins, creates, "
                             "changes, Discord commands): with nothing written, RSS must stay "
                             "flat")
    parser.add_argument("--step-duration", type=int, default=30,
                        help="seconds per step with --find-max")
    args = parser.parse_args()
    if not in_venv():
        ensure_venv()  # does not return

    import nacl.signing  # available inside the venv

    binary = build_stack()
    signer = nacl.signing.SigningKey.generate()
    seed_hex = bytes(signer).hex()
    public_hex = signer.verify_key.encode().hex()
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="rampart-load-"))
    stack = Stack(binary, public_hex, workdir)
    print(f"== local stack pid {stack.process.pid} on {stack.url}; log {stack.log_path}",
          flush=True)
    sampler = RssSampler(stack)
    exit_status = 1
    try:
        warm_up(stack.url)
        if args.find_max:
            exit_status = find_max(args, stack, seed_hex, workdir)
        else:
            exit_status = fixed_rate(args, stack, sampler, seed_hex, workdir)
    finally:
        sampler.done.set()
        stopped = stack.stop()
    summarise_server_side(stack.logged_latencies())
    for level in ("ERROR", "WARN"):
        lines = stack.log_lines_at(level)
        print(f"stack log lines at {level}: {len(lines)}")
        for line in lines[:5]:
            print(f"  {line[:300]}")
    if stopped != 0:
        print(f"the stack exited with status {stopped} on SIGTERM")
        exit_status = 1
    print(f"\nexit status {exit_status} ({'no errors' if exit_status == 0 else 'errors'})")
    sys.exit(exit_status)


if __name__ == "__main__":
    main()
