"""Our own chart on the local cluster: the app Secret, then `helm upgrade --install` of
deploy/helm/todo with values-local.yaml and a values file that only names the images built
here."""

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

from devstack.cluster import images, registry
from devstack.cluster.kubectl import Kube
from devstack.cluster.layout import Layout
from devstack.config import REPO_ROOT
from devstack.errors import StackError
from devstack.progress import say

NAMESPACE = "todo"
RELEASE = "todo"
SECRET = "todo-secrets"  # noqa: S105 (the Secret's name, not a value)
CHART = REPO_ROOT / "deploy" / "helm" / "todo"


def image_values(kafka_image: str, postgres_image: str, redis_image: str) -> dict:
    """The only values that differ from values-local.yaml: the infrastructure images built
    here, and the login for the registry the app images are pulled from. The registry and
    the tag are the release's own arguments, as in the workflow."""
    return {
        "imagePullSecrets": [{"name": registry.PULL_SECRET}],
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


# Made here for the local PostgreSQL and its roles: the owner's (its superuser, which runs
# the migrations), the apps' and the state store's (the migrations Job's db-roles step sets
# them); Redis's for the web app's UI state.
PASSWORD_KEYS = ("POSTGRES_PASSWORD", "POSTGRES_APP_PASSWORD", "POSTGRES_DAPR_PASSWORD")


def database_literals(passwords: dict[str, str]) -> dict[str, str]:
    """Each part's connection to the local PostgreSQL as its own role (docs/deploy.md)."""
    roles = yaml.safe_load((CHART / "values.yaml").read_text())["postgres"]
    host, app, dapr = "todo-postgres", roles["appRole"], roles["daprRole"]
    owner_pw, app_pw = passwords["POSTGRES_PASSWORD"], passwords["POSTGRES_APP_PASSWORD"]
    return {
        "MIGRATIONS_DATABASE_URL": f"postgresql+asyncpg://todo:{owner_pw}@{host}:5432/todo",
        "DATABASE_URL": f"postgresql+asyncpg://{app}:{app_pw}@{host}:5432/todo",
        "STATE_PG_CONNECTION": f"host={host} port=5432 user={dapr} "
        f"password={passwords['POSTGRES_DAPR_PASSWORD']} dbname=todo connect_timeout=5",
    }


def ensure_secret(kube: Kube) -> None:
    """Throwaway passwords made here, only ever stored in the Secret. A Secret from an
    older checkout gets the keys it lacks, and its connections move to the roles."""
    kube.kubectl("create", "namespace", NAMESPACE, check=False)
    found = kube.kubectl("-n", NAMESPACE, "get", "secret", SECRET, "-o", "json", check=False)
    data = json.loads(found).get("data", {}) if found.strip() else {}
    known = {key: base64.b64decode(data[key]).decode() for key in PASSWORD_KEYS if key in data}
    made = {
        key: secrets.token_hex(16) for key in (*PASSWORD_KEYS, "REDIS_PASSWORD") if key not in data
    }
    if "KAFKA_SASL_PASSWORD" not in data:
        made |= {"KAFKA_SASL_USERNAME": "todo", "KAFKA_SASL_PASSWORD": secrets.token_hex(16)}
    literals = {**made, **database_literals({**known, **made}), "KAFKA_BROKERS": "todo-kafka:9092"}
    if not found.strip():
        kube.kubectl(
            "-n", NAMESPACE, "create", "secret", "generic", SECRET,
            *(f"--from-literal={key}={value}" for key, value in literals.items()),
        )  # fmt: skip
        return
    patch = {"stringData": literals}
    kube.kubectl("-n", NAMESPACE, "patch", "secret", SECRET, "-p", json.dumps(patch))


# The in-cluster Kafka and PostgreSQL are pre-install hooks (they must exist before the
# migrations hook), which `helm upgrade` leaves as they are.
LOCAL_INFRA = ("local-kafka.yaml", "local-postgres.yaml")


def refresh_local_infra(kube: Kube, values: list[Path]) -> None:
    """Replace the chart's in-cluster StatefulSets in a release that exists, so that a
    change to them (a new image, a login) reaches a running cluster; an unchanged one is not
    restarted. Replaced, not applied: helm created them, and an apply would keep what it
    does not name (an old probe beside the new one). Their Services are left as they are.
    The first install leaves it all to helm."""
    if not kube.helm("status", RELEASE, "--namespace", NAMESPACE, check=False).strip():
        return
    files = [arg for path in values for arg in ("-f", str(path))]
    shown = [arg for name in LOCAL_INFRA for arg in ("--show-only", f"templates/{name}")]
    rendered = kube.helm("template", RELEASE, str(CHART), "--namespace", NAMESPACE, *files, *shown)
    sets = [d for d in yaml.safe_load_all(rendered) if d and d["kind"] == "StatefulSet"]
    kube.kubectl("replace", "--namespace", NAMESPACE, "-f", "-", stdin=yaml.safe_dump_all(sets))
    # A changed broker or database restarts: the release's new pods should find it up.
    names = [d["metadata"]["name"] for d in sets]
    for name in names:
        kube.kubectl("-n", NAMESPACE, "rollout", "status", f"statefulset/{name}", "--timeout=300s")
    say(f"in-cluster {', '.join(names)}: as the chart says now")


def push_images(layout: Layout, archives: dict[str, Path], tag: str) -> None:
    """Both app images into the registry, where the node pulls them from."""
    registry.ensure_running(layout)
    for local, name in ((images.WEB, "todo-web"), (images.WORKER, "todo-worker")):
        ref = f"{local}:{tag}"
        images.ensure_in_storage(ref, archives[ref])
        registry.push(layout, ref, name, tag)


def release_argv(
    kube: Kube, namespace: str, values: list[Path], tag: str, *extra: str
) -> list[str]:
    """The command line of `python -m devstack.release deploy`, as the workflow runs it."""
    files = [arg for path in values for arg in ("-f", str(path))]
    return [
        "deploy", "--registry", registry.ADDRESS, "--tag", tag, *files,
        "--namespace", namespace, "--release", RELEASE,
        "--kubeconfig", str(kube.layout.admin_kubeconfig),
        "--helm", str(kube.helm_bin), "--kubectl", str(kube.kubectl_bin), *extra,
    ]  # fmt: skip


def run_release(
    kube: Kube, argv: list[str], capture: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run the release entry point as a module, as the workflow does."""
    return subprocess.run(
        [sys.executable, "-m", "devstack.release", *argv],
        env={**kube.env, "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        capture_output=capture, text=True, check=False,
    )  # fmt: skip


def local_release_argv(kube: Kube, images_values: Path, tag: str) -> list[str]:
    return release_argv(kube, NAMESPACE, [CHART / "values-local.yaml", images_values], tag)


def install(kube: Kube, archives: dict[str, Path], images_values: Path, tag: str) -> None:
    """Push the app images, then release them with the same entry point as the workflow."""
    ensure_secret(kube)
    refresh_local_infra(kube, [CHART / "values-local.yaml", images_values])
    kube.apply(yaml.safe_dump(registry.pull_secret_manifest(kube.layout, NAMESPACE)))
    push_images(kube.layout, archives, tag)
    if run_release(kube, local_release_argv(kube, images_values, tag)).returncode != 0:
        raise StackError("the release failed (its cause is printed above)")
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
