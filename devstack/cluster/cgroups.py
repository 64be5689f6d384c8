"""The cluster's cgroups: every daemon joins `/todo-cluster/system` before it starts, and the
kubelet puts every pod below `/todo-cluster/kubepods`, in each cgroup v1 hierarchy or in the
one cgroup v2 hierarchy.

containerd's shims daemonise out of any process group, so pid files alone cannot find them
after a crash; the cgroup tree can: a killed cluster is ended by killing what is in it.

cgroup v2 (GitHub's runners; this project's VMs are v1) adds two kernel rules, which
`delegate` satisfies before any daemon starts, the way kind's node image and k3s (through
rootlesskit's cgroup2 evacuation) prepare their nested hierarchies:

- top-down: a cgroup can use a controller only if its parent enables it in
  `cgroup.subtree_control`, so each level from the top to `/todo-cluster` enables what the
  kubelet needs, parent first;
- no internal processes: a non-root cgroup that enables controllers for its children may
  hold no process itself. The daemons therefore live in the leaf `/todo-cluster/system`,
  never in `/todo-cluster`; a top that is not the real root (a cgroup namespace inside a
  container) is first emptied into `<top>/init`. The real root is exempt, and its processes
  (the host's, kernel threads among them) are never moved.
"""

import errno
import os
import signal
import time
from collections.abc import Iterable
from pathlib import Path

from devstack.cluster.layout import CGROUP_FS, CGROUP_ROOT
from devstack.errors import StackError

SYSTEM = "system"  # the daemons' leaf
EVACUATED = "init"  # where a namespaced top's own processes go (kind's and k3s's name)
# kubelet 1.37 with cgroupsPerQOS refuses to start unless its cgroupRoot's cgroup.controllers
# holds each of these the top offers (getSupportedUnifiedControllers,
# pkg/kubelet/cm/cgroup_v2_manager_linux.go). Systemd hosts leave hugetlb (and often cpuset)
# out of the root's subtree_control, so nothing would work without enabling them.
KUBELET_CONTROLLERS = ("cpuset", "cpu", "memory", "hugetlb", "pids")
# runc's blkio settings use io; a pod runs without it, so failing to enable it is not fatal.
OPTIONAL_CONTROLLERS = ("io",)


def unified(cgroup_fs: Path = CGROUP_FS) -> bool:
    """A cgroup v2 host (GitHub's runners) has one hierarchy at the top; this VM has v1."""
    return (cgroup_fs / "cgroup.controllers").exists()


def hierarchies(cgroup_fs: Path = CGROUP_FS) -> list[Path]:
    if unified(cgroup_fs):
        return [cgroup_fs]
    return sorted(d for d in cgroup_fs.iterdir() if (d / "cgroup.procs").exists())


# Every change to the cgroup filesystem goes through these three: the unit tests put the
# kernel's rules in front of them on a made-up tree.
def _write(path: Path, text: str) -> None:
    path.write_text(text)


def _mkdir(path: Path) -> None:
    path.mkdir()


def _rmdir(path: Path) -> None:
    path.rmdir()


