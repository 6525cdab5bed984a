#!/usr/bin/env python3
"""Memory sizes from measurement, the way AWS Lambda Power Tuning chooses them, computed from
what this machine can measure since it cannot run on Lambda:

    python3 infra/bench/sizing.py [--samples 200] [--store-ms 5] [--delay-ms 50]

1. CPU per request: the release local stack on the memory store serves each main request
   `--samples` times in a row (sign-in a tenth as often); the stack's own CPU time
   (utime + stime from /proc/<pid>/stat, every thread, the hashing threads included) divided
   by the count is the request's CPU on one full core. The p50 and p99 of the pipeline's own
   time per request, from the stack's log (`latency_us`), are kept too: on the memory store a
   request's time in the pipeline is its CPU.
2. Sequential store round trips: the same requests against moto behind the loopback proxy of
   `round_trips.py` (the p50 multiple of the proxy's hold).
3. The model. Lambda gives a function CPU in proportion to its memory, one vCPU at 1,769 MB,
   and a request uses one thread, so CPU work that takes t ms on a full core takes
   t × 1769 / M ms at M MB (below 1,769). Its duration at M is that plus its sequential round
   trips × `--store-ms` (a DynamoDB call in the same region). The price is arm64's (what the
   template deploys): $0.0000133334 per GB-second and $0.20 per million requests.
4. The choice: the sign-in (Argon2id) at the smallest size, in 64 MB steps, whose hash takes at
   most 50 ms of wall time; every other request at the smallest size at which its p99 CPU time
   is no longer than its store waits (it is not CPU-bound), or than 5 ms for a request that
   waits for less (below that, more memory buys nothing a caller notices).

Prints the measurements and a table of every candidate size's estimated p50/p99 duration and
cost per million requests, the chosen size in bold. On demand, not part of the test command;
nothing is asserted.
"""

import argparse
import json
import os
import pathlib
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import round_trips  # noqa: E402
from round_trips import (  # noqa: E402
    build_stack, ensure_venv, measure, percentile, scenarios, start_stack, stop_stack,
    with_and_without_delay)

ONE_VCPU_MB = 1769
GB_SECOND_USD = 0.0000133334
PER_MILLION_REQUESTS_USD = 0.20
CANDIDATES_MB = [128, 256, 512, 1024, 1769]
HASH_BUDGET_MS = 50.0
# Below this a request's CPU time is not worth more memory, however little it waits for.
CPU_FLOOR_MS = 5.0
SIGN_IN = "login"


