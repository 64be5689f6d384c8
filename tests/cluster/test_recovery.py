"""A cluster killed without `make cluster-down` (as CI's machine may have been left):
`make cluster-down` clears what it left on the host, and `make cluster` comes back up."""

import contextlib
import os
import signal
import subprocess
import time

import httpx

from devstack.cluster import cgroups, cleanup, lifecycle, network
from devstack.cluster.kubectl import Kube
from devstack.cluster.layout import HOST_VETH, load


def _leftovers() -> dict[str, object]:
    layout = load()
    link = subprocess.run(["ip", "link", "show", HOST_VETH], capture_output=True, check=False)
    return {
        "processes": len(cgroups.pids()),
        "mounts": len(cleanup.mounts_under(layout.root)),
        "network namespace": network.exists(),
        "host veth": link.returncode == 0,
    }


def test_a_killed_cluster_is_cleaned_up_and_comes_back(kube: Kube, app_url: str) -> None:
    for pid in cgroups.pids():  # every daemon, shim and container: a power cut
        with contextlib.suppress(ProcessLookupError):  # one that ended as the others died
            os.kill(pid, signal.SIGKILL)
    time.sleep(1)
    left = _leftovers()
    assert left["mounts"] and left["network namespace"], left  # what a crash leaves behind

    lifecycle.down()
    assert _leftovers() == {
        "processes": 0, "mounts": 0, "network namespace": False, "host veth": False,
    }  # fmt: skip

    lifecycle.up()
    assert httpx.get(f"{app_url}/healthz", timeout=10).status_code == 200
