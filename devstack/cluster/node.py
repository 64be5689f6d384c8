"""The node's daemons: what each runs with, in what order, and how each is known healthy.

Every daemon runs in the node's network namespace and the cluster's cgroup (see
layout.py); a failing one is named with the tail of its log.
"""

import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devstack import processes
from devstack.cluster import cgroups, network
from devstack.cluster.layout import (
    API_PORT,
    NODE_IP,
    NODE_NAME,
    POD_CIDR,
    SERVICE_CIDR,
    Layout,
)
from devstack.errors import StackError
from devstack.progress import say

KUBE_ROUTER = "kube-router"
KUBE_ROUTER_HEALTH_PORT = 20244  # kube-router's default


@dataclass(frozen=True)
class Binaries:
    kubernetes: Path  # kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, ...
    etcd: Path
    containerd: Path  # containerd, containerd-shim-runc-v2, ctr
    kube_router: Path  # kube-router

    def kube(self, name: str) -> str:
        return str(self.kubernetes / name)


@dataclass(frozen=True)
class Daemon:
    name: str
    argv: list[str]
    healthy: Callable[[], bool]
    timeout: float = 90.0


def probe(url: str, layout: Layout, client: str | None = None) -> bool:
    """An HTTP(S) GET from inside the node, where the daemons listen on loopback."""
    argv = ["curl", "-sfk", "--max-time", "3", "-o", "/dev/null"]
    if client:
        pki = layout.pki_dir
        argv += ["--cert", str(pki / f"{client}.crt"), "--key", str(pki / f"{client}.key")]
    proc = subprocess.run(network.in_node([*argv, url]), capture_output=True, check=False)
    return proc.returncode == 0


def daemons(layout: Layout, bins: Binaries) -> list[Daemon]:
    pki, cfg = layout.pki_dir, layout.config_dir

    def url(port: int, path: str = "/healthz", scheme: str = "https") -> Callable[[], bool]:
        return lambda: probe(f"{scheme}://127.0.0.1:{port}{path}", layout, client="admin")

    return [
        Daemon(
            "etcd",
            [
                str(bins.etcd / "etcd"),
                "--name=todo-node",
                f"--data-dir={layout.etcd_dir}",
                "--listen-client-urls=http://127.0.0.1:2379",
                "--advertise-client-urls=http://127.0.0.1:2379",
                "--listen-peer-urls=http://127.0.0.1:2380",
                "--initial-advertise-peer-urls=http://127.0.0.1:2380",
                "--initial-cluster=todo-node=http://127.0.0.1:2380",
                "--listen-metrics-urls=http://127.0.0.1:2381",
                # One node, throwaway data: fsync latency on a shared disk is not worth it.
                "--unsafe-no-fsync",
                "--quota-backend-bytes=2147483648",
            ],
            url(2381, "/health", scheme="http"),
        ),
        Daemon(
            "kube-apiserver",
            [
                bins.kube("kube-apiserver"),
                "--etcd-servers=http://127.0.0.1:2379",
                f"--advertise-address={NODE_IP}",
                "--bind-address=0.0.0.0",
                f"--secure-port={API_PORT}",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                f"--client-ca-file={pki / 'ca.crt'}",
                f"--tls-cert-file={pki / 'apiserver.crt'}",
                f"--tls-private-key-file={pki / 'apiserver.key'}",
                f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
                f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
                f"--requestheader-client-ca-file={pki / 'front-proxy-ca.crt'}",
                "--requestheader-allowed-names=front-proxy-client",
                "--requestheader-username-headers=X-Remote-User",
                "--requestheader-group-headers=X-Remote-Group",
                "--requestheader-extra-headers-prefix=X-Remote-Extra-",
                f"--proxy-client-cert-file={pki / 'front-proxy-client.crt'}",
                f"--proxy-client-key-file={pki / 'front-proxy-client.key'}",
                f"--service-account-key-file={pki / 'sa.pub'}",
                f"--service-account-signing-key-file={pki / 'sa.key'}",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                # Logs, exec and port-forward reach the kubelet by the node's IP: its name
                # resolves nowhere (the node has no resolver outside the cluster).
                "--kubelet-preferred-address-types=InternalIP",
                "--authorization-mode=Node,RBAC",
                "--enable-admission-plugins=NodeRestriction",
                "--allow-privileged=true",
                "--profiling=false",
            ],
            url(API_PORT, "/readyz"),
        ),
        Daemon(
            "kube-controller-manager",
            [
                bins.kube("kube-controller-manager"),
                *_kubeconfig_flags(layout, "kube-controller-manager"),
                # The Dapr injector patches only pods that the controllers' own service
                # accounts create (replicaset-controller, job-controller, ...).
                "--use-service-account-credentials=true",
                f"--service-account-private-key-file={pki / 'sa.key'}",
                f"--root-ca-file={pki / 'ca.crt'}",
                f"--cluster-signing-cert-file={pki / 'ca.crt'}",
                f"--cluster-signing-key-file={pki / 'ca.key'}",
                f"--cluster-cidr={POD_CIDR}",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                "--bind-address=127.0.0.1",
                "--leader-elect=false",
                "--profiling=false",
            ],
            url(10257),
        ),
        Daemon(
            "kube-scheduler",
            [
                bins.kube("kube-scheduler"),
                *_kubeconfig_flags(layout, "kube-scheduler"),
                "--bind-address=127.0.0.1",
                "--leader-elect=false",
                "--profiling=false",
            ],
            url(10259),
        ),
        Daemon(
            "containerd",
            [str(bins.containerd / "containerd"), f"--config={cfg / 'containerd.toml'}"],
            lambda: _containerd_up(layout, bins),
        ),
        Daemon(
            "kubelet",
            [
                bins.kube("kubelet"),
                f"--config={cfg / 'kubelet.yaml'}",
                f"--kubeconfig={layout.kubeconfig('kubelet')}",
                f"--root-dir={layout.kubelet_dir}",
                f"--cert-dir={layout.kubelet_dir / 'pki'}",
                f"--node-ip={NODE_IP}",
                f"--hostname-override={NODE_NAME}",
            ],
            url(10248, scheme="http"),
        ),
        Daemon(
            "kube-proxy",
            [bins.kube("kube-proxy"), f"--config={cfg / 'kube-proxy.yaml'}"],
            url(10256, scheme="http"),
        ),
        Daemon(
            # The bridge CNI plugin enforces no NetworkPolicy: kube-router's policy
            # controller does, in the node's iptables (KUBE-ROUTER-FORWARD, a KUBE-POD-FW-*
            # chain per pod, physdev for traffic that stays on the bridge) and ipsets.
            # Routing and Services stay with the bridge and kube-proxy.
            KUBE_ROUTER,
            [
                str(bins.kube_router / "kube-router"),
                f"--kubeconfig={layout.kubeconfig('kube-router')}",
                f"--hostname-override={NODE_NAME}",
                "--run-firewall=true",
                "--run-router=false",
                "--run-service-proxy=false",
                # Only the router writes a CNI configuration; the node keeps its bridge's.
                "--enable-cni=false",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                "--health-addr=127.0.0.1",
                f"--health-port={KUBE_ROUTER_HEALTH_PORT}",
            ],
            url(KUBE_ROUTER_HEALTH_PORT, scheme="http"),
        ),
    ]


