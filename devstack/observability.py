"""The trace store and the metrics store of the local stack (issue 24).

Zipkin's server (one exec jar from Maven Central, its UI included; Java is already here for
Kafka): daprd exports Zipkin natively and the apps use OpenTelemetry's Zipkin exporter, so
no collector sits in between. VictoriaMetrics single-node, built from its Go module (its UI
is committed and embedded): it scrapes the apps' /metrics, the sidecars' and the
scheduler's metrics ports with a Prometheus scrape configuration, and answers PromQL.
Measured on this 2-core machine, cold: the jar ~17 s, the build ~37 s; running, Zipkin
~190 MB and VictoriaMetrics ~40 MB (TODO_OBSERVABILITY=0 leaves both out).
"""

import os
import shutil
from pathlib import Path
from typing import Any

import yaml

from devstack import versions
from devstack.config import MAX_WORKER_REPLICAS, REPO_ROOT, StackConfig, cache_dir, worker_prefix
from devstack.errors import StackError, require
from devstack.progress import run

DAPR_CONFIG = REPO_ROOT / "deploy" / "dapr" / "config.yaml"
PARTS = ("zipkin", "victoriametrics")
# Scraped this often: a test (and a person) sees a fired reminder in seconds.
SCRAPE_INTERVAL = "5s"


# --- provisioning -------------------------------------------------------------------------


def zipkin_jar() -> Path:
    return cache_dir() / f"zipkin-{versions.ZIPKIN}" / f"zipkin-server-{versions.ZIPKIN}-exec.jar"


def ensure_zipkin() -> Path:
    """Zipkin's server, its exec jar fetched by Maven (checksums checked) from Maven Central."""
    jar = zipkin_jar()
    if jar.exists():
        return jar
    mvn = require("mvn", "install Apache Maven")
    run(
        f"fetching Zipkin {versions.ZIPKIN} from Maven Central",
        [
            mvn,
            "-B",
            "-q",
            "dependency:copy",
            f"-Dartifact=io.zipkin:zipkin-server:{versions.ZIPKIN}:jar:exec",
            f"-DoutputDirectory={jar.parent}",
            f"-Dmaven.repo.local={cache_dir() / 'm2'}",
        ],
        hint="Is Maven Central reachable?",
    )
    if not jar.exists():
        raise StackError(f"Zipkin {versions.ZIPKIN} fetched but {jar} is missing")
    return jar


def victoriametrics_binary() -> Path:
    return cache_dir() / f"victoriametrics-{versions.VICTORIAMETRICS}" / "victoria-metrics"


