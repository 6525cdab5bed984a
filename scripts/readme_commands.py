#!/usr/bin/env python3
"""Runs the README's commands as a newcomer would.

Reads the two commands out of README.md's "The two commands" section (never a copy of them):
- the run command is started exactly as written, with PORT set to a free loopback port and the
  data folder in a temporary directory; the check waits for `listening on`, expects
  `GET /health` to answer 200, sends SIGTERM and expects exit status 0;
- the test command must be the script that `.ci/run` calls, and must exist and be executable
  (it is the command running this check, so it is not started again).

Exits non-zero, saying why, when any of that fails. Called by scripts/test.sh.
"""

import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The first start may compile the local stack; later starts take well under a second.
START_TIMEOUT_S = 1200
STOP_TIMEOUT_S = 30


def fail(message: str) -> None:
    print(f"README commands: {message}", file=sys.stderr)
    sys.exit(1)


def readme_commands() -> tuple[str, str]:
    """The run command and the test command, in the order the README gives them."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## The two commands\n(.*?)(?=^## )", text, re.S | re.M)
    if not section:
        fail('README.md has no "## The two commands" section')
    blocks = re.findall(r"^```sh\n(.*?)^```", section.group(1), re.S | re.M)
    commands = [b.strip() for b in blocks]
    if len(commands) != 2 or any("\n" in c for c in commands):
        fail(f"expected two one-line sh blocks in the section, found {commands!r}")
    return commands[0], commands[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_test_command(command: str) -> None:
    script = ROOT / command.split()[0]
    if not (script.is_file() and os.access(script, os.X_OK)):
        fail(f"the test command {command!r} is not an executable file in the repository")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    if command not in ci:
        fail(f".ci/run does not call the README's test command {command!r}")


def check_run_command(command: str) -> None:
    port = free_port()
    data = tempfile.mkdtemp(prefix="rampart-readme-")
    env = dict(os.environ, PORT=str(port), RAMPART_DATA_DIR=data)
    for name in ("RAMPART_STORE", "STAGE", "RAMPART_SECRETS_FILE"):
        env.pop(name, None)
    log_path = pathlib.Path(data) / "stderr.log"
    print(f"== README run command: {command} (PORT={port})", flush=True)
    with open(log_path, "wb") as log:
        # `exec` so the signal reaches the command itself (cargo run execs the binary).
        child = subprocess.Popen(
            ["sh", "-c", f"exec {command}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        listening = threading.Event()
        lines: list[str] = []

        def read_stdout() -> None:
            for line in child.stdout:
                lines.append(line.rstrip())
                if "listening on" in line:
                    listening.set()

        threading.Thread(target=read_stdout, daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not listening.wait(0.2):
            if child.poll() is not None:
                tail = log_path.read_text(errors="replace")[-4000:]
                fail(f"the run command exited with {child.returncode} before listening:\n{tail}")
            if time.monotonic() > deadline:
                child.kill()
                fail(f"no 'listening on' within {START_TIMEOUT_S} s")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as r:
                status = r.status
        except Exception as error:  # the stack answered nothing usable
            child.kill()
            fail(f"GET /health failed: {error}")
        if status != 200:
            child.kill()
            fail(f"GET /health answered {status}, not 200")
        child.send_signal(signal.SIGTERM)
        try:
            code = child.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            fail(f"the stack did not stop within {STOP_TIMEOUT_S} s of SIGTERM")
        if code != 0:
            fail(f"the stack exited with {code} after SIGTERM, not 0")
    print(f"README run command: listening, GET /health 200, SIGTERM exit 0 ({lines[-1]!r})")


def main() -> None:
    run, test = readme_commands()
    check_test_command(test)
    check_run_command(run)


if __name__ == "__main__":
    main()
