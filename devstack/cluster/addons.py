"""What a bare node needs before our chart can run on it, each installed idempotently:
cluster DNS, a default StorageClass with local volumes, MetalLB, and the Dapr control
plane from Dapr's own Helm chart."""

import json
from pathlib import Path
from string import Template

from devstack.cluster.kubectl import Kube
from devstack.cluster.layout import DNS_SERVICE_IP, LB_POOL, NODE_NAME
from devstack.progress import say

MANIFESTS = Path(__file__).parent / "manifests"
VOLUMES = 8


def _manifest(name: str, **values: str) -> str:
    return Template((MANIFESTS / name).read_text()).substitute(values)


def node_ready(kube: Kube) -> bool:
    node = kube.get("node", NODE_NAME)
    return any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"])


def rolled_out(kube: Kube, namespace: str, kind: str, name: str, timeout: str = "180s") -> None:
    kube.kubectl("-n", namespace, "rollout", "status", f"{kind}/{name}", f"--timeout={timeout}")


def install_coredns(kube: Kube, image: str) -> None:
    kube.apply(_manifest("coredns.yaml", IMAGE=image, DNS_IP=DNS_SERVICE_IP))
    rolled_out(kube, "kube-system", "deployment", "coredns")
    say("cluster DNS (CoreDNS) ready")


def _volume(index: int, root: Path) -> dict[str, object]:
    path = root / f"pv-{index}"
    # hostPath volumes ignore fsGroup: the non-root pods must be able to write here.
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o777)
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": f"todo-local-{index}"},
        "spec": {
            "capacity": {"storage": "10Gi"},
            "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": "todo-local",
            "hostPath": {"path": str(path), "type": "Directory"},
        },
    }


def install_storage(kube: Kube, root: Path) -> None:
    kube.apply(_manifest("storage.yaml"))
    items = [_volume(i, root / "volumes") for i in range(VOLUMES)]
    kube.apply(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))


def install_metallb(kube: Kube, native_manifest: str) -> None:
    kube.apply(native_manifest)
    rolled_out(kube, "metallb-system", "deployment", "controller")
    rolled_out(kube, "metallb-system", "daemonset", "speaker")
    # The pool is validated by MetalLB's webhook, which answers a little after rollout.
    kube.wait_until(
        "MetalLB's webhook to accept the address pool",
        lambda: kube.accepts(_manifest("metallb-pool.yaml", POOL=LB_POOL)),
        timeout=120,
    )
    say(f"MetalLB ready (L2 mode, pool {LB_POOL})")


def _scheduler_images(kube: Kube) -> set[str]:
    """The images the scheduler's pods run now (a stuck rolling update runs two)."""
    out = kube.kubectl(
        "-n", "dapr-system", "get", "pods", "-l", "app=dapr-scheduler-server",
        "-o", "jsonpath={.items[*].spec.containers[0].image}", check=False,
    )  # fmt: skip
    return set(out.split())


def install_dapr(kube: Kube, chart: Path, registry: str, tag: str) -> None:
    running = _scheduler_images(kube)
    if running and running != {f"{registry}/scheduler:{tag}"}:
        # The scheduler's three embedded etcd members keep their data in memory here: a
        # rolling update restarts one at a time, and each comes back empty into a cluster
        # that still lists it ("member … has already been bootstrapped"). A new Dapr
        # release starts the scheduler afresh instead (its jobs were in memory anyway).
        say(f"Dapr scheduler {', '.join(sorted(running))} -> {tag}: restarting it from scratch")
        kube.kubectl(
            "-n", "dapr-system", "delete", "statefulset", "dapr-scheduler-server",
            "--cascade=foreground", "--wait=true", "--timeout=120s", check=False,
        )  # fmt: skip
    kube.helm(
        "upgrade", "--install", "dapr", str(chart),
        "--namespace", "dapr-system", "--create-namespace",
        "--set", f"global.registry={registry}",
        "--set", f"global.tag={tag}",
        "--set", "global.imagePullPolicy=Never",
        "--set", "global.ha.enabled=false",
        # One node, no volume worth keeping for the scheduler's embedded etcd.
        "--set", "dapr_scheduler.cluster.inMemoryStorage=true",
        "--wait", "--timeout", "5m",
    )  # fmt: skip
    say(f"Dapr control plane {tag} ready (dapr-system)")
