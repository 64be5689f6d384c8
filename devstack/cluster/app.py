"""Our own chart on the local cluster: the app Secret, then `helm upgrade --install` of
deploy/helm/todo with values-local.yaml and a values file that only names the images built
here."""

import json
import secrets
from pathlib import Path

import yaml

from devstack.cluster.kubectl import Kube
from devstack.config import REPO_ROOT
from devstack.errors import StackError
from devstack.progress import say

NAMESPACE = "todo"
RELEASE = "todo"
SECRET = "todo-secrets"  # noqa: S105 (the Secret's name, not a value)
CHART = REPO_ROOT / "deploy" / "helm" / "todo"


def image_values(app_tag: str, kafka_image: str, postgres_image: str, redis_image: str) -> dict:
    """The only values that differ from values-local.yaml: where the images come from."""
    return {
        "image": {"tag": app_tag},
        "localInfra": {
            "kafka": {"image": kafka_image},
            "postgres": {"image": postgres_image},
            "redis": {"image": redis_image},
        },
    }


def write_image_values(root: Path, values: dict) -> Path:
    path = root / "config" / "todo-images.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(values, sort_keys=False))
    return path


def ensure_secret(kube: Kube) -> None:
    """A throwaway password made here, only ever stored in the Secret."""
    kube.kubectl("create", "namespace", NAMESPACE, check=False)
    if kube.kubectl("-n", NAMESPACE, "get", "secret", SECRET, check=False).strip():
        return
    password = secrets.token_hex(16)
    host = "todo-postgres"
    kube.kubectl(
        "-n", NAMESPACE, "create", "secret", "generic", SECRET,
        f"--from-literal=POSTGRES_PASSWORD={password}",
        f"--from-literal=DATABASE_URL=postgresql+asyncpg://todo:{password}@{host}:5432/todo",
        "--from-literal=STATE_PG_CONNECTION="
        f"host={host} port=5432 user=todo password={password} dbname=todo connect_timeout=5",
        "--from-literal=KAFKA_BROKERS=todo-kafka:9092",
    )  # fmt: skip


def _clear_interrupted(kube: Kube) -> None:
    """A helm killed mid-way leaves its release `pending-*`, and every later upgrade then
    fails with "another operation is in progress": undo what it was doing."""
    out = kube.helm("status", RELEASE, "--namespace", NAMESPACE, "-o", "json", check=False)
    status = json.loads(out)["info"]["status"] if out.strip() else ""
    if status == "pending-install":
        kube.helm("uninstall", RELEASE, "--namespace", NAMESPACE, "--wait")
    elif status.startswith("pending-"):
        kube.helm("rollback", RELEASE, "--namespace", NAMESPACE, "--wait")


def install(kube: Kube, images_values: Path, *extra: str) -> None:
    ensure_secret(kube)
    _clear_interrupted(kube)
    kube.helm(
        "upgrade", "--install", RELEASE, str(CHART), "--namespace", NAMESPACE,
        "-f", str(CHART / "values-local.yaml"), "-f", str(images_values),
        "--atomic", "--wait", "--timeout", "10m", *extra,
    )  # fmt: skip
    say(f"chart {RELEASE} installed in namespace {NAMESPACE}")


def url(kube: Kube) -> str | None:
    """The app's address through the LoadBalancer IP MetalLB gave the web Service."""
    try:
        svc = kube.get("-n", NAMESPACE, "service", f"{RELEASE}-web")
    except StackError:
        return None
    ingress = svc.get("status", {}).get("loadBalancer", {}).get("ingress") or []
    if not ingress or "ip" not in ingress[0]:
        return None
    port = svc["spec"]["ports"][0]["port"]
    return f"http://{ingress[0]['ip']}" + ("" if port == 80 else f":{port}")
