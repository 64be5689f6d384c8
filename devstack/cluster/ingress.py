"""HTTPS in front of the app: Traefik as the ingress controller (a LoadBalancer Service in
namespace `traefik`, IngressClass `traefik`, HTTP redirected to HTTPS) and cert-manager (its
own Helm chart from the pinned module, CRDs included, in namespace `cert-manager`) with a
ClusterIssuer `todo-services-ca` that signs from the services' CA, the one the registry and
the cloud-shaped Kafka and PostgreSQL already use. In the cloud the issuer is an ACME one
(docs/deploy.md); the Ingresses are the same.

    install_ingress(kube, images.ensure_images(), layout)
"""

import base64
import json
from collections.abc import Mapping
from pathlib import Path
from string import Template
from typing import Any

from devstack import versions
from devstack.cluster import build, images, pki
from devstack.cluster.kubectl import Kube
from devstack.cluster.layout import Layout
from devstack.errors import StackError
from devstack.progress import say

MANIFESTS = Path(__file__).parent / "manifests"
TRAEFIK_NAMESPACE = "traefik"
INGRESS_CLASS = "traefik"
CERT_MANAGER_NAMESPACE = "cert-manager"
CA_ISSUER = "todo-services-ca"
# A ClusterIssuer reads its Secret from cert-manager's own namespace (its
# --cluster-resource-namespace).
CA_SECRET = "todo-services-ca"  # noqa: S105 (a Secret's name, not a password)


def _required(archives: Mapping[str, Path], ref: str) -> str:
    if ref not in archives:
        raise StackError(f"no image {ref} was built: run `devstack provision --part cluster`")
    return ref


def install_traefik(kube: Kube, archives: Mapping[str, Path]) -> None:
    image = _required(archives, images.TRAEFIK)
    manifest = Template((MANIFESTS / "traefik.yaml").read_text()).substitute(IMAGE=image)
    kube.apply(manifest)
    kube.kubectl(
        "-n", TRAEFIK_NAMESPACE, "rollout", "status", "deployment/traefik", "--timeout=180s"
    )  # fmt: skip
    kube.wait_until(
        "MetalLB to give Traefik's Service an address",
        lambda: lb_address(kube) is not None,
        timeout=60,
    )
    say(f"Traefik {versions.TRAEFIK} ready (namespace traefik, LoadBalancer {lb_address(kube)})")


def lb_address(kube: Kube) -> str | None:
    """The LoadBalancer IP MetalLB gave Traefik's Service: where HTTP and HTTPS come in."""
    svc = kube.get("-n", TRAEFIK_NAMESPACE, "service", "traefik")
    ingress = svc.get("status", {}).get("loadBalancer", {}).get("ingress") or []
    return ingress[0].get("ip") if ingress else None


def cert_manager_values() -> list[str]:
    """`helm --set`s for cert-manager's chart: our images (imported, never pulled), its CRDs,
    and no startupapicheck Job (install_cert_manager waits for the webhook itself)."""
    registry, namespace = images.CERT_MANAGER_REPOSITORY.rsplit("/", 1)
    sets = {
        "crds.enabled": "true",
        "imageRegistry": registry,
        "imageNamespace": namespace,
        "startupapicheck.enabled": "false",
    }
    for component, prefix in (
        ("controller", "image"),
        ("webhook", "webhook.image"),
        ("cainjector", "cainjector.image"),
        ("acmesolver", "acmesolver.image"),
    ):
        sets[f"{prefix}.name"] = component
        sets[f"{prefix}.pullPolicy"] = "Never"
    return [arg for key, value in sets.items() for arg in ("--set", f"{key}={value}")]


def install_cert_manager(kube: Kube, archives: Mapping[str, Path]) -> None:
    for name in build.CERT_MANAGER_COMMANDS:
        _required(archives, images.cert_manager_ref(name))
    chart = build.ensure_cert_manager() / "chart"
    kube.helm(
        "upgrade", "--install", "cert-manager", str(chart),
        "--namespace", CERT_MANAGER_NAMESPACE, "--create-namespace",
        *cert_manager_values(),
        "--wait", "--timeout", "5m",
    )  # fmt: skip
    say(f"cert-manager {versions.CERT_MANAGER} ready (namespace cert-manager)")


def _ca_secret(layout: Layout) -> dict[str, Any]:
    crt, key = pki.service_ca(layout)

    def b64(path: Path) -> str:
        return base64.b64encode(path.read_bytes()).decode()

    # The CA issuer signs with tls.crt/tls.key of this Secret.
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": {"name": CA_SECRET, "namespace": CERT_MANAGER_NAMESPACE},
        "data": {"tls.crt": b64(crt), "tls.key": b64(key), "ca.crt": b64(crt)},
    }


def _ca_issuer() -> dict[str, Any]:
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "ClusterIssuer",
        "metadata": {"name": CA_ISSUER},
        "spec": {"ca": {"secretName": CA_SECRET}},
    }


def issuer_ready(kube: Kube, name: str = CA_ISSUER) -> bool:
    issuer = kube.get("clusterissuer", name)
    conditions = issuer.get("status", {}).get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def install_ca_issuer(kube: Kube, layout: Layout) -> None:
    kube.apply(json.dumps(_ca_secret(layout)))
    # Issuers go through cert-manager's validating webhook, which answers a little after
    # its Deployment reports ready (its serving certificate is injected by the cainjector).
    kube.wait_until(
        "cert-manager's webhook to accept the ClusterIssuer",
        lambda: kube.accepts(json.dumps(_ca_issuer())),
        timeout=120,
    )
    kube.wait_until(f"ClusterIssuer {CA_ISSUER} to be Ready", lambda: issuer_ready(kube), 60)
    say(f"ClusterIssuer {CA_ISSUER} ready (signs with {pki.service_ca_dir(layout)}/ca.crt)")


def install_ingress(kube: Kube, archives: Mapping[str, Path], layout: Layout) -> None:
    """Traefik, cert-manager and the CA ClusterIssuer, each idempotently. The images must be
    in containerd already (lifecycle.start_node imports every archive it is given)."""
    install_traefik(kube, archives)
    install_cert_manager(kube, archives)
    install_ca_issuer(kube, layout)
