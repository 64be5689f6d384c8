"""The configuration files of the node's daemons, written from the layout each start.

Each is the component's own file format (containerd TOML, KubeletConfiguration,
KubeProxyConfiguration, a CNI conflist); the comments say why a value differs from the
default.
"""

import json
from pathlib import Path

import yaml

from devstack.cluster.layout import (
    CGROUP_ROOT,
    CNI_BRIDGE,
    DNS_SERVICE_IP,
    NODE_NAME,
    NODE_POD_CIDR,
    POD_CIDR,
    Layout,
)

CNI_BIN_DIR = "/usr/lib/cni"  # Debian's containernetworking-plugins
RUNC = "/usr/sbin/runc"  # Debian's runc
# The sandbox image containerd 2.3.7 pins; images.py builds it from Kubernetes' pause.c.
SANDBOX_IMAGE = "registry.k8s.io/pause:3.10.2"


def containerd_toml(layout: Layout) -> str:
    d = layout.containerd_dir
    # Version 3 with its [grpc] section: containerd 2.3 migrates it to its version 4 (where
    # the listeners became plugins) with a warning, and keeps our socket path.
    return f"""\
version = 3
root = "{d / "root"}"
state = "{d / "state"}"

[grpc]
  address = "{layout.containerd_socket}"

[ttrpc]
  address = "{d / "containerd.sock.ttrpc"}"

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.registry]
    # One folder per registry host with its hosts.toml (the rehearsal's registry and CA).
    config_path = "{layout.containerd_dir / "certs.d"}"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "{SANDBOX_IMAGE}"

[plugins.'io.containerd.cri.v1.runtime']
  # This VM refuses any negative oom_score_adj, even to root; the kubelet asks -998 for
  # sandboxes, and without this every sandbox fails in runc create.
  restrict_oom_score_adj = true
  # Pod network namespaces live under our state dir, not /run/netns: a killed cluster's
  # are found and removed with the rest of its data.
  netns_mounts_under_state_dir = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "{RUNC}"
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["{CNI_BIN_DIR}"]
    conf_dir = "{layout.cni_dir / "net.d"}"
"""


def cni_conflist(layout: Layout) -> dict[str, object]:
    return {
        "cniVersion": "1.0.0",
        "name": "todo",
        "plugins": [
            {
                "type": "bridge",
                "bridge": CNI_BRIDGE,
                "isGateway": True,
                "ipMasq": True,
                # A pod reaching itself through its own Service needs hairpin.
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": NODE_POD_CIDR}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": str(layout.cni_dir / "ipam"),
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }


def kubelet_config(layout: Layout) -> dict[str, object]:
    pki = layout.pki_dir
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        # This machine mounts cgroup v1 hierarchies; kubelet 1.35+ refuses them otherwise.
        # On a cgroup v2 host (GitHub's runners) the setting has no effect.
        "failCgroupV1": False,
        # cgroupfs on v1 and v2 alike: we own /todo-cluster, systemd does not manage it.
        "cgroupDriver": "cgroupfs",
        # cgroupsPerQOS and enforceNodeAllocatable keep their defaults (true, ["pods"]): the
        # kubelet puts kubepods and its QoS levels under this root. On v2 it first checks
        # that the root is offered every controller it uses (cgroups.delegate sees to it).
        "cgroupRoot": f"/{CGROUP_ROOT}",
        "containerRuntimeEndpoint": f"unix://{layout.containerd_socket}",
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(pki / "ca.crt")},
        },
        "authorization": {"mode": "Webhook"},
        "clusterDomain": "cluster.local",
        "clusterDNS": [DNS_SERVICE_IP],
        # The host's resolvers are not reachable from the node; CoreDNS answers in-cluster.
        "resolvConf": "",
        "podLogsDir": str(layout.root / "pod-logs"),
        "failSwapOn": False,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": 10248,
        # Images are imported, never pulled: the kubelet must not garbage-collect them.
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "evictionHard": {
            "memory.available": "200Mi",
            "nodefs.available": "2%",
            "imagefs.available": "2%",
        },  # fmt: skip
        "serializeImagePulls": False,
        # Node status every 10 s (default): pods are rescheduled after the controller's
        # grace period only on multi-node clusters, so nothing is gained by more.
        "rotateCertificates": False,
        "serverTLSBootstrap": False,
    }


def kube_proxy_config(layout: Layout) -> dict[str, object]:
    return {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "mode": "iptables",
        "clientConnection": {"kubeconfig": str(layout.kubeconfig("kube-proxy"))},
        "hostnameOverride": NODE_NAME,
        "clusterCIDR": POD_CIDR,
        "healthzBindAddress": "127.0.0.1:10256",
        "metricsBindAddress": "127.0.0.1:10249",
        # nf_conntrack_max is read-only outside the host's namespace: leave the table alone.
        "conntrack": {
            "maxPerCore": 0,
            "min": 0,
            "tcpEstablishedTimeout": "0s",
            "tcpCloseWaitTimeout": "0s",
        },
    }


def write_all(layout: Layout) -> None:
    cfg = layout.config_dir
    cfg.mkdir(parents=True, exist_ok=True)
    _write(cfg / "containerd.toml", containerd_toml(layout))
    net_d = layout.cni_dir / "net.d"
    net_d.mkdir(parents=True, exist_ok=True)
    _write(net_d / "10-todo.conflist", json.dumps(cni_conflist(layout), indent=2))
    _write(cfg / "kubelet.yaml", yaml.safe_dump(kubelet_config(layout), sort_keys=False))
    _write(cfg / "kube-proxy.yaml", yaml.safe_dump(kube_proxy_config(layout), sort_keys=False))


def _write(path: Path, text: str) -> None:
    """Only a change is written: a running containerd reloads its CNI folder on every write."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
