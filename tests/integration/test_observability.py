"""Issue 24, done when: one trace from the API request to the worker's handling, read from the
trace store's own query API (Zipkin); the firing of the reminder in a trace linked to the
arming; the reminder-lateness histogram and the sidecars' `dapr_` metrics read from the
metrics store's query API (VictoriaMetrics, PromQL).

The client starts the trace itself (a W3C traceparent header on the create request), so the
test knows the trace id to ask for and no other test's traffic can be mistaken for it.
"""

import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
import yaml

from devstack import observability
from devstack.config import REPO_ROOT, StackConfig

from .api_client import sign_up

pytestmark = pytest.mark.integration

T = TypeVar("T")
# A reminder set at a whole minute fires within ~75 s of the create; then the push, the
# span export (batched every 5 s) and a scrape (every 5 s).
FIRE_WAIT = 150.0


@dataclass(frozen=True)
class Fired:
    trace_id: str
    task_ids: list[str]
    lateness_count_before: float


def _wait(what: str, probe: Callable[[], T | None], timeout: float) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:.0f}s for {what}")
        time.sleep(1)


def _promql(stack: StackConfig, query: str) -> list[dict[str, Any]]:
    resp = httpx.get(
        f"{observability.metrics_url(stack)}/api/v1/query", params={"query": query}, timeout=10
    )
    resp.raise_for_status()
    return resp.json()["data"]["result"]


def _scalar(stack: StackConfig, query: str) -> float:
    result = _promql(stack, query)
    return float(result[0]["value"][1]) if result else 0.0


def _trace(stack: StackConfig, trace_id: str) -> list[dict[str, Any]]:
    resp = httpx.get(f"{observability.zipkin_url(stack)}/api/v2/trace/{trace_id}", timeout=10)
    return resp.json() if resp.status_code == 200 else []


def _next_minute(margin: timedelta) -> datetime:
    """The first whole minute at least `margin` ahead (the API takes minutes)."""
    at = datetime.now(UTC) + margin
    return at.replace(second=0, microsecond=0) + timedelta(minutes=1)


