"""The relay's publishing logic with a fake broker: order, marking, retry bookkeeping."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from todo_core.models import OutboxMessage
from todo_core.outbox import Backoff, DaprPublisher, publish_rows

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


class FakePublisher:
    """Records what was published; fails for the keys in `failing` and the topics in
    `failing_topics`."""

    def __init__(self, failing: set[str] | None = None, failing_topics: set[str] | None = None):
        self.failing = failing or set()
        self.failing_topics = failing_topics or set()
        self.sent: list[tuple[str, dict, str]] = []

    async def publish(self, topic: str, data: str, partition_key: str) -> None:
        if partition_key in self.failing or topic in self.failing_topics:
            raise ConnectionError("broker unavailable")
        self.sent.append((topic, json.loads(data), partition_key))


class FakeDaprClient:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    async def publish_event(self, **kwargs: object) -> None:
        self.calls.append(kwargs)


def row(row_id: int, key: str, topic: str = "task-events", attempts: int = 0) -> OutboxMessage:
    return OutboxMessage(
        id=row_id,
        topic=topic,
        event_type="task.updated",
        event_id=UUID(f"00000000-0000-0000-0000-{row_id:012d}"),
        partition_key=key,
        payload={"n": row_id},
        attempts=attempts,
        available_at=NOW,
    )


async def test_publishes_each_key_in_id_order_and_marks_rows() -> None:
    rows = [row(3, "a"), row(1, "a"), row(2, "b"), row(5, "b"), row(4, "a")]
    publisher = FakePublisher()
    result = await publish_rows(rows, publisher, NOW, Backoff())
    per_key: dict[str, list[int]] = {}
    for _, payload, key in publisher.sent:
        per_key.setdefault(key, []).append(payload["n"])
    assert per_key == {"a": [1, 3, 4], "b": [2, 5]}
    assert (result.fetched, result.published, result.failed) == (5, 5, 0)
    assert all(r.published_at == NOW and r.attempts == 1 and r.last_error is None for r in rows)


async def test_different_keys_are_published_concurrently() -> None:
    both_started = asyncio.Event()
    started: list[str] = []

    class WaitsForTheOtherKey(FakePublisher):
        async def publish(self, topic: str, data: str, partition_key: str) -> None:
            started.append(partition_key)
            if len(started) == 2:
                both_started.set()
            # One key after the other would never get here for the first key.
            await asyncio.wait_for(both_started.wait(), timeout=10)
            await super().publish(topic, data, partition_key)

    rows = [row(1, "a"), row(2, "b", topic="reminders")]
    result = await publish_rows(rows, WaitsForTheOtherKey(), NOW, Backoff())
    assert (result.published, result.failed) == (2, 0)


async def test_failure_records_attempt_error_and_backoff_and_holds_the_key() -> None:
    rows = [row(1, "a", attempts=2), row(2, "b"), row(3, "a")]
    publisher = FakePublisher(failing={"a"})
    result = await publish_rows(rows, publisher, NOW, Backoff(base_seconds=1, max_seconds=60))
    failed, other, held = rows
    assert (result.published, result.failed) == (1, 1)
    assert failed.attempts == 3 and failed.published_at is None
    assert failed.last_error == "ConnectionError: broker unavailable"
    assert failed.available_at == NOW + timedelta(seconds=4)  # 1 s × 2**(3-1)
    assert other.published_at == NOW
    # The later row of the failed key must not overtake it, and is not charged an attempt.
    assert held.published_at is None and held.attempts == 0
    assert [key for _, _, key in publisher.sent] == ["b"]


async def test_same_key_on_another_topic_is_not_held() -> None:
    rows = [row(1, "a", topic="task-events"), row(2, "a", topic="reminders")]
    publisher = FakePublisher(failing_topics={"task-events"})
    result = await publish_rows(rows, publisher, NOW, Backoff())
    assert (result.published, result.failed) == (1, 1)
    assert rows[1].published_at == NOW


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 2), (2, 4), (3, 8), (6, 64), (7, 100), (500, 100)]
)
def test_backoff_grows_exponentially_up_to_the_cap(attempts: int, seconds: float) -> None:
    assert Backoff(base_seconds=2, max_seconds=100).delay(attempts) == timedelta(seconds=seconds)


async def test_dapr_publisher_sends_json_keyed_by_task() -> None:
    client = FakeDaprClient()
    await DaprPublisher(client, "pubsub").publish("reminders", '{"a":1}', "task-1")  # type: ignore[arg-type]  # a fake
    assert client.calls == [
        {
            "pubsub_name": "pubsub",
            "topic_name": "reminders",
            "data": '{"a":1}',
            "data_content_type": "application/json",
            "publish_metadata": {"partitionKey": "task-1"},
        }
    ]
