"""Every event delivered three times (the original plus two copies of the very same Kafka
record, produced straight into the topic): each has exactly one effect."""

import uuid

import pytest
from confluent_kafka import Consumer, Producer

from devstack.config import StackConfig
from tests.faults import effects
from tests.faults.helpers import wait_until
from tests.integration.api_client import sign_up

pytestmark = pytest.mark.integration

TOPICS = ["task-events", "reminders", "recurring-task"]


def _records_of(stack: StackConfig, user_id: str) -> list[tuple[str, bytes | None, bytes, list]]:
    """Every record on our topics whose event belongs to the user, as produced."""
    consumer = Consumer(
        {
            "bootstrap.servers": stack.kafka_brokers,
            "group.id": f"faults-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe(TOPICS)
    out, idle = [], 0
    try:
        while idle < 10:  # 5 s without a record: the topics are read to their end
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                idle += 1
                continue
            idle = 0
            if user_id.encode() in msg.value():
                out.append((msg.topic(), msg.key(), msg.value(), msg.headers() or []))
    finally:
        consumer.close()
    return out  # type: ignore[return-value]  # a consumer's headers() is a list


def test_three_deliveries_one_effect(stack: StackConfig) -> None:
    api = sign_up(stack, zone="UTC")
    user_id = api.get("/api/me").json()["id"]
    at = effects.next_minute_after(45)
    tag = effects.unique_tag()
    plain = [
        api.post("/api/tasks", json=effects.reminder_task(i, at, tag)).json() for i in range(10)
    ]
    recurring = []
    for i in range(5):
        body = {
            "title": f"{tag} daily {i}",
            "due": effects.minute_text(at),
            "recurrence": {"kind": "daily"},
        }
        task = api.post("/api/tasks", json=body).json()
        recurring.append(api.post(f"/api/tasks/{task['id']}/complete").json())

    # First delivery, all effects in place.
    wait_until(lambda: len(effects.tasks_of(stack, user_id)) == 20, "the next occurrences")
    wait_until(
        lambda: set(effects.notifications_per_task(stack, user_id)) >= {t["id"] for t in plain},
        "the reminders to fire",
    )
    wait_until(lambda: effects.unpublished(stack, user_id) == 0, "the outbox to drain")
    wait_until(lambda: effects.group_caught_up(stack, TOPICS), "the worker to catch up")
    before = (
        sorted(map(str, effects.tasks_of(stack, user_id))),
        effects.notifications_per_task(stack, user_id),
        effects.activity_per_event(stack, user_id),
    )

    # Second and third delivery: the same records again, byte for byte.
    records = _records_of(stack, user_id)
    assert {r[0] for r in records} == set(TOPICS), "expected records on every topic"
    producer = Producer({"bootstrap.servers": stack.kafka_brokers})
    for _ in range(2):
        for topic, key, value, headers in records:
            producer.produce(topic, value, key=key, headers=headers)
    assert producer.flush(30) == 0
    wait_until(lambda: effects.group_caught_up(stack, TOPICS), "the worker to consume the copies")

    after = (
        sorted(map(str, effects.tasks_of(stack, user_id))),
        effects.notifications_per_task(stack, user_id),
        effects.activity_per_event(stack, user_id),
    )
    assert after[0] == before[0], "a redelivered recurring.completed made another task"
    assert after[1] == before[1] and max(after[1].values()) == 1, "a reminder fired again"
    assert after[2] == before[2] and max(after[2].values()) == 1, "activity recorded twice"
