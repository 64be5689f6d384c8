"""Issue 24 on the cluster, through the chart's optional `observability` block: with Zipkin
and VictoriaMetrics beside the cluster (devstack/cluster/monitoring.py, as an operator's
stores would be), one trace from a request through the LoadBalancer to the worker's
handling, read from Zipkin's query API, and the reminder-lateness histogram and both
sidecars' `dapr_` metrics from VictoriaMetrics, which found the pods by the chart's
annotations and the sidecars' metrics port."""

import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from devstack.cluster import monitoring
from devstack.cluster.lifecycle import Cluster
from tests.cluster.helpers import NAMESPACE, helm_upgrade, old_pods_gone
from tests.e2e.helpers import wait_until

# A reminder at the next whole minute fires within ~75 s; then the span export and a scrape.
FIRE_WAIT = 180.0


def _promql(query: str) -> list[dict[str, Any]]:
    resp = httpx.get(f"{monitoring.METRICS_URL}/api/v1/query", params={"query": query}, timeout=10)
    resp.raise_for_status()
    return resp.json()["data"]["result"]


@pytest.fixture(scope="module")
def observed(cluster: Cluster) -> Iterator[None]:
    """The release with the block on, tracing everything into the stores; off again after."""
    monitoring.start(cluster.layout, NAMESPACE)
    tracing = ("observability.tracing.samplingRate=1",
               f"observability.tracing.zipkinEndpoint={monitoring.ZIPKIN_SPANS}")  # fmt: skip
    try:
        # The chart's NetworkPolicies let the sidecars' and the worker's metrics ports be
        # scraped only from where the block says: here, the host's end of the node's link.
        scrapers = f"observability.scrapers[0].ipBlock.cidr={monitoring.SCRAPER_CIDR}"
        helm_upgrade(cluster.kube, "observability.enabled=true", scrapers, strings=tracing)
        # A pod of the previous values exports no spans: one that is still terminating
        # could take the request or relay its outbox row (seen once: a span missing).
        old_pods_gone(cluster.kube)
        yield
    finally:
        helm_upgrade(cluster.kube, "observability.enabled=false")
        monitoring.stop(cluster.layout)


@pytest.fixture(scope="module")
def fired(observed: None, app_url: str) -> tuple[str, str]:
    """(trace id, task id) of a task created in a trace the client began, once its reminder
    has reached the user's notifications."""
    client = httpx.Client(base_url=app_url, timeout=15)

    def register() -> httpx.Response:
        body = {"email": f"observed-{time.time_ns()}@example.com",
                "password": "a long enough password", "display_name": "Observed",
                "time_zone": "UTC"}  # fmt: skip
        return client.post("/api/auth/register", json=body)

    # Right after the rolling update a request can still meet a terminating pod whose
    # sidecar is shutting down (503 "the session store is unavailable"): a user retries.
    deadline = time.monotonic() + 60
    while (registered := register()).status_code == 503:
        assert time.monotonic() < deadline, registered.text
        time.sleep(2)
    assert registered.status_code == 201, registered.text
    token = registered.json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    at = (datetime.now(UTC) + timedelta(seconds=20)).replace(second=0, microsecond=0)
    at += timedelta(minutes=1)
    trace_id = secrets.token_hex(16)

    def local(moment: datetime) -> str:
        return moment.replace(tzinfo=None).isoformat(timespec="minutes")

    task = {"title": "observed on the cluster", "due": local(at + timedelta(hours=1)),
            "reminder": {"kind": "at", "at": local(at)}}  # fmt: skip
    headers = {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
    created = client.post("/api/tasks", json=task, headers=headers)
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]

    def notified() -> bool | None:
        items = client.get("/api/notifications").json()
        items = items.get("items", items) if isinstance(items, dict) else items
        return True if any(i["task_id"] == task_id for i in items) else None

    wait_until(notified, FIRE_WAIT, "the reminder to fire", every=2)
    return trace_id, task_id


def test_one_trace_from_the_load_balancer_to_the_worker(fired: tuple[str, str]) -> None:
    trace_id, _ = fired
    wanted = {("todo-web", "post /api/tasks"), ("todo-web", "outbox publish reminders"),
              ("todo-worker", "handle reminders reminder.scheduled")}  # fmt: skip

    seen: list[tuple[str, str]] = []

    def spans() -> list[tuple[str, str]] | None:
        resp = httpx.get(f"{monitoring.ZIPKIN_URL}/api/v2/trace/{trace_id}", timeout=10)
        seen[:] = [
            (s.get("localEndpoint", {}).get("serviceName", ""), s.get("name", "").lower())
            for s in (resp.json() if resp.status_code == 200 else [])
        ]
        complete = all(any(svc == s and part in n for s, n in seen) for svc, part in wanted)
        return list(seen) if complete else None

    try:
        found = wait_until(spans, 60, f"trace {trace_id} with {wanted}", every=2)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the trace has {sorted(set(seen))}") from None
    # daprd's own spans joined the same trace: the sidecars export to the block's endpoint.
    assert any("publishevent" in name or "pubsub/reminders" in name for _, name in found), found


def test_the_metrics_store_found_the_pods_and_the_sidecars(fired: tuple[str, str]) -> None:
    def lateness() -> float | None:
        result = _promql("sum(todo_reminder_lateness_seconds_count)")
        return float(result[0]["value"][1]) if result and float(result[0]["value"][1]) else None

    assert wait_until(lateness, 60, "the reminder-lateness histogram", every=2) >= 1

    def sidecars() -> set[str] | None:
        query = 'count by (app_id) ({__name__=~"dapr_.+", job="daprd"})'
        apps = {r["metric"].get("app_id", "") for r in _promql(query)}
        return apps if {"todo-web", "todo-worker"} <= apps else None

    wait_until(sidecars, 60, "both sidecars' dapr_ metrics", every=2)
    pods = {r["metric"].get("pod", "") for r in _promql('up{job="apps"} == 1')}
    assert any(p.startswith("todo-web-") for p in pods), pods
    assert any(p.startswith("todo-worker-") for p in pods), pods
