"""HTTPS in front of a Service, as the web app gets it: Traefik's LoadBalancer address,
an Ingress of class `traefik` naming the ClusterIssuer `todo-services-ca`, the certificate
cert-manager issues for it from the services' CA, and plain HTTP redirected to HTTPS. The
client is curl on the host, trusting only that CA; the backend is Traefik's own /ping in a
throw-away namespace, so the check stands on its own."""

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.cluster import build, images, ingress, pki
from devstack.cluster.kubectl import Kube
from devstack.cluster.lifecycle import Cluster

NAMESPACE = "https-check"
HOST = "https-check.todo.test"
TLS_SECRET = "https-check-tls"  # noqa: S105 (a Secret's name)


def _backend_and_ingress() -> list[dict[str, Any]]:
    labels = {"app": "ping"}
    ping = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "ping", "namespace": NAMESPACE},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "securityContext": {"runAsNonRoot": True},
                    "containers": [
                        {
                            "name": "ping",
                            "image": images.TRAEFIK,
                            "imagePullPolicy": "Never",
                            "args": [
                                "--entryPoints.http.address=:8080",
                                "--ping=true",
                                "--ping.entryPoint=http",
                            ],
                            "ports": [{"name": "http", "containerPort": 8080}],
                            "readinessProbe": {"httpGet": {"path": "/ping", "port": "http"}},
                        }
                    ],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "ping", "namespace": NAMESPACE},
        "spec": {"selector": labels, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
    }
    route = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": "ping",
            "namespace": NAMESPACE,
            "annotations": {"cert-manager.io/cluster-issuer": ingress.CA_ISSUER},
        },
        "spec": {
            "ingressClassName": ingress.INGRESS_CLASS,
            "tls": [{"hosts": [HOST], "secretName": TLS_SECRET}],
            "rules": [
                {
                    "host": HOST,
                    "http": {
                        "paths": [
                            {
                                "path": "/ping",
                                "pathType": "Exact",
                                "backend": {"service": {"name": "ping", "port": {"name": "http"}}},
                            }
                        ]
                    },
                }
            ],
        },
    }
    return [ping, service, route]


def _certificate_ready(kube: Kube) -> bool:
    cert = kube.get("-n", NAMESPACE, "certificate", TLS_SECRET)
    conditions = cert.get("status", {}).get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def _curl(address: str, url: str, ca: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    port = "443" if url.startswith("https") else "80"
    return subprocess.run(
        ["curl", "-sS", "--max-time", "5", "--cacert", str(ca),
         "--resolve", f"{HOST}:{port}:{address}", *extra, url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def _status(address: str, url: str, ca: Path) -> str:
    return _curl(address, url, ca, "-o", "/dev/null", "-w", "%{http_code}").stdout


@pytest.fixture(scope="module")
def https_check(cluster: Cluster) -> Iterator[tuple[str, Path]]:
    """Ingress installed (idempotent), the throw-away namespace made, then removed."""
    kube, layout = cluster.kube, cluster.layout
    archives = images.ensure_images()
    wanted = [images.TRAEFIK, *(images.cert_manager_ref(n) for n in build.CERT_MANAGER_COMMANDS)]
    images.import_images(
        cluster.bins.containerd / "ctr", layout.containerd_socket, [archives[r] for r in wanted]
    )
    ingress.install_ingress(kube, archives, layout)
    kube.kubectl("delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=true")
    kube.kubectl("create", "namespace", NAMESPACE)
    try:
        kube.apply(
            json.dumps({"apiVersion": "v1", "kind": "List", "items": _backend_and_ingress()})
        )
        address = ingress.lb_address(kube)
        assert address, "Traefik's Service has no LoadBalancer address"
        yield address, pki.service_ca(layout)[0]
    finally:
        kube.kubectl("delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=false")


def test_https_through_traefik_with_a_certificate_from_the_ca_issuer(
    cluster: Cluster, https_check: tuple[str, Path]
) -> None:
    kube, (address, ca) = cluster.kube, https_check
    started = time.monotonic()
    kube.wait_until(
        "cert-manager to issue the Ingress's certificate", lambda: _certificate_ready(kube), 60
    )
    issued = time.monotonic() - started
    kube.kubectl("-n", NAMESPACE, "rollout", "status", "deployment/ping", "--timeout=60s")
    # Traefik picks the Secret and the ready endpoint up from its watches, a second or two
    # apart: until then the TLS handshake or the route (404) may not be there yet.
    kube.wait_until(
        "Traefik to route HTTPS to the backend",
        lambda: _status(address, f"https://{HOST}/ping", ca) == "200",
        timeout=30,
    )
    proc = _curl(address, f"https://{HOST}/ping", ca, "-w", "\n%{http_code} %{ssl_verify_result}")
    assert proc.returncode == 0, proc.stderr
    body, status = proc.stdout.rsplit("\n", 1)
    assert (body, status) == ("OK", "200 0"), proc.stdout

    secret = kube.get("-n", NAMESPACE, "secret", TLS_SECRET)
    assert secret["metadata"]["annotations"]["cert-manager.io/issuer-name"] == ingress.CA_ISSUER
    print(f"certificate issued in {issued:.1f}s")


def test_plain_http_is_redirected_to_https(https_check: tuple[str, Path]) -> None:
    address, ca = https_check
    proc = _curl(address, f"http://{HOST}/ping", ca, "-o", "/dev/null",
                 "-w", "%{http_code} %{redirect_url}")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout in (f"301 https://{HOST}/ping", f"308 https://{HOST}/ping"), proc.stdout
