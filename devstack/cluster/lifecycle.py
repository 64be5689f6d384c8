"""`make cluster`, `make cluster-down`, `make cluster-status`: the node, its add-ons and our
chart, brought up in order with each part health-checked."""

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack import deploytools
from devstack.cluster import (
    addons,
    app,
    build,
    cgroups,
    cleanup,
    cloud,
    configs,
    hostcheck,
    images,
    monitoring,
    network,
    node,
    pki,
    registry,
    rehearsal,
)
from devstack.cluster import layout as layout_mod
from devstack.cluster.kubectl import Kube
from devstack.cluster.layout import NODE_NAME, Layout
from devstack.errors import StackError
from devstack.progress import say


@dataclass(frozen=True)
class Cluster:
    layout: Layout
    bins: node.Binaries
    kube: Kube


def prepare() -> Cluster:
    """Everything slow (binaries, images) is built or found in the cache first."""
    layout = layout_mod.load()
    bins = node.Binaries(
        kubernetes=build.ensure_kubernetes(),
        etcd=build.ensure_etcd(),
        containerd=build.ensure_containerd(),
        kube_router=build.ensure_kube_router(),
    )
    helm = deploytools.install_tool(next(t for t in deploytools.TOOLS if t.name == "helm"))
    return Cluster(layout, bins, Kube(layout, bins.kubernetes / "kubectl", helm))


def _image(refs: dict[str, Path], prefix: str) -> str:
    return next(ref for ref in refs if ref.startswith(prefix))


def start_node(cluster: Cluster, archives: dict[str, Path]) -> None:
    layout, bins = cluster.layout, cluster.bins
    daemons = node.daemons(layout, bins)
    if not all(node.running(layout, d.name) for d in daemons):
        # Half up, or left behind by a killed run: start from a clean host, same data.
        cleanup.sweep(layout)
        network.create()
    node.ensure_dirs(layout)
    # cgroup v2 only: controllers enabled top-down before the first daemon joins its leaf.
    if delegated := cgroups.delegate():
        say(f"cgroup v2: /{layout_mod.CGROUP_ROOT} hands {' '.join(delegated)} to its children")
    pki.ensure(layout)
    configs.write_all(layout)
    for daemon in daemons:
        if daemon.name == node.KUBE_ROUTER:
            # Its identity may read what it enforces, before it asks; and it exits at once
            # when the node it runs for is not registered yet.
            cluster.kube.apply((addons.MANIFESTS / "kube-router-rbac.yaml").read_text())
            cluster.kube.wait_until(
                "the kubelet to register the node", lambda: cluster.kube.get("node", NODE_NAME)
            )
        node.start(layout, daemon, bins)
        if daemon.name == "containerd":
            # The app images come from the registry, as they do in the cloud.
            imported = {r: a for r, a in archives.items() if not r.startswith(images.APP_IMAGES)}
            images.import_images(bins.containerd / "ctr", layout.containerd_socket, imported)
    cluster.kube.wait_until("the node to be Ready", lambda: addons.node_ready(cluster.kube))


def install_app(cluster: Cluster, archives: dict[str, Path]) -> None:
    web_tag = _app_tag(archives)
    values = app.image_values(
        _image(archives, "localhost/todo/kafka:"),
        _image(archives, "localhost/todo/postgres:"),
        _image(archives, "localhost/todo/redis:"),
    )
    app.install(
        cluster.kube, archives, app.write_image_values(cluster.layout.root, values), web_tag
    )


def _running() -> Cluster:
    cluster = prepare()
    layout = cluster.layout
    if not all(node.running(layout, d.name) for d in node.daemons(layout, cluster.bins)):
        raise StackError("the cluster is not running: `sudo make cluster` first")
    return cluster


def _app_tag(archives: dict[str, Path]) -> str:
    """The tag of the app images just built, not one computed again from files that may
    have changed since."""
    return _image(archives, f"{images.WEB}:").rsplit(":", 1)[1]


def release() -> None:
    """`make release-local`: build what changed, push it, release it on the running cluster
    through the same entry point as the workflow."""
    install_app(_running(), images.ensure_images())


def rehearse() -> None:
    """`make rehearse-cloud`: the cloud-shaped services, then a release of values-cloud.yaml
    into its own namespace through the workflow's entry point (docs/deploy.md)."""
    cluster = _running()
    archives = images.ensure_images()
    tag = _app_tag(archives)
    redis = _image(archives, "localhost/todo/redis:")
    overlay = rehearsal.prepare(cluster.kube, archives, tag, redis)
    result = rehearsal.release(cluster.kube, overlay, tag, capture=False)
    if result.returncode != 0:
        raise StackError("the cloud-shaped release failed (its cause is printed above)")


def up() -> None:
    started = time.monotonic()
    hostcheck.check()
    cluster = prepare()
    archives = images.ensure_images()
    built = time.monotonic()
    start_node(cluster, archives)
    kube = cluster.kube
    addons.install_storage(kube, cluster.layout.root)
    addons.install_coredns(kube, _image(archives, "localhost/todo/coredns:"))
    addons.install_metallb(kube, images.metallb_manifest(archives))
    addons.install_dapr(kube, build.ensure_dapr_chart(), *images.dapr_registry_and_tag())
    install_app(cluster, archives)
    say(
        f"cluster up in {time.monotonic() - started:.0f}s "
        f"(builds and images {built - started:.0f}s); app at {app.url(kube) or '?'}"
    )
    say(f"kubectl: KUBECONFIG={cluster.layout.admin_kubeconfig} {kube.kubectl_bin}")


def down() -> None:
    layout = layout_mod.load()
    names = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
             "containerd", "kubelet", "kube-proxy", "kube-router"]  # fmt: skip
    # The kubelet first, so it does not restart what the sweep kills.
    node.stop_all(layout, names)
    registry.stop(layout)
    cloud.stop(layout)
    monitoring.stop(layout)
    cleanup.sweep(layout)
    say("cluster stopped; its data is kept in " + str(layout.root))


def status() -> dict[str, Any]:
    layout = layout_mod.load()
    parts = {}
    for name in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
                 "containerd", "kubelet", "kube-proxy", "kube-router", registry.NAME):  # fmt: skip
        pid = node.running(layout, name)
        parts[name] = {"state": "running" if pid else "stopped", "pid": pid,
                       "log": str(layout.log_dir / f"{name}.log")}  # fmt: skip
    url = None
    if all(p["pid"] for p in parts.values()):
        try:
            url = app.url(prepare().kube)
        except StackError:
            url = None
    return {
        "network_namespace": network.exists(),
        "parts": parts,
        "kubeconfig": str(layout.admin_kubeconfig),
        "app_url": url,
    }


def print_status(as_json: bool) -> None:
    report = status()
    if as_json:
        print(json.dumps(report, indent=2))
        return
    for name, part in report["parts"].items():
        print(f"{name:26} {part['state']:8} pid {part['pid'] or '-':<8} {part['log']}")
    print(f"{'kubeconfig':26} {report['kubeconfig']}")
    print(f"{'app':26} {report['app_url'] or '(not installed)'}")
