"""What the node needs of the host kernel and of Debian, checked before anything starts.

A missing kernel feature is named here, in one message, rather than surfacing later as a
pod stuck in ContainerCreating with a runc error three logs deep.
"""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from devstack.cluster.cgroups import unified
from devstack.cluster.layout import CGROUP_FS
from devstack.errors import StackError
from devstack.provision import apt_install

# Debian packages the node runs: the OCI runtime, the CNI plugins, and the netfilter tools
# kube-proxy, kube-router and the CNI plugins call (Debian bookworm's, as the rest).
PACKAGES = {
    "/usr/sbin/runc": "runc",
    "/usr/lib/cni/bridge": "containernetworking-plugins",
    "/usr/sbin/conntrack": "conntrack",
    "/usr/sbin/iptables": "iptables",
    "/usr/bin/openssl": "openssl",
    "/usr/bin/nsenter": "util-linux",
    # kube-router's policy controller keeps each policy's pods and peers in ipsets.
    "/usr/sbin/ipset": "ipset",
}
CNI_PLUGINS = ("bridge", "host-local", "portmap", "loopback")
CGROUP_CONTROLLERS = ("cpu", "cpuacct", "memory", "pids", "devices", "freezer", "cpuset")
# On v2 devices and freezer are not controllers (eBPF, cgroup.freeze) and cpuacct is part of
# cpu; pods' limits need these three. cpuset and hugetlb the kubelet uses when offered, and
# cgroups.delegate enables them then.
CGROUP2_CONTROLLERS = ("cpu", "memory", "pids")


@dataclass(frozen=True)
class Host:
    """The paths the checks read; tests point them at a made-up /proc and /sys."""

    proc: Path = Path("/proc")
    cgroup_fs: Path = CGROUP_FS
    modules: Path = Path("/lib/modules")


# The iptables matches kube-router's policy controller writes: `-m set` (ipsets of a policy's
# pods and peers; xt_set needs ip_set) and `-m physdev --physdev-is-bridged` (traffic between
# two pods on the bridge, which br_netfilter hands to iptables).
NETPOL_MATCHES = {"set": "xt_set", "physdev": "xt_physdev"}


def _match_available(host: Host, match: str, module: str) -> bool:
    """Registered (built in, or loaded), or a module the kernel can load on first use."""
    registered = host.proc / "net/ip_tables_matches"
    if registered.exists() and match in registered.read_text().split():
        return True
    release = host.proc / "sys/kernel/osrelease"
    if not release.exists():
        return False
    listed = host.modules / release.read_text().strip() / "modules.dep"
    return listed.exists() and f"/{module}.ko" in listed.read_text()


def missing_kernel_features(host: Host = Host()) -> list[str]:
    missing = []
    filesystems = (host.proc / "filesystems").read_text()
    if "\toverlay" not in filesystems:
        missing.append("overlayfs (the containerd snapshotter; modprobe overlay)")
    if not (host.proc / "sys/net/bridge/bridge-nf-call-iptables").exists():
        missing.append("bridge netfilter (modprobe br_netfilter): Service traffic between pods")
    if not (host.proc / "self/ns/net").exists():
        missing.append("network namespaces")
    for match, module in NETPOL_MATCHES.items():
        if not _match_available(host, match, module):
            missing.append(f"the iptables '{match}' match ({module}): NetworkPolicies")
    if unified(host.cgroup_fs):
        offered = (host.cgroup_fs / "cgroup.controllers").read_text().split()
        for controller in CGROUP2_CONTROLLERS:
            if controller not in offered:
                missing.append(
                    f"the cgroup v2 '{controller}' controller "
                    f"(not in {host.cgroup_fs / 'cgroup.controllers'})"
                )
        return missing
    for controller in CGROUP_CONTROLLERS:
        if not (host.cgroup_fs / controller / "cgroup.procs").exists():
            missing.append(f"the cgroup v1 '{controller}' hierarchy at {host.cgroup_fs}")
    return missing


def _probe(argv: list[str]) -> bool:
    return subprocess.run(argv, capture_output=True, check=False).returncode == 0


def missing_network_features() -> list[str]:
    """Links and NAT, tried for real on throwaway names and removed at once."""
    missing = []
    if _probe(["ip", "link", "add", "todo-probe0", "type", "bridge"]):
        _probe(["ip", "link", "del", "todo-probe0"])
    else:
        missing.append("Linux bridges (CONFIG_BRIDGE)")
    if _probe(["ip", "link", "add", "todo-probe1", "type", "veth", "peer", "name", "todo-probe2"]):
        _probe(["ip", "link", "del", "todo-probe1"])
    else:
        missing.append("veth pairs (CONFIG_VETH)")
    if not _probe(["iptables", "-w", "-t", "nat", "-S", "POSTROUTING"]):
        missing.append("iptables NAT (the nat table): Services and pod masquerading")
    return missing


def ensure_packages() -> None:
    missing = sorted({pkg for path, pkg in PACKAGES.items() if not Path(path).exists()})
    if missing:
        apt_install(*missing)


def check() -> None:
    """Raise naming every missing piece; start nothing."""
    if shutil.which("ip") is None:
        raise StackError("`ip` (iproute2) is not installed: the node's network needs it")
    missing = missing_kernel_features() + missing_network_features()
    if missing:
        raise StackError(
            "this machine cannot run the local cluster; missing: " + "; ".join(missing)
        )
    ensure_packages()
    absent = [p for p in CNI_PLUGINS if not Path("/usr/lib/cni", p).exists()]
    if absent:
        raise StackError(f"CNI plugins missing from /usr/lib/cni: {', '.join(absent)}")
