"""The cluster's builds in the background of a test session.

On a fresh machine the cluster's parts (Kubernetes, Dapr's control plane, Traefik,
cert-manager, the images) take most of an hour to build, and the local stack's tests, which
run first, spend most of theirs waiting on sockets. So a test session that will reach the
cluster starts `devstack provision --cluster` at the lowest CPU priority when it begins,
and the cluster's fixture waits only for what is left. With the parts built it ends in
seconds. Each part's build holds its own lock, so a test that needs one part earlier
(the cluster's daprd) builds it or waits for it, never twice.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from devstack.config import REPO_ROOT, cache_dir
from devstack.errors import StackError
from devstack.processes import tail
from devstack.progress import say


def log_path() -> Path:
    return cache_dir() / "logs" / "cluster-build.log"


def start() -> subprocess.Popen[bytes]:
    log = log_path()
    log.parent.mkdir(parents=True, exist_ok=True)
    argv = ["nice", "-n", "19", sys.executable, "-m", "devstack", "provision", "--cluster"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
            start_new_session=True,  # stop() ends its go and buildah children too
        )
    return proc


def wait(proc: subprocess.Popen[bytes], every: float = 30.0) -> None:
    """Until the background build ends; StackError with its log's tail if it failed."""
    started = time.monotonic()
    last_report = started
    if proc.poll() is None:
        say("waiting for the cluster's background build ...")
    while proc.poll() is None:
        now = time.monotonic()
        if now - last_report >= every:
            say(f"  cluster build: {now - started:.0f}s, last: {tail(log_path(), 1)[:110]}")
            last_report = now
        time.sleep(1)
    if proc.returncode != 0:
        raise StackError(
            f"the cluster's background build failed (exit {proc.returncode}; log: "
            f"{log_path()}):\n{tail(log_path(), 40)}"
        )
    say(f"the cluster's parts are built (waited {time.monotonic() - started:.0f}s for them)")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """A session that ends early leaves no build running (its `.partial` folder is redone)."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
