"""Malformed, unknown-type, oversized and wrong-schema-version messages produced straight
into each topic: each ends in the topic's dead-letter topic, and the worker keeps serving."""

import json
import time
import uuid
from datetime import UTC, datetime

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from devstack.config import StackConfig
from tests.faults import effects
from tests.faults.helpers import wait_until
from tests.integration.api_client import sign_up

pytestmark = pytest.mark.integration

TOPICS = ["task-events", "reminders", "recurring-task"]
VALID_TYPE = {
    "task-events": "task.created",
    "reminders": "reminder.scheduled",
    "recurring-task": "recurring.completed",
}


def _cloudevent(topic: str, data: object) -> bytes:
    """What Dapr itself would have written, around our data."""
    return json.dumps(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "faults",
            "type": "com.dapr.event.sent",
            "datacontenttype": "application/json",
            "topic": topic,
            "pubsubname": "pubsub",
            "time": datetime.now(UTC).isoformat(),
            "data": data,
        }
    ).encode()


def _poison(topic: str, marker: str) -> dict[str, bytes]:
    base = {
        "event_id": str(uuid.uuid4()),
        "schema_version": 1,
        "occurred_at": datetime.now(UTC).isoformat(),
        "user_id": str(uuid.uuid4()),
        "marker": marker,
    }
    return {
        "malformed": b"{not json at all " + marker.encode(),
        "malformed_data": _cloudevent(topic, {**base, "type": VALID_TYPE[topic], "task": 7}),
        "unknown_type": _cloudevent(topic, {**base, "type": "task.exploded"}),
        "wrong_version": _cloudevent(
            topic, {**base, "type": VALID_TYPE[topic], "schema_version": 99}
        ),
        # Within Kafka's and Dapr's 1 MB limit, far beyond any real event.
        "oversized": _cloudevent(
            topic, {**base, "type": VALID_TYPE[topic], "title": "x" * 900_000}
        ),
    }


def _markers_on(
    stack: StackConfig, topic: str, markers: set[str], timeout: float = 120
) -> set[str]:
    """Which markers appear in a record (value or key) on `topic`; raw bytes, since a
    dead-lettered record need not be JSON."""
    consumer = Consumer(
        {
            "bootstrap.servers": stack.kafka_brokers,
            "group.id": f"faults-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    found: set[str] = set()
    deadline = time.monotonic() + timeout
    try:
        while found != markers and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            raw = (msg.value() or b"") + (msg.key() or b"")
            found |= {m for m in markers if m.encode() in raw}
    finally:
        consumer.close()
    return found


def _truncate_after(stack: StackConfig) -> None:
    """Remove the poison from the main topics once the worker is past it: later readers in
    this session (tests/integration reads topics from their beginning with a strict JSON
    reader) must not trip over records this test put there on purpose."""
    wait_until(lambda: effects.group_caught_up(stack, TOPICS), "the worker to pass the poison")
    admin = AdminClient({"bootstrap.servers": stack.kafka_brokers})
    probe = Consumer({"bootstrap.servers": stack.kafka_brokers, "group.id": "faults-truncate"})
    try:
        meta = probe.list_topics(timeout=10)
        ends = []
        for topic in TOPICS:
            for p in meta.topics[topic].partitions:
                _, high = probe.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                ends.append(TopicPartition(topic, p, high))
    finally:
        probe.close()
    for fut in admin.delete_records(ends).values():
        fut.result(30)


def test_poison_messages_go_to_the_dead_letter_topic(stack: StackConfig) -> None:
    producer = Producer({"bootstrap.servers": stack.kafka_brokers, "message.max.bytes": 1_000_000})
    sent: dict[str, str] = {}  # marker -> what it was
    for topic in TOPICS:
        for kind in _poison(topic, "").keys():
            marker = f"poison-{topic}-{kind}-{uuid.uuid4().hex[:8]}"
            value = _poison(topic, marker)[kind]
            producer.produce(topic, value, key=marker)
            sent[marker] = f"{kind} on {topic}"
    assert producer.flush(30) == 0

    for topic in TOPICS:
        mine = {m for m, what in sent.items() if what.endswith(f"on {topic}")}
        found = _markers_on(stack, f"{topic}-dlq", mine)
        missing = sorted(sent[m] for m in mine - found)
        assert not missing, f"never reached {topic}-dlq: {missing}"

    _truncate_after(stack)

    # And the worker still does its job.
    api = sign_up(stack, zone="UTC")
    user_id = api.get("/api/me").json()["id"]
    api.post("/api/tasks", json={"title": "after the poison"}).raise_for_status()
    created = effects.outbox_events(stack, user_id, "task-events")
    wait_until(
        lambda: created <= set(effects.activity_per_event(stack, user_id)),
        "the worker to handle a good event after the poison",
    )
