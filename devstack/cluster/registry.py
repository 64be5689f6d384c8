"""The release rehearsal's image registry, standing in for GHCR: the CNCF distribution
registry on the host's end of the node's link, outside the cluster as GHCR is.

It serves TLS with a certificate from our own CA (not the cluster's: the registry's CA has
nothing to do with the cluster's, in the cloud either) and asks for a login (htpasswd,
bcrypt). buildah pushes the app images to it; containerd on the node trusts the CA through
its registry host configuration (certs.d/<host>/hosts.toml) and logs in with the image pull
secret the chart names. No `ctr import` for the app images on this path.
"""

import secrets
import subprocess
import time
from pathlib import Path

import yaml

from devstack import processes
from devstack.cluster import build, pki
from devstack.cluster.images import buildah, buildah_env
from devstack.cluster.layout import HOST_IP, Layout
from devstack.config import made_once
from devstack.errors import StackError
from devstack.progress import say

PORT = 5443
ADDRESS = f"{HOST_IP}:{PORT}"
USER = "todo-release"
NAME = "registry"
PULL_SECRET = "todo-registry"  # noqa: S105 (the Secret's name)
REPOSITORY_PREFIX = "todo-platform"


def root(layout: Layout) -> Path:
    return layout.root / "registry"


def ca_file(layout: Layout) -> Path:
    return pki.service_ca_file(layout)


def password(layout: Layout) -> str:
    """Kept beside the registry's data, like a token in a CI secret."""
    return made_once(root(layout) / "password", lambda: secrets.token_hex(16))


def _config(layout: Layout, cert: Path, key: Path) -> dict[str, object]:
    base = root(layout)
    return {
        "version": 0.1,
        "log": {"level": "info", "formatter": "text"},
        "storage": {
            "filesystem": {"rootdirectory": str(base / "data")},
            "delete": {"enabled": True},
        },
        "http": {
            "addr": ADDRESS,
            "secret": secrets.token_hex(16),
            "tls": {"certificate": str(cert), "key": str(key)},
        },
        "auth": {"htpasswd": {"realm": "todo-registry", "path": str(base / "htpasswd")}},
    }


def _write_files(layout: Layout, binaries: Path) -> Path:
    base = root(layout)
    base.mkdir(parents=True, exist_ok=True)
    cert, key = pki.service_cert(layout, "registry", (f"IP:{HOST_IP}",))
    proc = subprocess.run(
        [str(binaries / "htpasswd"), USER], input=password(layout) + "\n",
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise StackError(f"htpasswd failed: {proc.stderr.strip()}")
    (base / "htpasswd").write_text(proc.stdout)
    (base / "htpasswd").chmod(0o600)
    config = base / "config.yml"
    config.write_text(yaml.safe_dump(_config(layout, cert, key), sort_keys=False))
    config.chmod(0o600)
    return config


def healthy(layout: Layout) -> bool:
    """/v2/ answers 401 to an anonymous client once the registry serves TLS with our cert."""
    argv = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3",
            "--cacert", str(ca_file(layout)), f"https://{ADDRESS}/v2/"]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    return proc.stdout.strip() == "401"


def ensure_running(layout: Layout) -> None:
    if processes.read_pid(layout.run_dir, NAME) is not None and healthy(layout):
        return
    binaries = build.ensure_registry()
    config = _write_files(layout, binaries)
    hosts = layout.containerd_dir / "certs.d" / ADDRESS / "hosts.toml"
    hosts.parent.mkdir(parents=True, exist_ok=True)
    hosts.write_text(hosts_toml(layout))
    processes.spawn(
        NAME,
        [str(binaries / "registry"), "serve", str(config)],
        run_dir=layout.run_dir,
        log_file=layout.log_dir / f"{NAME}.log",
        # Its tracing exporter would otherwise try an OTLP endpoint that is not there.
        env={"PATH": "/usr/bin:/bin", "OTEL_TRACES_EXPORTER": "none"},
    )
    log = layout.log_dir / f"{NAME}.log"
    took = processes.wait_healthy(NAME, layout.run_dir, log, lambda: healthy(layout), 30)
    say(f"registry: serving https://{ADDRESS} ({took:.1f}s)")


def stop(layout: Layout) -> None:
    processes.stop(layout.run_dir, NAME, timeout=10)


def hosts_toml(layout: Layout) -> str:
    """containerd's host configuration for the registry: pull and resolve over TLS with our
    CA. Credentials are not here: the kubelet passes the pull secret's with each pull."""
    return (
        f'server = "https://{ADDRESS}"\n\n'
        f'[host."https://{ADDRESS}"]\n'
        '  capabilities = ["pull", "resolve"]\n'
        f'  ca = "{ca_file(layout)}"\n'
    )


def image_ref(name: str, tag: str) -> str:
    return f"{ADDRESS}/{REPOSITORY_PREFIX}/{name}:{tag}"


def push(layout: Layout, local_ref: str, name: str, tag: str) -> str:
    """Push one image from buildah's storage; a registry that cannot be reached fails here,
    before anything is deployed."""
    target = image_ref(name, tag)
    # Only the CA: buildah reads every *.key in --cert-dir as half of a client certificate.
    certs = root(layout) / "client-certs"
    certs.mkdir(parents=True, exist_ok=True)
    (certs / "ca.crt").write_bytes(ca_file(layout).read_bytes())
    argv = buildah(
        "push", "--cert-dir", str(certs), "--creds", f"{USER}:{password(layout)}",
        "--retry", "2", local_ref, f"docker://{target}",
    )  # fmt: skip
    say(f"pushing {name}:{tag} to {ADDRESS} ...")
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, env=buildah_env(), check=False)
    if proc.returncode != 0:
        # buildah's last line carries the cause (connection refused, unauthorized, …).
        lines = (proc.stderr or proc.stdout).strip().splitlines() or ["no output"]
        raise StackError(f"could not push {name}:{tag} to the registry {ADDRESS}: {lines[-1]}")
    say(f"pushed {name}:{tag} in {time.monotonic() - started:.0f}s")
    return target


def pull_secret_manifest(layout: Layout, namespace: str) -> dict[str, object]:
    import base64
    import json

    auth = base64.b64encode(f"{USER}:{password(layout)}".encode()).decode()
    config = {"auths": {ADDRESS: {"username": USER, "password": password(layout), "auth": auth}}}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/dockerconfigjson",
        "metadata": {"name": PULL_SECRET, "namespace": namespace},
        "data": {".dockerconfigjson": base64.b64encode(json.dumps(config).encode()).decode()},
    }