def ensure_victoriametrics() -> Path:
    """VictoriaMetrics single-node, built from its pinned Go module (UI embedded)."""
    binary = victoriametrics_binary()
    if binary.exists():
        return binary
    go = require("go", "install Go 1.26 or newer")
    tmp = binary.parent.with_suffix(".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    module = "github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics"
    run(
        f"building VictoriaMetrics {versions.VICTORIAMETRICS} (first time: about a minute)",
        [
            go,
            "install",
            "-trimpath",
            "-ldflags",
            "-s -w",
            "-v",
            f"{module}@{versions.VICTORIAMETRICS}",
        ],
        env={
            **os.environ,
            "GOBIN": str(tmp),
            "GOMODCACHE": str(cache_dir() / "gomod"),
            "GOCACHE": os.environ.get("GOCACHE", str(cache_dir() / "gocache")),
            "GOFLAGS": "-modcacherw",
            "CGO_ENABLED": "0",
        },
        hint="Is the Go module proxy reachable? (GOPROXY)",
    )
    tmp.rename(binary.parent)
    return binary


def ensure_all() -> None:
    ensure_zipkin()
    ensure_victoriametrics()


# --- the running parts --------------------------------------------------------------------


def zipkin_url(cfg: StackConfig) -> str:
    return f"http://127.0.0.1:{cfg.port('TODO_ZIPKIN_PORT')}"


def metrics_url(cfg: StackConfig) -> str:
    return f"http://127.0.0.1:{cfg.port('TODO_METRICS_PORT')}"


def zipkin_argv(cfg: StackConfig) -> list[str]:
    return zipkin_command("127.0.0.1", cfg.port("TODO_ZIPKIN_PORT"))


def zipkin_command(ip: str, port: int) -> list[str]:
    """Zipkin on `ip:port` only (QUERY_PORT alone binds every address)."""
    java = require("java", "install a JDK 17 or newer")
    return [
        java,
        # In-memory storage of at most MEM_MAX_SPANS spans (50,000, about 100 MB: at
        # 200,000 the heap filled during `make test` and /health stalled in GC), and the
        # serial collector keeps a mostly idle JVM small.
        "-Xms32m",
        "-Xmx256m",
        "-XX:+UseSerialGC",
        f"-Darmeria.ports[0].ip={ip}",
        f"-Darmeria.ports[0].port={port}",
        "-Darmeria.ports[0].protocols[0]=http",
        "-jar",
        str(ensure_zipkin()),
    ]


def zipkin_env(cfg: StackConfig) -> dict[str, str]:
    return zipkin_environment(cfg.port("TODO_ZIPKIN_PORT"))


def zipkin_environment(port: int) -> dict[str, str]:
    return {**os.environ, "QUERY_PORT": str(port), "STORAGE_TYPE": "mem", "MEM_MAX_SPANS": "50000"}


def victoriametrics_argv(cfg: StackConfig) -> list[str]:
    address = f"127.0.0.1:{cfg.port('TODO_METRICS_PORT')}"
    return victoriametrics_command(address, cfg.data_dir / "victoriametrics", scrape_config(cfg))


def victoriametrics_command(address: str, data: Path, scrape: dict[str, object]) -> list[str]:
    data.mkdir(parents=True, exist_ok=True)
    config = data / "scrape.yaml"
    config.write_text(yaml.safe_dump(scrape, sort_keys=False))
    return [
        str(ensure_victoriametrics()),
        f"-httpListenAddr={address}",
        f"-storageDataPath={data / 'data'}",
        "-retentionPeriod=7d",
        f"-promscrape.config={config}",
        # A developer's laptop: the default takes 60 % of the machine's memory for caches.
        "-memory.allowedBytes=256MiB",
    ]


def scrape_config(cfg: StackConfig) -> dict[str, Any]:
    """Every metrics endpoint of the stack, each replica that may run included (a stopped
    one is simply `up == 0`)."""
    replicas = range(1, MAX_WORKER_REPLICAS + 1)
    sidecars = ["TODO_WEB"] + [worker_prefix(k) for k in replicas]

    def job(name: str, ports: list[int], path: str = "/metrics") -> dict[str, object]:
        targets = [f"127.0.0.1:{p}" for p in ports]
        return {"job_name": name, "metrics_path": path, "static_configs": [{"targets": targets}]}

    return {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "external_labels": {"stack": cfg.name}},
        "scrape_configs": [
            job("todo-web", [cfg.port("TODO_WEB_PORT")]),
            job("todo-worker", [cfg.port(f"{worker_prefix(k)}_HEALTH_PORT") for k in replicas]),
            job("daprd", [cfg.port(f"{p}_DAPR_METRICS_PORT") for p in sidecars]),
            job("dapr-scheduler", [cfg.port("TODO_SCHEDULER_METRICS_PORT")]),
        ],
    }


def dapr_config(cfg: StackConfig) -> Path:
    """The one Configuration (deploy/dapr/config.yaml), with this stack's tracing: on and
    exporting to its Zipkin when observability is on, as written there otherwise."""
    doc = yaml.safe_load(DAPR_CONFIG.read_text())
    if cfg.observability:
        doc["spec"]["tracing"] = {
            "samplingRate": str(cfg.tracing_sampling_rate),
            "zipkin": {"endpointAddress": f"{zipkin_url(cfg)}/api/v2/spans"},
        }
    path = cfg.data_dir / "dapr" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def app_env(cfg: StackConfig) -> dict[str, str]:
    """What the apps need to export their spans (nothing when observability is off)."""
    if not cfg.observability:
        return {"TRACING_ENDPOINT": ""}
    return {
        "TRACING_ENDPOINT": f"{zipkin_url(cfg)}/api/v2/spans",
        "TRACING_SAMPLING_RATE": str(cfg.tracing_sampling_rate),
    }


def urls(cfg: StackConfig) -> dict[str, str]:
    """Where a person looks: the trace UI and the metrics UI (vmui)."""
    if not cfg.observability:
        return {}
    return {"traces": f"{zipkin_url(cfg)}/zipkin/", "metrics": f"{metrics_url(cfg)}/vmui/"}