def cpu_seconds(pid: int) -> float:
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def logged_request_ms(log: pathlib.Path, offset: int) -> tuple[list[float], int]:
    """The pipeline's own time (`latency_us`) of every request the stack logged after
    `offset` bytes of its log, and the log's new length."""
    text = log.read_bytes()
    found = []
    for line in text[offset:].decode("utf-8", "replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        fields = record.get("fields", record)
        if fields.get("message") == "request" and "latency_us" in fields:
            found.append(fields["latency_us"] / 1000)
    return found, len(text)


def cpu_per_request(binary: str, signing_key, samples: int) -> dict[str, dict]:
    """Per request, on the memory store: the stack's CPU ms per request on one core (every
    thread), and the p50 and p99 of the pipeline's own time as the stack logs it."""
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="rampart-sizing-"))
    stack, url = start_stack(binary, None, signing_key.verify_key.encode().hex(), workdir)
    log = workdir / "stack.log"
    found = {}
    try:
        requests = scenarios(url, signing_key)
        requests["GET /health"] = lambda: round_trips.Client(url).send("GET", "/health")[3]
        measure(requests, 5)
        for name, run in requests.items():
            count = max(samples // 10, 20) if name == SIGN_IN else samples
            _, offset = logged_request_ms(log, 0)
            before = cpu_seconds(stack.pid)
            for _ in range(count):
                run()
            used = cpu_seconds(stack.pid) - before
            time.sleep(0.2)  # the last lines reach the log
            times, _ = logged_request_ms(log, offset)
            times.sort()
            found[name] = {
                "cpu_ms": used * 1000 / count,
                "p50_ms": percentile(times, 50) if times else 0.0,
                "p99_ms": percentile(times, 99) if times else 0.0,
                "count": count,
            }
    finally:
        stop_stack(stack)
    return found


def round_trip_multiples(binary: str, signing_key, delay_ms: float, samples: int) -> dict:
    names, plain, delayed = with_and_without_delay(binary, signing_key, delay_ms, samples)
    return {name: max(0.0, (percentile(delayed[name], 50) - percentile(plain[name], 50))
                      / delay_ms) for name in names}


def at_size(cpu_ms: float, memory_mb: int) -> float:
    """CPU work of `cpu_ms` on a full core, as wall time at `memory_mb`."""
    return cpu_ms * ONE_VCPU_MB / min(memory_mb, ONE_VCPU_MB)


def cost_per_million(duration_ms: float, memory_mb: int) -> float:
    return (PER_MILLION_REQUESTS_USD
            + duration_ms / 1000 * memory_mb / 1024 * GB_SECOND_USD * 1_000_000)


def choose(name: str, cpu: dict, waits_ms: float, hash_ms: float) -> int:
    if name == SIGN_IN:
        size = 128
        while at_size(hash_ms, size) > HASH_BUDGET_MS and size < ONE_VCPU_MB:
            size += 64
        return min(size, ONE_VCPU_MB)
    for size in CANDIDATES_MB:
        if at_size(cpu["p99_ms"], size) <= max(waits_ms, CPU_FLOOR_MS):
            return size
    return CANDIDATES_MB[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--store-ms", type=float, default=5.0)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--round-trip-samples", type=int, default=25)
    args = parser.parse_args()
    ensure_venv()
    from nacl.signing import SigningKey

    binary = build_stack()
    key = SigningKey.generate()
    cpu = cpu_per_request(binary, key, args.samples)
    multiples = round_trip_multiples(binary, key, args.delay_ms, args.round_trip_samples)
    multiples["GET /health"] = 0.0
    # The hash is what a sign-in costs beyond a refresh, which does the same session and
    # cookie work without one.
    hash_ms = max(cpu[SIGN_IN]["cpu_ms"] - cpu["refresh (cookie)"]["cpu_ms"], 0.0)

    print("\nMeasured on one core (memory store) and in sequential store round trips (moto)\n")
    print("| request | CPU ms / request | in the stack p50 ms | p99 ms | round trips |")
    print("|---|---|---|---|---|")
    for name, c in cpu.items():
        print(f"| {name} | {c['cpu_ms']:.3f} | {c['p50_ms']:.2f} | {c['p99_ms']:.2f} | "
              f"{multiples.get(name, 0):.2f} |")
    print(f"\nArgon2id in a sign-in (sign-in CPU minus refresh CPU): {hash_ms:.1f} ms on one core")
    print(f"\nEstimated on Lambda (arm64 prices; {args.store_ms:g} ms per store round trip): "
          "p50 / p99 duration in ms, and $ per million requests; chosen size in bold\n")
    header = " | ".join(f"{m} MB" for m in CANDIDATES_MB)
    print(f"| request | {header} |")
    print("|---" * (len(CANDIDATES_MB) + 1) + "|")
    for name, c in cpu.items():
        waits = multiples.get(name, 0) * args.store_ms
        chosen = choose(name, c, waits, hash_ms)

        def cell(size: int) -> str:
            p50 = at_size(c["p50_ms"], size) + waits
            p99 = at_size(c["p99_ms"], size) + waits
            text = f"{p50:.1f} / {p99:.1f}, ${cost_per_million(p50, size):.2f}"
            return f"**{text}**" if size == chosen else text

        cells = [cell(size) for size in CANDIDATES_MB]
        if chosen not in CANDIDATES_MB:
            name = f"{name} (chosen {chosen} MB: {cell(chosen)})"
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
