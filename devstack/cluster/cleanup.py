"""Tear down what a cluster left on the host, whether it stopped cleanly or was killed:
its processes (by cgroup), its mounts (under its data folder), its network namespace."""

import subprocess
from pathlib import Path

from devstack.cluster import cgroups, network
from devstack.cluster.layout import Layout
from devstack.progress import say


def mounts_under(root: Path, mountinfo: str | None = None) -> list[Path]:
    """Mount points at or below `root`, deepest first (the order to unmount them in)."""
    text = mountinfo if mountinfo is not None else Path("/proc/self/mountinfo").read_text()
    found = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 5:
            continue
        # mountinfo escapes spaces and the like as octal (\040).
        point = Path(fields[4].encode().decode("unicode_escape"))
        if point == root or root in point.parents:
            found.append(point)
    return sorted(set(found), key=lambda p: len(p.parts), reverse=True)


def unmount_all(root: Path) -> int:
    points = mounts_under(root)
    for point in points:
        # Lazy: a mount still busy in a dying process is detached now, freed when it exits.
        subprocess.run(["umount", "-l", str(point)], capture_output=True, check=False)
    return len(points)


def sweep(layout: Layout) -> None:
    killed = cgroups.kill_all()
    unmounted = unmount_all(layout.root)
    had_netns = network.exists()
    network.delete()
    cgroups.remove()
    for pid_file in layout.run_dir.glob("*.pid"):
        pid_file.unlink()
    if killed or unmounted or had_netns:
        say(
            f"cleaned up: {killed} processes, {unmounted} mounts"
            + (", the node's network namespace" if had_netns else "")
        )
