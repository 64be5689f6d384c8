"""Rehearse a cloud release here (`make rehearse-cloud`): the chart with `values-cloud.yaml`
unchanged, plus one small overlay that names only what differs here, released through the
workflow's entry point into its own namespace, against the cloud-shaped services of
cloud.py (Kafka over SASL_SSL, PostgreSQL over TLS) and the images in the registry.

What the overlay names: the image pull secret (GHCR needs one for a private package too),
the services CA for Kafka and PostgreSQL (Redpanda Cloud and Neon use public CAs, so the
cloud leaves both empty), two web replicas sharing an in-cluster Redis (in the cloud: a
managed Redis URL in `web.redisUrl`), and the public host name with the ClusterIssuer that
signs from the services CA (in the cloud: Let's Encrypt). Traefik and cert-manager are
installed beside the release, as a cloud cluster has them (ingress.py). Service hosts and
passwords go into the Secret, as the docs tell a cloud user to do.
"""

import secrets
import subprocess
import sys
from pathlib import Path

import yaml

from devstack.cluster import app, cloud, ingress, registry
from devstack.cluster.kubectl import Kube
from devstack.cluster.layout import Layout
from devstack.config import made_once
from devstack.errors import StackError
from devstack.progress import say

NAMESPACE = "todo-cloud"
# No DNS here: clients connect to Traefik's LoadBalancer address and send this name
# (release.py's smoke test, curl --resolve, Chromium's --host-resolver-rules).
HOST = "todo.rehearsal.test"
RELEASE = "todo"
CLOUD_VALUES = app.CHART / "values-cloud.yaml"


def overlay(layout: Layout, redis_image: str) -> dict:
    ca = cloud.ca_file(layout).read_text()
    return {
        "imagePullSecrets": [{"name": registry.PULL_SECRET}],
        "kafka": {"caCert": ca},
        "postgres": {"caCert": ca},
        "web": {
            "replicas": 2,
            "redisUrl": "redis://:$(REDIS_PASSWORD)@todo-redis:6379",
            "ingress": {"host": HOST, "clusterIssuer": ingress.CA_ISSUER},
        },
        "localInfra": {"redis": {"enabled": True, "image": redis_image}},
    }


def write_overlay(layout: Layout, redis_image: str) -> Path:
    path = layout.config_dir / "cloud-rehearsal.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(overlay(layout, redis_image), sort_keys=False))
    return path


def secret_literals(layout: Layout, kafka_password: str | None = None) -> dict[str, str]:
    """The Secret a cloud user creates (docs/deploy.md), filled with this rehearsal's values."""
    creds = cloud.credentials(layout)
    return {
        "MIGRATIONS_DATABASE_URL": cloud.migrations_database_url(layout),
        "DATABASE_URL": cloud.database_url(layout),
        "STATE_PG_CONNECTION": cloud.state_connection(layout),
        "KAFKA_BROKERS": cloud.KAFKA_BOOTSTRAP,
        "KAFKA_SASL_USERNAME": cloud.APP_USER,
        "KAFKA_SASL_PASSWORD": kafka_password or creds.kafka_app,
        # The in-cluster Redis standing in for a managed one.
        "REDIS_PASSWORD": made_once(
            cloud.root(layout) / "redis-password", lambda: secrets.token_hex(16)
        ),
    }


def apply_secret(kube: Kube, literals: dict[str, str], name: str = app.SECRET) -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "stringData": literals,
    }
    kube.apply(yaml.safe_dump(manifest))


def create_topics(layout: Layout) -> None:
    """The documented step, run as a cloud user runs it (python -m devstack.topics)."""
    creds = cloud.credentials(layout)
    env = {
        "KAFKA_BROKERS": cloud.KAFKA_BOOTSTRAP,
        "KAFKA_SASL_USERNAME": cloud.ADMIN_USER,
        "KAFKA_SASL_PASSWORD": creds.kafka_admin,
        "PATH": "/usr/bin:/bin",
    }
    argv = [sys.executable, "-m", "devstack.topics", "--ca-file", str(cloud.ca_file(layout))]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise StackError(f"creating the topics failed: {proc.stderr.strip()}")
    say(proc.stdout.strip())


def release_argv(kube: Kube, overlay_file: Path, tag: str, *extra: str) -> list[str]:
    ca = ("--ca-file", str(cloud.ca_file(kube.layout)))
    return app.release_argv(kube, NAMESPACE, [CLOUD_VALUES, overlay_file], tag, *ca, *extra)


def prepare(kube: Kube, archives: dict[str, Path], tag: str, redis_image: str) -> Path:
    """Everything before the release: services, ingress, topics, Secrets, images."""
    layout = kube.layout
    cloud.ensure_running(layout)
    ingress.install_ingress(kube, archives, layout)
    create_topics(layout)
    cloud.create_roles(layout)
    kube.kubectl("create", "namespace", NAMESPACE, check=False)
    apply_secret(kube, secret_literals(layout))
    kube.apply(yaml.safe_dump(registry.pull_secret_manifest(layout, NAMESPACE)))
    app.push_images(layout, archives, tag)
    return write_overlay(layout, redis_image)


def release(
    kube: Kube, overlay_file: Path, tag: str, *extra: str, capture: bool = True
) -> subprocess.CompletedProcess[str]:
    return app.run_release(kube, release_argv(kube, overlay_file, tag, *extra), capture)


def remove(kube: Kube) -> None:
    """Uninstall the rehearsal's release and namespace (the services keep their data)."""
    kube.helm("uninstall", RELEASE, "--namespace", NAMESPACE, "--wait", check=False)
    kube.kubectl("delete", "namespace", NAMESPACE, "--wait=true", "--timeout=120s", check=False)
