"""Fetch or build every runtime part at its pinned version, once, into the cache.

Each step is idempotent: a part is rebuilt only when its pin (go.mod, pom.xml, version)
changes, which the name of its cache folder records.
"""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from devstack import deploytools, observability, versions
from devstack.cluster import build as cluster_build
from devstack.config import REPO_ROOT, cache_dir
from devstack.errors import StackError, require
from devstack.progress import run, say

# daprd's components: the stable ones; the Conversation API's echo (alpha), which the
# assistant's tests use to prove the optional model's plumbing through a real sidecar; and
# the OpenAI-compatible conversation component (OpenAI, Azure OpenAI, local servers), which
# Dapr 1.18 ships only under `allcomponents`: devstack/daprd/conversation_openai.go
# registers it under its own tag.
DAPRD_TAGS = "stablecomponents,conversation_echo,conversation_openai,devstack_backoff"

PG_BIN = Path(f"/usr/lib/postgresql/{versions.POSTGRES_MAJOR}/bin")


def _digest(*files: Path) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def dapr_dir() -> Path:
    mod = REPO_ROOT / "devstack" / "daprd"
    tags = hashlib.sha256(DAPRD_TAGS.encode()).hexdigest()[:6]
    modules = _digest(mod / "go.mod", mod / "go.sum", *sorted(mod.glob("*.go")))
    return cache_dir() / f"dapr-{versions.DAPR_RUNTIME}-{modules}-{tags}"


def ensure_dapr() -> Path:
    """daprd (DAPRD_TAGS) and the scheduler, built from the pinned Dapr Go module."""
    target = dapr_dir()
    if (target / "daprd").exists() and (target / "scheduler").exists():
        return target
    go = require("go", "install Go 1.26.6 or newer (the Dapr module needs it)")
    env = {
        **os.environ,
        "GOMODCACHE": str(cache_dir() / "gomod"),
        "GOCACHE": os.environ.get("GOCACHE", str(cache_dir() / "gocache")),
        "GOFLAGS": "-modcacherw",
        "CGO_ENABLED": "0",
    }
    tmp = target.with_suffix(".partial")
    tmp.mkdir(parents=True, exist_ok=True)
    hint = "Is the Go module proxy reachable? (GOPROXY)"
    mod = REPO_ROOT / "devstack" / "daprd"
    flags = ["-trimpath", "-ldflags", "-s -w", "-v"]
    run(
        f"building daprd {versions.DAPR_RUNTIME} (first time: about 5-15 minutes)",
        [
            go,
            "build",
            "-tags",
            DAPRD_TAGS,
            *flags,
            "-o",
            str(tmp / "daprd"),
            ".",  # devstack/daprd: Dapr's cmd/daprd, with our backoff ceiling (the tag)
        ],
        env=env,
        cwd=mod,
        hint=hint,
    )
    run(
        f"building the Dapr scheduler {versions.DAPR_RUNTIME}",
        [go, "build", *flags, "-o", str(tmp / "scheduler"), "github.com/dapr/dapr/cmd/scheduler"],
        env=env,
        cwd=mod,
        hint=hint,
    )
    tmp.rename(target)
    return target


def kafka_dir() -> Path:
    pom = REPO_ROOT / "devstack" / "kafka" / "pom.xml"
    return cache_dir() / f"kafka-{versions.KAFKA}-{_digest(pom)}"


def ensure_kafka() -> Path:
    """The Kafka broker's jars, resolved by Maven from Maven Central."""
    target = kafka_dir()
    if (target / "libs").is_dir():
        return target
    require("java", "install a JDK 17 or newer (Kafka 4 needs it)")
    mvn = require("mvn", "install Apache Maven")
    tmp = target.with_suffix(".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    run(
        f"fetching Apache Kafka {versions.KAFKA} from Maven Central",
        [
            mvn,
            "-B",
            "-f",
            str(REPO_ROOT / "devstack" / "kafka" / "pom.xml"),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={tmp / 'libs'}",
            f"-Dmaven.repo.local={cache_dir() / 'm2'}",
        ],
        hint="Is Maven Central reachable?",
    )
    tmp.rename(target)
    return target


def bun_dir() -> Path:
    return cache_dir() / f"bun-{versions.BUN}"


