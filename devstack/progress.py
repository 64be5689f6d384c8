"""Run a long command while showing that it moves: a line every few seconds with a count
of the lines it printed and the latest one, and its whole output on failure."""

import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from devstack.errors import StackError


def say(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


def run(
    label: str,
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    hint: str = "",
    every: float = 10.0,
) -> None:
    say(f"{label} ...")
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(argv),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            text=True,
        )
    except FileNotFoundError:
        raise StackError(f"{label}: `{argv[0]}` is not installed. {hint}".strip()) from None
    assert proc.stdout is not None
    lines: list[str] = []
    last_report = started
    for line in proc.stdout:
        lines.append(line.rstrip())
        now = time.monotonic()
        if now - last_report >= every:
            say(f"  {label}: {now - started:.0f}s, {len(lines)} steps, last: {lines[-1][:100]}")
            last_report = now
    code = proc.wait()
    elapsed = time.monotonic() - started
    if code != 0:
        sys.stderr.write("\n".join(lines[-40:]) + "\n")
        raise StackError(f"{label} failed (exit {code}) after {elapsed:.0f}s. {hint}".strip())
    say(f"{label}: done in {elapsed:.0f}s")
