"""The ingress install's pieces that need no cluster: the Traefik manifest and the values
that point cert-manager's chart at our images."""

from string import Template

import yaml

from devstack import versions
from devstack.cluster import build, images, ingress


def _traefik_docs() -> list[dict]:
    text = (ingress.MANIFESTS / "traefik.yaml").read_text()
    return list(yaml.safe_load_all(Template(text).substitute(IMAGE=images.TRAEFIK)))


def test_traefik_redirects_http_to_https_and_runs_unprivileged() -> None:
    docs = {(d["kind"], d["metadata"]["name"]): d for d in _traefik_docs()}
    pod = docs[("Deployment", "traefik")]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == images.TRAEFIK
    args = container["args"]
    assert "--entryPoints.web.http.redirections.entryPoint.scheme=https" in args
    assert "--entryPoints.web.http.redirections.entryPoint.to=:443" in args
    assert "--entryPoints.websecure.http.tls=true" in args
    assert f"--providers.kubernetesingress.ingressClass={ingress.INGRESS_CLASS}" in args
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    service = docs[("Service", "traefik")]["spec"]
    assert service["type"] == "LoadBalancer"
    assert {(p["port"], p["targetPort"]) for p in service["ports"]} == {
        (80, "web"),
        (443, "websecure"),
    }
    assert docs[("IngressClass", ingress.INGRESS_CLASS)]


def test_cert_manager_chart_values_name_the_images_we_build() -> None:
    args = ingress.cert_manager_values()
    sets = dict(a.split("=", 1) for a in args[1::2])
    prefix = f"{sets['imageRegistry']}/{sets['imageNamespace']}"
    # The chart composes <imageRegistry>/<imageNamespace>/<name>:<its appVersion>.
    for name, key in zip(
        build.CERT_MANAGER_COMMANDS,
        ("image", "webhook.image", "cainjector.image", "acmesolver.image"),
        strict=True,
    ):
        ref = f"{prefix}/{sets[f'{key}.name']}:v{versions.CERT_MANAGER}"
        assert ref == images.cert_manager_ref(name)
        assert sets[f"{key}.pullPolicy"] == "Never"
    assert sets["crds.enabled"] == "true"