def ensure_bun() -> Path:
    """bun from the npm registry; Reflex builds its frontend with it (REFLEX_USE_SYSTEM_BUN)."""
    target = bun_dir()
    binary = target / "node_modules" / ".bin" / "bun"
    if binary.exists():
        return binary.parent
    npm = require("npm", "install Node.js with npm")
    run(
        f"fetching bun {versions.BUN} from the npm registry",
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(target), f"bun@{versions.BUN}"],
        hint="Is the npm registry reachable?",
    )
    if not binary.exists():
        raise StackError(f"bun {versions.BUN} installed but {binary} is missing")
    return binary.parent


def axe_script() -> Path:
    return (
        cache_dir() / f"axe-core-{versions.AXE_CORE}" / "node_modules" / "axe-core" / "axe.min.js"
    )


def ensure_axe() -> Path:
    """axe-core from the npm registry: the e2e tests inject it into pages to audit them."""
    script = axe_script()
    if script.exists():
        return script
    npm = require("npm", "install Node.js with npm")
    target = script.parents[2]
    run(
        f"fetching axe-core {versions.AXE_CORE} from the npm registry",
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(target),
         f"axe-core@{versions.AXE_CORE}"],
        hint="Is the npm registry reachable?",
    )  # fmt: skip
    if not script.exists():
        raise StackError(f"axe-core {versions.AXE_CORE} installed but {script} is missing")
    return script


def ensure_postgres() -> Path:
    """Debian's PostgreSQL server binaries (installed with apt-get when missing and root)."""
    if (PG_BIN / "postgres").exists():
        return PG_BIN
    apt_install(f"postgresql-{versions.POSTGRES_MAJOR}", "postgresql-contrib")
    if not (PG_BIN / "postgres").exists():
        raise StackError(f"PostgreSQL server binaries not found in {PG_BIN}")
    return PG_BIN


def ensure_redis() -> Path:
    """Debian's Redis server (installed with apt-get when missing and root)."""
    path = Path("/usr/bin/redis-server")
    if not path.exists():
        apt_install("redis-server")
    if not path.exists():
        raise StackError(f"Redis server binary not found at {path}")
    return path


def ensure_chromium() -> Path:
    """Debian's Chromium, for Playwright (its own browser download cannot work here), and
    NSS's certutil, with which the HTTPS tests make the browser trust the cluster's CA as a
    person would (a certificate database in the browser's home, not an ignore-errors flag)."""
    path = Path("/usr/bin/chromium")
    if not path.exists() or not Path("/usr/bin/certutil").exists():
        apt_install("chromium", "libnss3-tools")
    return path


def apt_install(*packages: str) -> None:
    if os.geteuid() != 0:
        raise StackError(
            f"missing Debian packages; run: sudo apt-get install -y {' '.join(packages)}"
        )
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(
        "apt-get update",
        ["apt-get", "update", "-q"],
        env=apt_env,
        hint="Are Debian's package mirrors reachable?",
    )
    run(
        f"installing {' '.join(packages)}",
        ["apt-get", "install", "-y", "-q", *packages],
        env=apt_env,
        hint="Are Debian's package mirrors reachable?",
    )


def ensure_deploytools() -> None:
    """helm, kubeconform, actionlint and their schemas, which tests/deploy use (never build)."""
    deploytools.ensure_all()


def ensure_cluster() -> None:
    """Every binary and image of the local Kubernetes cluster (long the first time)."""
    # Imported here: the image builds need buildah and root, which only the cluster does.
    from devstack.cluster import images

    cluster_build.ensure_all()
    images.ensure_images()


STEPS = {
    "postgres": ensure_postgres,
    "redis": ensure_redis,
    "kafka": ensure_kafka,
    "dapr": ensure_dapr,
    "bun": ensure_bun,
    "observability": observability.ensure_all,
    "chromium": ensure_chromium,
    "axe": ensure_axe,
    "deploytools": ensure_deploytools,
    "cluster": ensure_cluster,
}


def ensure_all(browser: bool = False, deploy_tools: bool = True, cluster: bool = False) -> None:
    """Every part the local stack and the test suite use; the cluster's only when asked."""
    ensure_postgres()
    ensure_redis()
    ensure_kafka()
    ensure_dapr()
    ensure_bun()
    observability.ensure_all()
    if deploy_tools:
        ensure_deploytools()
    if browser:
        ensure_chromium()
        ensure_axe()
    if cluster:
        ensure_cluster()
    say("all runtime parts are provisioned")


def versions_report() -> dict[str, str]:
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    return {
        "dapr": versions.DAPR_RUNTIME,
        "kafka": versions.KAFKA,
        "postgres": versions.POSTGRES_MAJOR,
        "bun": versions.BUN,
        "axe-core": versions.AXE_CORE,
        "java": java.splitlines()[0] if java else "?",
    }