def _kubeconfig_flags(layout: Layout, user: str) -> list[str]:
    path = layout.kubeconfig(user)
    return [
        f"--kubeconfig={path}",
        f"--authentication-kubeconfig={path}",
        f"--authorization-kubeconfig={path}",
    ]


def _containerd_up(layout: Layout, bins: Binaries) -> bool:
    argv = [str(bins.containerd / "ctr"), "--address", str(layout.containerd_socket), "version"]
    return subprocess.run(argv, capture_output=True, check=False).returncode == 0


def _env(bins: Binaries) -> dict[str, str]:
    # containerd finds its shim on PATH; the daemons find iptables, runc and mount there.
    path = f"{bins.containerd}:/usr/sbin:/usr/bin:/sbin:/bin"
    return {"PATH": path, "HOME": "/root", "LANG": "C.UTF-8"}


def start(layout: Layout, daemon: Daemon, bins: Binaries) -> None:
    if processes.read_pid(layout.run_dir, daemon.name) is None:
        processes.spawn(
            daemon.name,
            network.in_node(daemon.argv),
            run_dir=layout.run_dir,
            log_file=layout.log_dir / f"{daemon.name}.log",
            env=_env(bins),
            preexec_fn=lambda: cgroups.join("system"),
        )
    _wait(layout, daemon)


def _wait(layout: Layout, daemon: Daemon) -> None:
    started = time.monotonic()
    while time.monotonic() - started < daemon.timeout:
        if processes.read_pid(layout.run_dir, daemon.name) is None:
            break
        if daemon.healthy():
            say(f"{daemon.name}: healthy ({time.monotonic() - started:.1f}s)")
            return
        time.sleep(0.5)
    log = layout.log_dir / f"{daemon.name}.log"
    tail = processes.tail(log, 30)
    state = "exited" if processes.read_pid(layout.run_dir, daemon.name) is None else "unhealthy"
    raise StackError(f"{daemon.name} {state} during start-up (log: {log}):\n{tail}")


def running(layout: Layout, name: str) -> int | None:
    return processes.read_pid(layout.run_dir, name)


def stop_all(layout: Layout, names: list[str]) -> None:
    for name in reversed(names):
        processes.stop(layout.run_dir, name, timeout=10)


def ensure_dirs(layout: Layout) -> None:
    for path in (layout.run_dir, layout.log_dir, layout.etcd_dir, layout.containerd_dir,
                 layout.kubelet_dir, layout.cni_dir):  # fmt: skip
        path.mkdir(parents=True, exist_ok=True)
    os.chmod(layout.etcd_dir, 0o700)
