"""Where the local Kubernetes cluster keeps its files, and its fixed network plan.

The node is a network namespace of its own (`todo-node`), joined to the host by one veth
pair, the way a kind node is a container: every iptables rule kube-proxy and the CNI plugins
write, every port the control plane listens on, stays inside it. The host sees only the
veth's end and two routes, so the cluster never meets the process stack or the test stack,
and `make cluster-down` removes it by deleting that namespace.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from devstack.config import cache_dir

NETNS = "todo-node"
NODE_NAME = "todo-node"
HOST_VETH = "todo-node-h"  # the host's end; the node's end is eth0 inside the namespace
NODE_VETH = "eth0"
HOST_IP = "10.98.0.1"
NODE_IP = "10.98.0.2"
NODE_PREFIX = 24
# MetalLB hands these out in L2 mode on the node's network (the veth link).
LB_POOL = "10.98.0.100-10.98.0.120"
POD_CIDR = "10.244.0.0/16"
NODE_POD_CIDR = "10.244.0.0/24"
SERVICE_CIDR = "10.97.0.0/16"
API_SERVICE_IP = "10.97.0.1"
DNS_SERVICE_IP = "10.97.0.10"
CNI_BRIDGE = "todo-cni0"
API_PORT = 6443
# kubelet's cgroupRoot: every container and every process of the cluster lives below it,
# so a cluster that was killed can be found and ended by its cgroups alone.
CGROUP_ROOT = "todo-cluster"
CGROUP_FS = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    @property
    def pki_dir(self) -> Path:
        return self.root / "pki"

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    @property
    def etcd_dir(self) -> Path:
        return self.root / "etcd"

    @property
    def containerd_dir(self) -> Path:
        return self.root / "containerd"

    @property
    def containerd_socket(self) -> Path:
        return self.containerd_dir / "containerd.sock"

    @property
    def kubelet_dir(self) -> Path:
        return self.root / "kubelet"

    @property
    def cni_dir(self) -> Path:
        return self.root / "cni"

    @property
    def admin_kubeconfig(self) -> Path:
        return self.root / "kubeconfig"

    def kubeconfig(self, user: str) -> Path:
        return self.config_dir / f"{user}.kubeconfig"

    @property
    def api_url(self) -> str:
        return f"https://{NODE_IP}:{API_PORT}"


def load() -> Layout:
    """TODO_CLUSTER_DIR moves the cluster's data; the default is outside any clone."""
    default = Path("/var/lib/todo-cluster")
    return Layout(root=Path(os.environ.get("TODO_CLUSTER_DIR", default)).resolve())


def cluster_cache() -> Path:
    return cache_dir() / "cluster"
