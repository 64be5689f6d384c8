"""API create → record on `reminders`, compared with the same payloads through Dapr alone
and through a plain Kafka producer (the baseline) on the same broker."""

import asyncio
import json
import time
import uuid
from typing import Any

from confluent_kafka import Producer

from bench import api, dapr_client
from bench.kafka_watch import KafkaWatcher, cloudevent_id, ensure_topic
from bench.stats import Figure
from devstack.config import StackConfig

BASELINE_TOPIC = "bench-baseline"
# The web sidecar may publish only the product's topics (the component's topic scopes), so
# the Dapr-alone figure goes to `reminders`, as the app's own events do; the worker reads
# each, finds no such task in PostgreSQL and arms nothing.
DAPR_TOPIC = "reminders"


async def api_to_reminders(cfg: StackConfig, n: int) -> Figure:
    """Sequential creates (one in flight): the latency of one event on a quiet system."""
    fig = Figure(
        "api_to_reminders",
        "API create with a reminder → record on `reminders` (Kafka client)",
        "ms",
        "5 s",
        "p95 ≤ 50 ms",
        expected=n,
    )
    client = await api.sign_up(cfg)
    watcher = KafkaWatcher(cfg.kafka_brokers, ["reminders"], cloudevent_id("task_id"))
    started: dict[str, float] = {}
    http_ms: list[float] = []
    try:
        for i in range(5):  # warm the connection pools
            await client.post("/api/tasks", json=api.task_with_reminder(-i))
        for i in range(n):
            t0 = time.time()
            resp = await client.post("/api/tasks", json=api.task_with_reminder(i))
            resp.raise_for_status()
            http_ms.append((time.time() - t0) * 1000)
            started[resp.json()["id"]] = t0
            await asyncio.sleep(0.02)  # one event at a time, not a queue
        missing = watcher.wait_for(set(started), timeout=60)
    finally:
        watcher.close()
        await client.aclose()
    fig.samples = [
        (watcher.arrived[k] - t0) * 1000 for k, t0 in started.items() if k in watcher.arrived
    ]
    fig.notes.append(
        f"HTTP response alone: p50 {sorted(http_ms)[len(http_ms) // 2]:.1f} ms; "
        f"{len(missing)} records never seen"
    )
    return fig


def _sample_payload(i: int) -> dict[str, Any]:
    """A reminder.scheduled event of the same shape and size as the API's."""
    return {
        "event_id": str(uuid.uuid4()),
        "schema_version": 1,
        "occurred_at": "2030-01-01T09:00:00Z",
        "user_id": str(uuid.uuid4()),
        "type": "reminder.scheduled",
        "task_id": str(uuid.uuid4()),
        "task_version": 1,
        "remind_at": "2030-01-01T08:45:00Z",
        "due_at": "2030-01-01T09:00:00Z",
        "title": f"bench task {i}",
        "seq": i,
    }


def kafka_baseline(cfg: StackConfig, n: int) -> Figure:
    """Produce → consume with librdkafka, one record in flight, acks=all."""
    fig = Figure(
        "baseline_kafka",
        "Baseline: produce → consume, plain Kafka client, same payload shape",
        "ms",
        "—",
        "—",
        expected=n,
    )
    ensure_topic(cfg.kafka_brokers, BASELINE_TOPIC)
    producer = Producer({"bootstrap.servers": cfg.kafka_brokers, "linger.ms": 0, "acks": "all"})
    # The baseline record is the CloudEvent Dapr would write, so sizes match.
    watcher = KafkaWatcher(cfg.kafka_brokers, [BASELINE_TOPIC], cloudevent_id("event_id"))
    started: dict[str, float] = {}
    try:
        for i in range(n):
            data = _sample_payload(i)
            envelope = {"specversion": "1.0", "type": "com.dapr.event.sent", "data": data}
            t0 = time.time()
            producer.produce(BASELINE_TOPIC, json.dumps(envelope), key=data["task_id"])
            producer.flush(10)
            started[data["event_id"]] = t0
            time.sleep(0.02)
        watcher.wait_for(set(started), timeout=30)
    finally:
        watcher.close()
    fig.samples = [
        (watcher.arrived[k] - t0) * 1000 for k, t0 in started.items() if k in watcher.arrived
    ]
    return fig


async def dapr_publish(cfg: StackConfig, n: int) -> Figure:
    """The web sidecar's publish (gRPC → daprd → Sarama → Kafka) → consume, one in flight."""
    fig = Figure(
        "dapr_publish",
        "Dapr publish (web sidecar) → consume, same payload shape",
        "ms",
        "—",
        "—",
        expected=n,
    )
    watcher = KafkaWatcher(cfg.kafka_brokers, [DAPR_TOPIC], cloudevent_id("event_id"))
    started: dict[str, float] = {}
    try:
        async with dapr_client.connect(cfg) as dapr:
            for i in range(-5, n):
                data = _sample_payload(i)
                t0 = time.time()
                await dapr.publish_event(
                    pubsub_name="pubsub",
                    topic_name=DAPR_TOPIC,
                    data=json.dumps(data),
                    data_content_type="application/json",
                    publish_metadata={"partitionKey": data["task_id"]},
                )
                if i >= 0:
                    started[data["event_id"]] = t0
                await asyncio.sleep(0.02)
        watcher.wait_for(set(started), timeout=30)
    finally:
        watcher.close()
    fig.samples = [
        (watcher.arrived[k] - t0) * 1000 for k, t0 in started.items() if k in watcher.arrived
    ]
    return fig