def _words(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except FileNotFoundError:
        return []


def _procs(cgroup: Path, strict: bool = False) -> list[int]:
    """The processes of `cgroup` itself. "0" stands for one of another pid namespace:
    nothing we could move or signal. `strict`: a missing or unreadable file raises."""
    path = cgroup / "cgroup.procs"
    words = path.read_text().split() if strict else _words(path)
    return [pid for pid in map(int, words) if pid != 0]


def _make(hierarchy: Path, relative: str) -> Path:
    """Create each level; a v1 cpuset level is unusable until it inherits cpus and mems (on
    v2 an empty cpuset.cpus already means "the parent's", and the root has none to copy)."""
    copy_cpuset = not unified(hierarchy)
    path = hierarchy
    for part in relative.strip("/").split("/"):
        parent, path = path, path / part
        if not path.is_dir():
            _mkdir(path)
        for name in ("cpuset.cpus", "cpuset.mems") if copy_cpuset else ():
            if (path / name).exists() and not (path / name).read_text().strip():
                _write(path / name, (parent / name).read_text())
    return path


def _evacuate(cgroup: Path, leaf: Path) -> None:
    """Move the processes of `cgroup` itself into its child `leaf`, so that it may enable
    controllers for its children."""
    pids = _procs(cgroup)
    if not pids:
        return
    if not leaf.is_dir():
        _mkdir(leaf)
    for pid in pids:
        try:
            _write(leaf / "cgroup.procs", str(pid))
        except OSError:
            continue  # exited meanwhile, or unmovable: _enable names what is left behind


def _enable(cgroup: Path, wanted: Iterable[str]) -> dict[str, OSError]:
    """Enable, one by one, each wanted controller this cgroup is offered; returns the
    failures (one write per controller, so an error names its controller)."""
    offered = _words(cgroup / "cgroup.controllers")
    enabled = _words(cgroup / "cgroup.subtree_control")
    failed = {}
    for controller in wanted:
        if controller in offered and controller not in enabled:
            try:
                _write(cgroup / "cgroup.subtree_control", f"+{controller}")
            except OSError as error:
                failed[controller] = error
            else:
                enabled.append(controller)
    return failed


def _is_real_root(top: Path) -> bool:
    # cgroup.type exists in every cgroup but the real root, including a namespace's top.
    return not (top / "cgroup.type").exists()


def delegate(cgroup_fs: Path = CGROUP_FS) -> list[str]:
    """cgroup v2: make `/todo-cluster` a cgroup the kubelet accepts as its cgroupRoot and
    whose children can use every controller it needs. Idempotent; nothing to do on v1.
    Returns the controllers `/todo-cluster` hands to its children."""
    if not unified(cgroup_fs):
        return []
    top, cluster = cgroup_fs, cgroup_fs / CGROUP_ROOT
    offered = set(_words(top / "cgroup.controllers"))
    wanted = [c for c in KUBELET_CONTROLLERS + OPTIONAL_CONTROLLERS if c in offered]
    for level, leaf in ((top, top / EVACUATED), (cluster, cluster / SYSTEM)):
        if not level.is_dir():
            _mkdir(level)
        # A process forked in `level` between the move and the write makes the kernel
        # answer EBUSY: move again and retry.
        for _ in range(3):
            if level != top or not _is_real_root(top):
                _evacuate(level, leaf)
            failed = _enable(level, wanted)
            if not any(e.errno == errno.EBUSY for e in failed.values()):
                break
        fatal = {c: e for c, e in failed.items() if c not in OPTIONAL_CONTROLLERS}
        if fatal:
            raise StackError(_enable_error(level, fatal))
    if not (cluster / SYSTEM).is_dir():
        _mkdir(cluster / SYSTEM)  # the daemons' leaf, ready before the first one joins
    needed = {c for c in KUBELET_CONTROLLERS if c in offered}
    missing = sorted(needed - set(_words(cluster / "cgroup.controllers")))
    if missing:
        raise StackError(
            f"cgroup v2: {cluster} is not offered {', '.join(missing)}; the kubelet refuses a "
            "cgroupRoot without every controller the root offers"
        )
    return _words(cluster / "cgroup.subtree_control")


def _enable_error(cgroup: Path, failed: dict[str, OSError]) -> str:
    what = "; ".join(f"'{c}': {e.strerror or e}" for c, e in failed.items())
    left = _procs(cgroup)
    return (
        f"cgroup v2: cannot enable controllers in {cgroup / 'cgroup.subtree_control'} ({what})"
        + (f"; processes still in that cgroup itself: {left[:10]}" if left else "")
        + ". The kubelet needs them below its cgroupRoot; run as root on a writable cgroup2."
    )


def join(group: str, cgroup_fs: Path = CGROUP_FS) -> None:
    """Move the calling process into `/todo-cluster/<group>` of every hierarchy (called
    between fork and exec, so the daemon and all it spawns start there)."""
    for hierarchy in hierarchies(cgroup_fs):
        cgroup = _make(hierarchy, f"{CGROUP_ROOT}/{group}")
        _write(cgroup / "cgroup.procs", str(os.getpid()))


def _tree(hierarchy: Path) -> list[Path]:
    top = hierarchy / CGROUP_ROOT
    if not top.is_dir():
        return []
    return [top, *sorted(p for p in top.rglob("*") if p.is_dir())]


def pids(cgroup_fs: Path = CGROUP_FS) -> set[int]:
    found: set[int] = set()
    for hierarchy in hierarchies(cgroup_fs):
        for cgroup in _tree(hierarchy):
            try:
                # Never 0 (a process of another pid namespace): kill(0) is our own group.
                found.update(_procs(cgroup, strict=True))
            except OSError:
                # Gone meanwhile; or a v2 threaded cgroup, whose processes its thread root lists.
                continue
    return found


def kill_all(timeout: float = 20.0, cgroup_fs: Path = CGROUP_FS) -> int:
    """SIGKILL everything in the cluster's cgroups until they are empty; returns how many."""
    killed: set[int] = set()
    deadline = time.monotonic() + timeout
    kill_file = cgroup_fs / CGROUP_ROOT / "cgroup.kill"
    if unified(cgroup_fs) and kill_file.exists():
        # v2 (Linux 5.14+): the kernel kills the whole subtree at once, so a process forked
        # between reading cgroup.procs and signalling cannot slip away.
        killed |= pids(cgroup_fs)
        try:
            _write(kill_file, "1")
        except OSError:
            pass  # the loop below signals one by one
    while (alive := pids(cgroup_fs)) and time.monotonic() < deadline:
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        killed |= alive
        time.sleep(0.2)
    return len(killed)


def remove(cgroup_fs: Path = CGROUP_FS) -> None:
    """rmdir from the leaves up; an empty cgroup is the only kind rmdir takes. On v2 the
    top's subtree_control and a namespaced top's `init` are left as they are: other
    processes live there."""
    for hierarchy in hierarchies(cgroup_fs):
        for cgroup in reversed(_tree(hierarchy)):
            try:
                _rmdir(cgroup)
            except OSError:
                pass
