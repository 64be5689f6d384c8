"""The cluster's certificate authority, its certificates and kubeconfigs, made with openssl.

One CA signs every certificate; each component gets its own client certificate whose
subject is the identity RBAC knows it by (system:kube-scheduler, system:node:<name>, ...).
Made once and kept with the cluster's data, so a restart does not invalidate kubeconfigs.
"""

import base64
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from devstack.cluster.layout import API_SERVICE_IP, NODE_IP, NODE_NAME, Layout
from devstack.errors import StackError

DAYS = "3650"


@dataclass(frozen=True)
class Identity:
    name: str  # file stem
    common_name: str
    organization: str = ""


# The components that talk to the API server, and who RBAC takes them for.
CLIENTS = (
    Identity("admin", "todo-admin", "system:masters"),
    Identity("kube-controller-manager", "system:kube-controller-manager"),
    Identity("kube-scheduler", "system:kube-scheduler"),
    Identity("kubelet", f"system:node:{NODE_NAME}", "system:nodes"),
    Identity("kube-proxy", "system:kube-proxy"),
    # Reads pods, namespaces and NetworkPolicies (manifests/kube-router-rbac.yaml).
    Identity("kube-router", "system:kube-router"),
    # The API server's own identity towards kubelets (logs, exec, port-forward).
    Identity("apiserver-kubelet-client", "kube-apiserver-kubelet-client", "system:masters"),
)
# Signed by a CA of its own (kubeadm's front-proxy-ca): the API server's identity towards
# aggregated APIs, which controllers check against the requestheader CA it publishes.
FRONT_PROXY_CLIENT = Identity("front-proxy-client", "front-proxy-client")
API_SERVER_NAMES = (
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
    "DNS:localhost",
    f"IP:{NODE_IP}",
    f"IP:{API_SERVICE_IP}",
    "IP:127.0.0.1",
)


def _openssl(*args: str, stdin: str | None = None) -> None:
    proc = subprocess.run(
        ["openssl", *args], input=stdin, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise StackError(f"openssl {args[0]} failed: {proc.stderr.strip()}")


def _key(path: Path) -> None:
    _openssl(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(path)
    )
    path.chmod(0o600)


def _subject(identity: Identity) -> str:
    org = f"/O={identity.organization}" if identity.organization else ""
    return f"{org}/CN={identity.common_name}"


def _sign(
    pki: Path, identity: Identity, usage: str, alt_names: tuple[str, ...] = (), ca: str = "ca"
) -> None:
    key, csr, crt = (pki / f"{identity.name}.{ext}" for ext in ("key", "csr", "crt"))
    _key(key)
    _openssl("req", "-new", "-key", str(key), "-subj", _subject(identity), "-out", str(csr))
    ext = pki / f"{identity.name}.ext"
    lines = [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        f"extendedKeyUsage={usage}",
    ]
    if alt_names:
        lines.append("subjectAltName=" + ",".join(alt_names))
    ext.write_text("\n".join(lines) + "\n")
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(pki / f"{ca}.crt"), "-CAkey",
        str(pki / f"{ca}.key"), "-CAcreateserial", "-days", DAYS, "-sha256",
        "-extfile", str(ext), "-out", str(crt),
    )  # fmt: skip
    csr.unlink()
    ext.unlink()


def _ca(pki: Path, name: str = "ca", subject: str = "todo-cluster-ca") -> None:
    _key(pki / f"{name}.key")
    _openssl(
        "req", "-x509", "-new", "-key", str(pki / f"{name}.key"), "-subj", f"/CN={subject}",
        "-days", DAYS, "-sha256", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", str(pki / f"{name}.crt"),
    )  # fmt: skip


def _service_account_keys(pki: Path) -> None:
    _key(pki / "sa.key")
    _openssl("pkey", "-in", str(pki / "sa.key"), "-pubout", "-out", str(pki / "sa.pub"))


def ensure(layout: Layout) -> None:
    """Everything is made in a fresh folder and renamed into place: never half a PKI."""
    pki = layout.pki_dir
    if not (pki / "ca.crt").exists():
        tmp = pki.with_name("pki.partial")
        subprocess.run(["rm", "-rf", str(tmp)], check=False)
        tmp.mkdir(parents=True)
        _ca(tmp)
        _service_account_keys(tmp)
        _sign(tmp, Identity("apiserver", "kube-apiserver"), "serverAuth", API_SERVER_NAMES)
        for identity in CLIENTS:
            _sign(tmp, identity, "clientAuth")
        tmp.rename(pki)
    for identity in CLIENTS:  # a client added since the PKI was made (kube-router)
        if not (pki / f"{identity.name}.crt").exists():
            _sign(pki, identity, "clientAuth")
    if not (pki / "front-proxy-client.crt").exists():  # also for a PKI made before it was
        _ca(pki, "front-proxy-ca", "todo-front-proxy-ca")
        _sign(pki, FRONT_PROXY_CLIENT, "clientAuth", ca="front-proxy-ca")
    _write_kubeconfigs(layout)


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def kubeconfig(layout: Layout, user: str) -> dict[str, object]:
    pki = layout.pki_dir
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "todo",
                "cluster": {
                    "server": layout.api_url,
                    "certificate-authority-data": _b64(pki / "ca.crt"),
                },
            }
        ],
        "users": [
            {
                "name": user,
                "user": {
                    "client-certificate-data": _b64(pki / f"{user}.crt"),
                    "client-key-data": _b64(pki / f"{user}.key"),
                },
            }
        ],
        "contexts": [{"name": "todo", "context": {"cluster": "todo", "user": user}}],
        "current-context": "todo",
    }


def _write(path: Path, config: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)


def _write_kubeconfigs(layout: Layout) -> None:
    for identity in CLIENTS:
        if identity.name != "apiserver-kubelet-client":
            _write(layout.kubeconfig(identity.name), kubeconfig(layout, identity.name))
    _write(layout.admin_kubeconfig, kubeconfig(layout, "admin"))


# --- the services beside the cluster (registry, and the cloud-shaped Kafka and PostgreSQL) --
# Their CA is not the cluster's: in the cloud, GHCR's, Redpanda's and Neon's certificates
# have nothing to do with the cluster's own CA either.


def service_ca_dir(layout: Layout) -> Path:
    return layout.root / "services-pki"


def service_ca_file(layout: Layout) -> Path:
    return service_ca_dir(layout) / "ca.crt"


def service_ca(layout: Layout) -> tuple[Path, Path]:
    """The services' CA certificate and key (made on first use)."""
    pki = service_ca_dir(layout)
    pki.mkdir(parents=True, exist_ok=True)
    if not (pki / "ca.crt").exists():
        _ca(pki, subject="todo-services-ca")
    return pki / "ca.crt", pki / "ca.key"


def service_cert(layout: Layout, name: str, alt_names: tuple[str, ...]) -> tuple[Path, Path]:
    """A server certificate for `name` from the services' CA (made on first use)."""
    service_ca(layout)
    pki = service_ca_dir(layout)
    crt, key = pki / f"{name}.crt", pki / f"{name}.key"
    if not crt.exists() or not key.exists():
        _sign(pki, Identity(name, name), "serverAuth", alt_names)
    return crt, key
