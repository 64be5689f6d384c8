"""The chart's optional observability block (issue 24): off by default; on, it exports traces
from daprd and the apps, lets Prometheus scrape the apps and the sidecars (annotations or a
PodMonitor), ships the promises as alert rules and the dashboards as ConfigMaps for Grafana's
sidecar. The Prometheus Operator's CRD schemas are not available offline, so kubeconform
checks every other resource and these tests check the two operator kinds' shape."""

import json
from pathlib import Path

import pytest
import yaml
from chart_helpers import CHART, documents, find, pod_specs

ON = [
    "--set", "observability.enabled=true",
    "--set", "observability.tracing.zipkinEndpoint=http://zipkin.monitoring:9411/api/v2/spans",
    "--set-string", "observability.tracing.samplingRate=1",
    "--set", "observability.podMonitor.enabled=true",
    "--set", "observability.podMonitor.labels.release=kps",
    "--set", "observability.prometheusRule.enabled=true",
    "--set", "observability.dashboards.enabled=true",
]  # fmt: skip
OPERATOR_KINDS = {"PodMonitor", "PrometheusRule"}
ZIPKIN = "http://zipkin.monitoring:9411/api/v2/spans"


def _env(pod: dict) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in pod["spec"]["containers"][0].get("env", [])}


@pytest.mark.parametrize("values_file", [None, "values-local.yaml", "values-cloud.yaml"])
def test_off_by_default(render, values_file):
    docs = documents(render(values_file))
    assert not [d for d in docs if d["kind"] in OPERATOR_KINDS]
    assert not [d for d in docs if "grafana_dashboard" in d["metadata"].get("labels", {})]
    for name, pod in pod_specs(docs).items():
        assert "TRACING_ENDPOINT" not in _env(pod), name
        assert "prometheus.io/scrape" not in pod["metadata"].get("annotations", {}), name
    tracing = find(docs, "Configuration", "todo-config")["spec"]["tracing"]
    assert tracing == {"samplingRate": "0"}


def test_lint_and_kubeconform_with_everything_on(helm, render, kubeconform):
    proc = helm("lint", "--strict", str(CHART), *ON)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = kubeconform("-skip", ",".join(sorted(OPERATOR_KINDS)), stdin=render(None, *ON))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Invalid: 0, Errors: 0" in proc.stdout, proc.stdout


def test_daprd_and_the_apps_export_to_the_same_trace_store(render):
    docs = documents(render(None, *ON))
    tracing = find(docs, "Configuration", "todo-config")["spec"]["tracing"]
    assert tracing == {"samplingRate": "1", "zipkin": {"endpointAddress": ZIPKIN}}
    for name in ("todo-web", "todo-worker"):
        pod = find(docs, "Deployment", name)["spec"]["template"]
        env = _env(pod)
        assert (env["TRACING_ENDPOINT"], env["TRACING_SAMPLING_RATE"]) == (ZIPKIN, "1"), name


def test_scrapes_reach_each_app_and_sidecar(render):
    docs = documents(render(None, *ON))
    monitor = find(docs, "PodMonitor", "todo")
    assert monitor["metadata"]["labels"]["release"] == "kps"
    selector = monitor["spec"]["selector"]["matchLabels"]
    endpoints = {e["port"]: e["path"] for e in monitor["spec"]["podMetricsEndpoints"]}
    # daprd's metrics port, as Dapr's injector names it, at its root path.
    assert endpoints.pop("dapr-metrics") == "/"
    metrics_ports = {"todo-web": "http", "todo-worker": "health"}
    for name, port_name in metrics_ports.items():
        pod = find(docs, "Deployment", name)["spec"]["template"]
        assert selector.items() <= pod["metadata"]["labels"].items(), name
        ports = {p["name"]: p["containerPort"] for p in pod["spec"]["containers"][0]["ports"]}
        assert endpoints[port_name] == "/metrics", name
        ann = pod["metadata"]["annotations"]
        assert ann["prometheus.io/port"] == str(ports[port_name]), name
        assert ann["prometheus.io/path"] == "/metrics"


def test_alert_rules_are_the_promises(render):
    docs = documents(render(None, *ON))
    rules = find(docs, "PrometheusRule", "todo")["spec"]["groups"][0]["rules"]
    by_name = {r["alert"]: r for r in rules}
    assert set(by_name) == {
        "TodoReminderLatenessP99High",
        "TodoDeadLetters",
        "TodoOutboxStuck",
        "TodoSidecarNotReady",
    }
    assert "> 10" in by_name["TodoReminderLatenessP99High"]["expr"]
    assert "> 60" in by_name["TodoOutboxStuck"]["expr"]
    # The release's own pods, whatever the release is called.
    assert 'pod=~"todo-.+"' in by_name["TodoSidecarNotReady"]["expr"]
    for rule in rules:
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]


def test_dashboards_are_configmaps_grafana_finds(render):
    docs = documents(render(None, *ON))
    maps = [d for d in docs if d["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
    files = {name: json.loads(text) for m in maps for name, text in m["data"].items()}
    shipped = {p.name for p in (CHART / "dashboards").glob("*.json")}
    assert set(files) == shipped and "todo.json" in shipped
    ours = files["todo.json"]
    exprs = " ".join(t["expr"] for p in ours["panels"] for t in p["targets"])
    for metric in (
        "todo_outbox_publish_delay_seconds_bucket",
        "todo_reminder_lateness_seconds_bucket",
        "dapr_scheduler_jobs_triggered_total",
        "dapr_component_job_failure_count",
        "todo_next_occurrence_latency_seconds_bucket",
        "dapr_component_state_latencies_bucket",
        "todo_http_requests_total",
        "todo_dead_lettered_total",
    ):
        assert metric in exprs, metric


@pytest.mark.parametrize(
    ("setting", "field"),
    [
        ("observability.tracing.samplingRate=2", "samplingRate"),
        ("observability.tracing.zipkinEndpoint=zipkin:9411", "zipkinEndpoint"),
        ("observability.podMonitor.interval=often", "interval"),
        ("observability.dashbords.enabled=true", "dashbords"),
    ],
)
def test_the_schema_refuses_bad_values(helm, setting, field):
    proc = helm("template", "todo", str(CHART), "--set", "observability.enabled=true",
                "--set", setting)  # fmt: skip
    assert proc.returncode != 0 and field in proc.stderr, proc.stderr


def test_alerts_file_is_what_the_rule_renders(render):
    alerts = yaml.safe_load((CHART / "alerts.yaml").read_text())
    rules = find(documents(render(None, *ON)), "PrometheusRule", "todo")["spec"]["groups"][0]
    rendered = {r["alert"]: r["expr"] for r in rules["rules"]}
    assert {k: v["expr"].replace("RELEASE", "todo") for k, v in alerts.items()} == rendered


def test_dapr_dashboards_are_daprs_own():
    """Copied unchanged from the pinned Dapr module (dashboards/README.md says whence)."""
    readme = (CHART / "dashboards" / "README.md").read_text()
    assert "v1.18.3" in readme and "Apache License 2.0" in readme
    assert Path(CHART / "dashboards" / "dapr-sidecar.json").stat().st_size > 1000
