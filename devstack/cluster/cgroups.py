"""The cluster's cgroups: every daemon joins `/todo-cluster/system` before it starts, and the
kubelet puts every pod below `/todo-cluster/kubepods`, in each cgroup v1 hierarchy.

containerd's shims daemonise out of any process group, so pid files alone cannot find them
after a crash; the cgroup tree can: a killed cluster is ended by killing what is in it.
"""

import os
import signal
import time
from pathlib import Path

from devstack.cluster.layout import CGROUP_FS, CGROUP_ROOT


def unified(cgroup_fs: Path = CGROUP_FS) -> bool:
    """A cgroup v2 host (GitHub's runners) has one hierarchy at the top; this VM has v1."""
    return (cgroup_fs / "cgroup.controllers").exists()


def hierarchies(cgroup_fs: Path = CGROUP_FS) -> list[Path]:
    if unified(cgroup_fs):
        return [cgroup_fs]
    return sorted(d for d in cgroup_fs.iterdir() if (d / "cgroup.procs").exists())


def _make(hierarchy: Path, relative: str) -> Path:
    """Create each level; a cpuset level is unusable until it inherits cpus and mems."""
    path = hierarchy
    for part in relative.strip("/").split("/"):
        parent, path = path, path / part
        if not path.is_dir():
            path.mkdir()
        for name in ("cpuset.cpus", "cpuset.mems"):
            if (path / name).exists() and not (path / name).read_text().strip():
                (path / name).write_text((parent / name).read_text())
    return path


def join(group: str) -> None:
    """Move the calling process into `/todo-cluster/<group>` of every hierarchy (called
    between fork and exec, so the daemon and all it spawns start there)."""
    for hierarchy in hierarchies():
        cgroup = _make(hierarchy, f"{CGROUP_ROOT}/{group}")
        (cgroup / "cgroup.procs").write_text(str(os.getpid()))


def _tree(hierarchy: Path) -> list[Path]:
    top = hierarchy / CGROUP_ROOT
    if not top.is_dir():
        return []
    return [top, *sorted(p for p in top.rglob("*") if p.is_dir())]


def pids() -> set[int]:
    found: set[int] = set()
    for hierarchy in hierarchies():
        for cgroup in _tree(hierarchy):
            try:
                found.update(int(line) for line in (cgroup / "cgroup.procs").read_text().split())
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


def kill_all(timeout: float = 20.0) -> int:
    """SIGKILL everything in the cluster's cgroups until they are empty; returns how many."""
    killed: set[int] = set()
    deadline = time.monotonic() + timeout
    while (alive := pids()) and time.monotonic() < deadline:
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        killed |= alive
        time.sleep(0.2)
    return len(killed)


def remove() -> None:
    """rmdir from the leaves up; an empty cgroup is the only kind rmdir takes."""
    for hierarchy in hierarchies():
        for cgroup in reversed(_tree(hierarchy)):
            try:
                cgroup.rmdir()
            except OSError:
                pass
