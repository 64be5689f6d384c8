"""A valid-looking task that the worker can never handle ends in the dead-letter topic, and
other users' events on the same Kafka partition keep flowing within the spec's limits.

The poison is a recurring task whose fixed reminder lies in year 9999, as a row written
before dates were bounded could hold (validation now refuses it, so it is written straight
into PostgreSQL): completing it makes the worker's next-occurrence arithmetic overflow.
Before the fix the worker answered RETRY for ever and the partition stalled behind it.
"""

import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest

from devstack.config import StackConfig
from devstack.parts import TOPICS, kafka_partition
from tests.faults.helpers import wait_until
from tests.integration.api_client import sign_up
from tests.integration.kafka_reader import from_the_beginning
from tests.integration.test_worker_support import pg_fixture  # noqa: F401 (the `pg` fixture)

pytestmark = pytest.mark.integration

PARTITIONS = TOPICS["recurring-task"]
NEXT_TASK_LIMIT = 15.0  # SC: the next occurrence of a recurring task within 15 s
SAME_PARTITION_OTHERS = 3


def _recurring_task(client: httpx.Client, title: str) -> dict:
    due = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT09:00")
    resp = client.post(
        "/api/tasks", json={"title": title, "due": due, "recurrence": {"kind": "daily"}}
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def _open_in_series(client: httpx.Client, title: str) -> int:
    resp = client.get("/api/tasks", params={"q": title, "status": "open"})
    return len([t for t in resp.json()["items"] if t["title"] == title])


def _records(brokers: str, topic: str, wanted: set[str], timeout: float) -> dict[str, int]:
    """event id → partition, for the wanted event ids on `topic`, read with librdkafka."""
    consumer = from_the_beginning(brokers, topic)
    found: dict[str, int] = {}
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not wanted <= found.keys():
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            for event_id in wanted - found.keys():
                if event_id.encode() in msg.value():
                    found[event_id] = msg.partition()
    finally:
        consumer.close()
    return found


def _completed_event_id(pg: psycopg.Connection, task_id: str) -> str:
    row = pg.execute(
        "SELECT payload->>'event_id' FROM outbox WHERE topic = 'recurring-task' "
        "AND payload->'task'->>'id' = %s",
        (task_id,),
    ).fetchone()
    assert row is not None, f"no recurring.completed in the outbox for {task_id}"
    return str(row[0])


def test_a_poisonous_task_is_dead_lettered_and_its_partition_keeps_flowing(
    stack: StackConfig, pg: psycopg.Connection
) -> None:
    owner = sign_up(stack)
    poison = _recurring_task(owner, f"poison {uuid.uuid4().hex[:8]}")
    pg.execute(
        "UPDATE task SET reminder = %s, remind_at = %s WHERE id = %s",
        (
            '{"kind": "at", "at": "9999-12-31T12:00:00Z"}',
            datetime(9999, 12, 31, 12, tzinfo=UTC),
            poison["id"],
        ),
    )
    pg.commit()
    partition = kafka_partition(poison["id"], PARTITIONS)

    # Other users' recurring tasks whose events share the poison's partition.
    others: list[tuple[httpx.Client, dict]] = []
    for _ in range(40):  # each lands there with p = 1/3: 40 tries miss 3 with p < 1e-4
        client = sign_up(stack)
        task = _recurring_task(client, f"neighbour {uuid.uuid4().hex[:8]}")
        if kafka_partition(task["id"], PARTITIONS) == partition:
            others.append((client, task))
        if len(others) == SAME_PARTITION_OTHERS:
            break
    assert len(others) == SAME_PARTITION_OTHERS

    resp = owner.post(f"/api/tasks/{poison['id']}/complete", json={"version": poison["version"]})
    assert resp.status_code == 200, resp.text
    completed_at = {}
    for client, task in others:
        resp = client.post(f"/api/tasks/{task['id']}/complete", json={"version": task["version"]})
        assert resp.status_code == 200, resp.text
        completed_at[task["id"]] = time.monotonic()

    for client, task in others:
        wait_until(
            lambda c=client, t=task: _open_in_series(c, t["title"]) == 1,  # type: ignore[misc]
            f"the next occurrence of {task['title']}",
            timeout=NEXT_TASK_LIMIT + 5,
            every=0.2,
        )
        late = time.monotonic() - completed_at[task["id"]]
        assert late <= NEXT_TASK_LIMIT, f"{task['title']}: next task after {late:.1f} s"

    poison_event = _completed_event_id(pg, poison["id"])
    neighbour_events = {_completed_event_id(pg, task["id"]) for _, task in others}
    dead = _records(stack.kafka_brokers, "recurring-task-dlq", {poison_event}, timeout=60)
    assert poison_event in dead, "the poisonous event never reached recurring-task-dlq"
    landed = _records(stack.kafka_brokers, "recurring-task", {poison_event, *neighbour_events}, 30)
    assert set(landed.values()) == {partition}, f"not one partition: {landed}"
    assert _open_in_series(owner, poison["title"]) == 0  # nothing half-written
