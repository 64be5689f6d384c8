"""What the worker did, read straight from PostgreSQL and Kafka (not through the API)."""

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from confluent_kafka import Consumer, TopicPartition

from devstack.config import StackConfig
from tests.integration.kafka_reader import event_ids, read_until

WORKER_GROUP = "todo-worker"  # the pub/sub component's consumer group defaults to the app id


def _rows(stack: StackConfig, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    with psycopg.connect(stack.database_url("postgresql")) as conn:
        return conn.execute(sql, params).fetchall()


def notifications_per_task(stack: StackConfig, user_id: str) -> Counter[str]:
    rows = _rows(stack, "SELECT task_id FROM notification WHERE user_id = %s", (user_id,))
    return Counter(str(r[0]) for r in rows)


def activity_per_event(stack: StackConfig, user_id: str) -> Counter[str]:
    rows = _rows(stack, "SELECT event_id FROM task_activity WHERE user_id = %s", (user_id,))
    return Counter(str(r[0]) for r in rows)


def outbox_events(stack: StackConfig, user_id: str, topic: str | None = None) -> set[str]:
    sql = "SELECT event_id FROM outbox WHERE payload->>'user_id' = %s"
    params: tuple[Any, ...] = (user_id,)
    if topic:
        sql += " AND topic = %s"
        params += (topic,)
    return {str(r[0]) for r in _rows(stack, sql, params)}


def unpublished(stack: StackConfig, user_id: str) -> int:
    sql = "SELECT count(*) FROM outbox WHERE payload->>'user_id' = %s AND published_at IS NULL"
    return int(_rows(stack, sql, (user_id,))[0][0])


def tasks_of(stack: StackConfig, user_id: str) -> list[tuple[Any, ...]]:
    sql = "SELECT id, title, series_id, due_at, status FROM task WHERE user_id = %s"
    return _rows(stack, sql, (user_id,))


def group_caught_up(stack: StackConfig, topics: list[str]) -> bool:
    """The worker's consumer group has committed every record now on `topics`."""
    consumer = Consumer(
        {
            "bootstrap.servers": stack.kafka_brokers,
            "group.id": WORKER_GROUP,
            "enable.auto.commit": False,
        }
    )
    try:
        meta = consumer.list_topics(timeout=10)
        parts = [TopicPartition(t, p) for t in topics for p in meta.topics[t].partitions]
        committed = consumer.committed(parts, timeout=10)
        for tp in committed:
            _, high = consumer.get_watermark_offsets(
                TopicPartition(tp.topic, tp.partition), timeout=10
            )
            if high > 0 and tp.offset < high:
                return False
        return True
    finally:
        consumer.close()


def next_minute_after(seconds: float) -> datetime:
    """The first whole minute at least `seconds` from now (the API takes minutes)."""
    at = datetime.now(UTC) + timedelta(seconds=seconds)
    return (at + timedelta(minutes=1)).replace(second=0, microsecond=0)


def minute_text(at: datetime) -> str:
    """The API's local-time format for a UTC user."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="minutes")


def reminder_task(i: int, at: datetime, tag: str) -> dict[str, Any]:
    return {
        "title": f"{tag} {i}",
        "due": minute_text(at + timedelta(hours=1)),
        "reminder": {"kind": "at", "at": minute_text(at)},
    }


def unique_tag() -> str:
    return f"fault-{uuid.uuid4().hex[:8]}"


def event_ids_on(stack: StackConfig, topic: str, expected: set[str], timeout: float) -> set[str]:
    """Event ids on `topic` from its beginning until all `expected` are seen (or timeout)."""
    envelopes = read_until(
        stack.kafka_brokers, topic, lambda envs: expected <= set(event_ids(envs)), timeout
    )
    return {str(e) for e in event_ids(envelopes)}
