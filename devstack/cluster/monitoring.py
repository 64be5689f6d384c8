"""A trace store and a metrics store beside the local cluster, as an operator's monitoring
stack is beside the app: Zipkin and VictoriaMetrics (the devstack's own builds) on the
host's end of the node's link, where pods reach them. VictoriaMetrics finds the pods
through the Kubernetes API, as Prometheus does: the apps' /metrics by the chart's
`prometheus.io/*` annotations (observability.scrapeAnnotations) and the sidecars by their
`dapr-metrics` port (what the chart's PodMonitor selects).

    start(layout) ... helm --set observability.enabled=true,
    observability.tracing.zipkinEndpoint=<ZIPKIN_SPANS> ... stop(layout)
"""

from pathlib import Path

from devstack import observability, parts, processes
from devstack.cluster.layout import HOST_IP, Layout

ZIPKIN_PORT = 9411
METRICS_PORT = 8428
ZIPKIN_URL = f"http://{HOST_IP}:{ZIPKIN_PORT}"
ZIPKIN_SPANS = f"{ZIPKIN_URL}/api/v2/spans"
METRICS_URL = f"http://{HOST_IP}:{METRICS_PORT}"
NAMES = ("cluster-zipkin", "cluster-metrics")
# VictoriaMetrics scrapes the pods from the host's end of the node's link, unmasqueraded:
# the chart's NetworkPolicies let metrics in only from observability.scrapers, so a release
# scraped from here names this address there.
SCRAPER_CIDR = f"{HOST_IP}/32"


def scrape_config(kubeconfig: Path, namespace: str) -> dict[str, object]:
    sd = [{"role": "pod", "kubeconfig_file": str(kubeconfig),
           "namespaces": {"names": [namespace]}}]  # fmt: skip
    annotation = "__meta_kubernetes_pod_annotation_prometheus_io_"
    apps = {
        "job_name": "apps",
        "kubernetes_sd_configs": sd,
        "relabel_configs": [
            {"source_labels": [f"{annotation}scrape"], "regex": "true", "action": "keep"},
            # One target a pod: its IP with the annotated port.
            {
                "source_labels": ["__meta_kubernetes_pod_ip", f"{annotation}port"],
                "separator": ":",
                "target_label": "__address__",
            },
            {
                "source_labels": ["__meta_kubernetes_pod_container_port_name"],
                "regex": "dapr-metrics",
                "action": "drop",
            },
            {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
        ],  # fmt: skip
    }
    sidecars = {
        "job_name": "daprd",
        "kubernetes_sd_configs": sd,
        "relabel_configs": [
            {
                "source_labels": ["__meta_kubernetes_pod_container_port_name"],
                "regex": "dapr-metrics",
                "action": "keep",
            },
            {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
        ],  # fmt: skip
    }
    return {"global": {"scrape_interval": "5s"}, "scrape_configs": [apps, sidecars]}


def _wait(layout: Layout, name: str, url: str) -> None:
    log = layout.log_dir / f"{name}.log"
    processes.wait_healthy(name, layout.run_dir, log, lambda: parts._http_ok(url), 90)


def start(layout: Layout, namespace: str) -> None:
    root = layout.root / "monitoring"
    zipkin, metrics = NAMES
    if processes.read_pid(layout.run_dir, zipkin) is None:
        processes.spawn(
            zipkin, observability.zipkin_command(HOST_IP, ZIPKIN_PORT), run_dir=layout.run_dir,
            log_file=layout.log_dir / f"{zipkin}.log",
            env=observability.zipkin_environment(ZIPKIN_PORT),
        )  # fmt: skip
    if processes.read_pid(layout.run_dir, metrics) is None:
        scrape = scrape_config(layout.admin_kubeconfig, namespace)
        argv = observability.victoriametrics_command(f"{HOST_IP}:{METRICS_PORT}", root, scrape)
        processes.spawn(
            metrics, argv, run_dir=layout.run_dir, log_file=layout.log_dir / f"{metrics}.log"
        )
    _wait(layout, zipkin, f"{ZIPKIN_URL}/health")
    _wait(layout, metrics, f"{METRICS_URL}/health")


def stop(layout: Layout) -> None:
    for name in NAMES:
        processes.stop(layout.run_dir, name, timeout=15)
