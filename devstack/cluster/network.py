"""The node's network namespace and its one link to the host.

host: todo-node-h 10.98.0.1/24 ── veth ── eth0 10.98.0.2/24 in netns todo-node (the node)
The host routes the pod and Service ranges to the node, so a client on the host (a browser,
curl, a Kafka client) reaches pod IPs, ClusterIPs and the LoadBalancer IPs MetalLB announces.
"""

import subprocess
from pathlib import Path

from devstack.cluster.layout import (
    HOST_IP,
    HOST_VETH,
    NETNS,
    NODE_IP,
    NODE_PREFIX,
    NODE_VETH,
    POD_CIDR,
    SERVICE_CIDR,
)
from devstack.errors import StackError

NETNS_PATH = Path("/run/netns") / NETNS


def _ip(*args: str, netns: bool = False) -> None:
    argv = ["ip", *(["-n", NETNS] if netns else []), *args]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise StackError(f"`{' '.join(argv)}` failed: {proc.stderr.strip()}")


def _sysctl(name: str, value: str) -> None:
    # Inside the namespace: forwarding and bridge netfilter are per network namespace.
    path = Path("/proc/sys") / name.replace(".", "/")
    argv = ["ip", "netns", "exec", NETNS, "sh", "-c", f"echo {value} > {path}"]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise StackError(f"setting {name}={value} in the node failed: {proc.stderr.strip()}")


def exists() -> bool:
    return NETNS_PATH.exists()


def create() -> None:
    """Make the node's namespace and link; a leftover from a killed run is removed first."""
    delete()
    _ip("netns", "add", NETNS)
    _ip("link", "add", HOST_VETH, "type", "veth", "peer", "name", NODE_VETH, "netns", NETNS)
    _ip("addr", "add", f"{HOST_IP}/{NODE_PREFIX}", "dev", HOST_VETH)
    _ip("link", "set", HOST_VETH, "up")
    _ip("link", "set", "lo", "up", netns=True)
    _ip("addr", "add", f"{NODE_IP}/{NODE_PREFIX}", "dev", NODE_VETH, netns=True)
    _ip("link", "set", NODE_VETH, "up", netns=True)
    _ip("route", "add", "default", "via", HOST_IP, netns=True)
    for cidr in (POD_CIDR, SERVICE_CIDR):
        _ip("route", "add", cidr, "via", NODE_IP, "dev", HOST_VETH)
    _sysctl("net.ipv4.ip_forward", "1")
    _sysctl("net.bridge.bridge-nf-call-iptables", "1")


def delete() -> None:
    """Deleting the namespace takes its veth end, its iptables rules and its bridge along;
    the host's end of the veth and its routes go with the pair."""
    subprocess.run(["ip", "link", "del", HOST_VETH], capture_output=True, check=False)
    if exists():
        subprocess.run(["ip", "netns", "del", NETNS], capture_output=True, check=False)


def in_node(argv: list[str]) -> list[str]:
    """Run a command in the node's network namespace only: sharing the host's mount
    namespace is what lets containerd see the volumes kubelet mounts."""
    return ["nsenter", f"--net={NETNS_PATH}", "--", *argv]