@pytest.fixture(scope="module")
def fired(stack: StackConfig) -> Fired:
    """Two tasks whose reminders fire at the next minute, the first created in a trace the
    client began; returns once both notifications are recorded."""
    if not stack.observability:
        pytest.fail("TODO_OBSERVABILITY=0: these tests need the trace and metrics stores")
    api = sign_up(stack, zone="UTC")
    before = _scalar(stack, "sum(todo_reminder_lateness_seconds_count)")
    remind_at = _next_minute(timedelta(seconds=20))
    trace_id = secrets.token_hex(16)
    task_ids = []
    for n in range(2):
        headers = {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"} if n == 0 else {}
        resp = api.post(
            "/api/tasks",
            json={
                "title": f"observed task {n}",
                "due": (remind_at + timedelta(hours=1)).isoformat(timespec="minutes")[:16],
                "reminder": {"kind": "at", "at": remind_at.isoformat(timespec="minutes")[:16]},
            },
            headers=headers,
        )
        assert resp.status_code == 201, resp.text
        task_ids.append(resp.json()["id"])

    def both_notified() -> bool | None:
        items = api.get("/api/notifications").json()
        items = items.get("items", items) if isinstance(items, dict) else items
        mine = {i["task_id"] for i in items} & set(task_ids)
        return True if len(mine) == 2 else None

    _wait("both reminders to fire", both_notified, FIRE_WAIT)
    return Fired(trace_id, task_ids, before)


def _span(spans: list[dict[str, Any]], service: str, name_part: str) -> dict[str, Any] | None:
    return next(
        (
            s
            for s in spans
            if s.get("localEndpoint", {}).get("serviceName") == service
            and name_part in s.get("name", "")
        ),
        None,
    )


def test_one_trace_from_the_api_to_the_worker(stack: StackConfig, fired: Fired) -> None:
    wanted = {
        "the API request": ("todo-web", "post /api/tasks"),
        "the outbox insert": ("todo-web", "insert"),
        "the relay's publish": ("todo-web", "outbox publish reminders"),
        "the web sidecar's produce": ("todo-web", "publishevent"),
        "the worker sidecar's consume": ("todo-worker", "pubsub/reminders"),
        "the worker's handling": ("todo-worker", "handle reminders reminder.scheduled"),
    }

    def complete() -> list[dict[str, Any]] | None:
        spans = [{**s, "name": s.get("name", "").lower()} for s in _trace(stack, fired.trace_id)]
        ok = all(_span(spans, svc, part) for svc, part in wanted.values())
        return spans if ok else None

    deadline = time.monotonic() + 30
    spans: list[dict[str, Any]] | None = None
    while spans is None and time.monotonic() < deadline:
        spans = complete()
        time.sleep(1)
    got = sorted(
        {f"{s['localEndpoint']['serviceName']}: {s['name']}" for s in _trace(stack, fired.trace_id)}
    )
    assert spans is not None, f"trace {fired.trace_id} lacks some of {wanted}; it has {got}"
    ids = {s["id"] for s in spans}
    handler = _span(spans, "todo-worker", "handle reminders")
    assert handler is not None and handler.get("parentId") in ids, "the handling is not joined"


def test_the_firing_is_linked_to_the_arming(stack: StackConfig, fired: Fired) -> None:
    def firing() -> list[dict[str, Any]] | None:
        resp = httpx.get(
            f"{observability.zipkin_url(stack)}/api/v2/traces",
            params={
                "serviceName": "todo-worker",
                "annotationQuery": f"todo.armed_by.trace_id={fired.trace_id}",
                "lookback": str(15 * 60 * 1000),
                "limit": "10",
            },
            timeout=10,
        )
        traces = resp.json() if resp.status_code == 200 else []
        return traces[0] if traces else None

    trace = _wait("the firing's trace", firing, 30)
    assert all(s["traceId"] != fired.trace_id for s in trace), "firing inside the arming trace"
    fire = next(s for s in trace if s.get("name") == "reminder job fire")
    assert fire["tags"]["todo.armed_by.trace_id"] == fired.trace_id
    # The statements that recorded the notifications are in the firing's trace.
    assert any(s.get("parentId") == fire["id"] for s in trace), "nothing under the firing"


def test_the_metrics_store_has_the_lateness_and_the_sidecars(
    stack: StackConfig, fired: Fired
) -> None:
    wanted = fired.lateness_count_before + len(fired.task_ids)

    def counted() -> float | None:
        count = _scalar(stack, "sum(todo_reminder_lateness_seconds_count)")
        return count if count >= wanted else None

    count = _wait(f"todo_reminder_lateness_seconds_count >= {wanted}", counted, 30)
    assert count >= wanted
    # The histogram's buckets are there, so a p99 can be computed from them.
    buckets = _promql(stack, 'todo_reminder_lateness_seconds_bucket{le="+Inf"}')
    assert buckets and sum(float(b["value"][1]) for b in buckets) == count
    # Dapr's own metrics, from both sidecars.
    apps = {
        r["metric"].get("app_id")
        for r in _promql(stack, 'count by (app_id) ({__name__=~"dapr_.+", job="daprd"})')
    }
    assert {"todo-web", "todo-worker"} <= apps, apps
    published = _scalar(
        stack, 'sum(dapr_component_pubsub_egress_count{app_id="todo-web",topic="reminders"})'
    )
    assert published >= 1, "the web sidecar's reminders publishes are not counted"


def test_the_metrics_store_has_every_promise(stack: StackConfig, fired: Fired) -> None:
    queries = {
        "API rate per route": 'sum(todo_http_requests_total{route="/api/tasks",method="POST",'
        'status="201"})',
        "API latency per route": "sum(todo_http_request_duration_seconds_count"
        '{route="/api/tasks"})',
        "events handled per topic": 'sum(todo_events_handled_total{topic="reminders",'
        'outcome="success"})',
        "job triggers": 'sum(todo_jobs_handled_total{outcome="success"})',
        "outbox publishes": 'sum(todo_outbox_published_total{topic="reminders"})',
        "the scheduler's own metrics": 'count({job="dapr-scheduler",__name__=~"dapr_.+"})',
    }
    for what, query in queries.items():
        value = _wait(what, lambda q=query: _scalar(stack, q) or None, 30)  # type: ignore[misc]
        assert value >= 1, what
    # Gauges exist from the first sweep on, even at zero.
    assert _promql(stack, "todo_outbox_depth"), "no outbox depth gauge"
    assert _promql(stack, "todo_outbox_oldest_age_seconds"), "no outbox age gauge"


def test_assistant_replies_are_counted_by_outcome(stack: StackConfig) -> None:
    api = sign_up(stack, zone="UTC")

    def acted() -> float:
        text = api.get("/metrics").text
        line = next(
            (
                x
                for x in text.splitlines()
                if x.startswith('todo_assistant_replies_total{outcome="acted"}')
            ),
            None,
        )
        return float(line.split()[-1]) if line else 0.0

    before = acted()
    resp = api.post("/api/chat", json={"message": "add water the plants tomorrow at 9am"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["actions"], resp.text
    assert acted() == before + 1


# Counters with labels appear at their first increment (and kube-state-metrics is a cluster's).
_ON_FIRST_OCCURRENCE = {
    "todo_dead_lettered_total",
    "dapr_component_job_failure_count",
    "kube_pod_container_status_ready",
}


def _metric_names(expr: str) -> set[str]:
    return set(re.findall(r"\b((?:todo|dapr|kube)_[a-z_]+)", expr))


def test_alert_rules_and_dashboard_run_on_the_metrics_store(
    stack: StackConfig, fired: Fired
) -> None:
    """Every alert expression and dashboard query is PromQL the store accepts, and every
    metric they name is one the stack really exports (a renamed metric fails here)."""
    chart = REPO_ROOT / "deploy" / "helm" / "todo"
    alerts = yaml.safe_load((chart / "alerts.yaml").read_text())
    exprs = [a["expr"].replace("RELEASE", "todo") for a in alerts.values()]
    dashboard = json.loads((chart / "dashboards" / "todo.json").read_text())
    for panel in dashboard["panels"]:
        exprs += [
            t["expr"].replace("$__rate_interval", "1m").replace("$namespace", ".*")
            for t in panel["targets"]
        ]
    resp = httpx.get(f"{observability.metrics_url(stack)}/api/v1/label/__name__/values")
    known = set(resp.json()["data"])
    for expr in exprs:
        resp = httpx.get(f"{observability.metrics_url(stack)}/api/v1/query", params={"query": expr})
        assert resp.status_code == 200 and resp.json()["status"] == "success", (expr, resp.text)
        for name in _metric_names(expr) - _ON_FIRST_OCCURRENCE:
            assert name in known, f"{name} (in {expr}) is not exported by the stack"
