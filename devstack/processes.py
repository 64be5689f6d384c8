"""Start, find and stop the stack's processes by the pid files it records.

Each part runs in its own process group, so stopping a part also stops whatever it
spawned (Reflex's workers, the JVM), and nothing outside the stack is ever signalled.
"""

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from devstack.errors import StackError


def pid_file(run_dir: Path, part: str) -> Path:
    return run_dir / f"{part}.pid"


def read_pid(run_dir: Path, part: str) -> int | None:
    try:
        pid = int(pid_file(run_dir, part).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if is_alive(pid) else None


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); treat it as gone.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def spawn(
    part: str,
    argv: Sequence[str],
    *,
    run_dir: Path,
    log_file: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: str | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> int:
    run_dir.mkdir(parents=True, exist_ok=True)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {part}\n".encode())
        log.flush()
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            user=user,
            preexec_fn=preexec_fn,
        )
    pid_file(run_dir, part).write_text(str(proc.pid))
    return proc.pid


def stop(run_dir: Path, part: str, timeout: float = 15.0) -> bool:
    """SIGTERM the part's process group, SIGKILL it after `timeout`. True if it was running."""
    pid = read_pid(run_dir, part)
    pid_file(run_dir, part).unlink(missing_ok=True)
    if pid is None:
        return False
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _group_alive(pid):
            return True
        time.sleep(0.1)
    _signal_group(pid, signal.SIGKILL)
    while _group_alive(pid) and time.monotonic() < deadline + 5:
        time.sleep(0.1)
    return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def _group_alive(pgid: int) -> bool:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, IndexError, ProcessLookupError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log yet)"


def wait_healthy(
    part: str, run_dir: Path, log_file: Path, healthy: Callable[[], bool], timeout: float
) -> float:
    """Seconds until `healthy()`; StackError with the log's tail if the part exits first
    or is not healthy in time."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if healthy():
            return time.monotonic() - started
        if read_pid(run_dir, part) is None:
            break
        time.sleep(0.3)
    raise StackError(f"{part} did not start (log: {log_file}):\n{tail(log_file, 25)}")
