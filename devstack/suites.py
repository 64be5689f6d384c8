"""`make test`: the local stack's tests and the cluster's, side by side.

Most of either suite's time is spent waiting (for a reminder's whole minute, a rollout, a
restart), so two pytest processes on one machine finish well before the same tests in a
row would. The two share nothing: the local stack runs on its own ports and data folder,
the cluster in its own network namespace. The local suite prints as it goes; the cluster's
writes to a log that is printed, and then followed, once the local suite is done.

With pytest arguments (`make test PYTEST_ARGS=...`) one pytest runs them, as before.
"""

import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from devstack import config
from devstack.progress import say

CLUSTER_TESTS = "tests/cluster"
# pytest-playwright empties its output folder when a session starts: one folder each.
CLUSTER_OUTPUT = "test-results-cluster"


def log_path() -> Path:
    return config.cache_dir() / "logs" / "test-cluster.log"


PYTEST = (sys.executable, "-m", "pytest")


def run(pytest_args: list[str], pytest: Sequence[str] = PYTEST) -> int:
    """Exit status: the local suite's if it failed, else the cluster's."""
    if pytest_args:
        return subprocess.call([*pytest, *pytest_args])
    log = log_path()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        # No cache plugin: two sessions writing .pytest_cache at once would race.
        cluster_argv = [
            *pytest,
            CLUSTER_TESTS,
            "--output",
            CLUSTER_OUTPUT,
            "-p",
            "no:cacheprovider",
        ]
        cluster = subprocess.Popen(cluster_argv, stdout=out, stderr=subprocess.STDOUT)
    say(f"the cluster's tests run beside the others; their output follows them (log: {log})")
    started = time.monotonic()
    try:
        local_rc = subprocess.call([*pytest, f"--ignore={CLUSTER_TESTS}"])
        local_s = time.monotonic() - started
        say(f"the local stack's tests ended after {local_s:.0f} s; the cluster's tests:")
        cluster_rc = _follow(log, cluster)
    except KeyboardInterrupt:
        # Both got the Ctrl-C; let the cluster's session stop what it started.
        cluster.wait(timeout=300)
        raise
    total_s = time.monotonic() - started
    say(
        f"local stack's tests: exit {local_rc} after {local_s:.0f} s; cluster's tests: "
        f"exit {cluster_rc}; both done after {total_s:.0f} s"
    )
    return local_rc or cluster_rc


def _follow(log: Path, proc: subprocess.Popen[bytes]) -> int:
    """Print the log from its start, then as it grows, until the process has ended."""
    with log.open("rb") as source:
        while True:
            ended = proc.poll() is not None
            chunk = source.read()
            if chunk:
                sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
            elif ended:
                return proc.returncode
            else:
                time.sleep(1)
