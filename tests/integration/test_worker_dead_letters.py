"""Messages that can never be handled go to the topic's dead-letter topic, one log line
each, and the worker keeps going; a transient failure is retried until it succeeds."""

import asyncio
import json
import uuid
from datetime import UTC, datetime

import psycopg
import pytest
from confluent_kafka import Producer
from dapr.aio.clients import DaprClient

from devstack.config import StackConfig
from todo_core.events import ReminderDue, to_json_dict

from .kafka_reader import read_until
from .test_worker_support import (
    dapr_fixture,  # noqa: F401 (the `dapr` fixture)
    log_lines,
    make_task,
    make_user,
    notifications,
    pg_fixture,  # noqa: F401 (the `pg` fixture)
    publish,
    wait_for,
)

pytestmark = pytest.mark.integration


def _envelope(topic: str, data: object, marker: str) -> bytes:
    """A CloudEvent as Dapr would have written it, around our (bad) data."""
    return json.dumps(
        {
            "specversion": "1.0",
            "id": marker,
            "source": "worker-test",
            "type": "com.dapr.event.sent",
            "topic": topic,
            "pubsubname": "pubsub",
            "datacontenttype": "application/json",
            "data": data,
        }
    ).encode()


def _due(pg: psycopg.Connection, user: uuid.UUID) -> dict:
    """A reminder.due of a task that is due (the worker checks it against the row)."""
    at = datetime.now(UTC)
    return to_json_dict(
        ReminderDue(
            user_id=user,
            task_id=make_task(pg, user, remind_at=at, title="dlq"),
            task_version=1,
            remind_at=at,
            due_at=None,
            title="dlq",
        )  # fmt: skip
    )


async def test_malformed_unknown_and_wrong_version_go_to_the_dead_letter_topic(
    stack: StackConfig, pg: psycopg.Connection
) -> None:
    user = make_user(pg)
    good = _due(pg, user)
    bad = {
        "malformed": {**_due(pg, user), "remind_at": "yesterday-ish"},
        "unknown-type": {**_due(pg, user), "type": "reminder.snoozed"},
        "wrong-version": {**_due(pg, user), "schema_version": 7},
        "not-an-object": "just a string",
    }
    markers = {name: f"dlq-{name}-{uuid.uuid4()}" for name in bad}
    producer = Producer({"bootstrap.servers": stack.kafka_brokers})
    for name, data in bad.items():
        producer.produce("reminders", _envelope("reminders", data, markers[name]), key=name)
    producer.produce("reminders", _envelope("reminders", good, f"ok-{uuid.uuid4()}"))
    producer.flush(10)

    wanted = set(markers.values())
    dead = await asyncio.to_thread(
        read_until,
        stack.kafka_brokers,
        "reminders-dlq",
        lambda envs: wanted <= {e.get("id") for e in envs},
        30,
    )
    assert wanted <= {e.get("id") for e in dead}
    # The good one after them was handled: the worker did not stop on the bad ones.
    await wait_for(lambda: notifications(pg, uuid.UUID(good["task_id"])), 15)
    for name, data in bad.items():
        if isinstance(data, dict):
            lines = log_lines(stack, "outcome=drop", data["event_id"])
            assert len(lines) == 1, (name, lines)
    assert log_lines(stack, "outcome=drop", "malformed reminder.due: bad or missing remind_at")
    assert log_lines(stack, "outcome=drop", "unknown event type 'reminder.snoozed'")
    assert log_lines(stack, "outcome=drop", "schema_version 7 is not supported")


async def test_a_transient_database_failure_is_retried_until_it_succeeds(
    stack: StackConfig, pg: psycopg.Connection, dapr: DaprClient
) -> None:
    """PostgreSQL refuses the notification's insert with a serialization failure (SQLSTATE
    40001, raised by a trigger) for a few seconds: the worker answers RETRY, Dapr
    redelivers, and the notification is recorded once the trigger is gone."""
    user, at = make_user(pg), datetime.now(UTC)
    due = ReminderDue(
        user_id=user, task_id=make_task(pg, user, remind_at=at, title="retry me"),
        task_version=1, remind_at=at, due_at=None, title="retry me",
    )  # fmt: skip
    pg.execute(
        "CREATE OR REPLACE FUNCTION test_conflict() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'simulated conflict' USING ERRCODE = '40001'; END $$ LANGUAGE plpgsql"
    )
    pg.execute(
        "CREATE TRIGGER test_conflict BEFORE INSERT ON notification "
        "FOR EACH ROW EXECUTE FUNCTION test_conflict()"
    )
    try:
        await publish(dapr, due)
        await wait_for(
            lambda: log_lines(stack, str(due.event_id), "outcome=retry"), 15, what="a RETRY"
        )
    finally:
        pg.execute("DROP TRIGGER test_conflict ON notification")
    await wait_for(lambda: notifications(pg, due.task_id), 30, what="the retried notification")
    # The retry ends in success; the task's own reminder job (the reconciler arms it from
    # the task row) may have notified first, and then the retry finds a duplicate: either
    # way the user gets one notification.
    await wait_for(
        lambda: log_lines(stack, str(due.event_id), "outcome=success"), 10, what="the success"
    )
    assert len(notifications(pg, due.task_id)) == 1
