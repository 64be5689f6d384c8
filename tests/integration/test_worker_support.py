"""Helpers and fixtures for the worker's tests on the real stack (no tests in here).

Tasks and users are written with plain SQL, not through todo_core's repositories: those
would also write outbox events, which the relays would publish, and each test wants to
control exactly which events the worker sees.
"""

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from typing import Literal, TypeVar

import psycopg
import pytest
from dapr.aio.clients import DaprClient

from devstack.config import StackConfig
from devstack.parts import WORKER_SIDECAR
from todo_core.events import Event, TaskSnapshot, to_json_dict, topic_of

T = TypeVar("T")
WORKER_LOG = "todo-worker.log"


@pytest.fixture(name="pg")
def pg_fixture(stack: StackConfig) -> Iterator[psycopg.Connection]:
    with psycopg.connect(stack.database_url("postgresql"), autocommit=True) as conn:
        yield conn


@pytest.fixture(name="dapr")
async def dapr_fixture(
    stack: StackConfig, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[DaprClient]:
    """A client of the worker's own sidecar, to publish test events through Dapr."""
    from dapr.conf import settings

    # The SDK waits for the sidecar's HTTP health endpoint, found through its settings.
    monkeypatch.setattr(settings, "DAPR_HTTP_PORT", WORKER_SIDECAR.http_port(stack))
    async with DaprClient(address=f"127.0.0.1:{WORKER_SIDECAR.grpc_port(stack)}") as client:
        yield client


async def publish(client: DaprClient, event: Event, topic: str | None = None) -> float:
    """Publish like the outbox relay does; returns the time the broker had it."""
    await client.publish_event(
        "pubsub",
        topic or topic_of(event),
        json.dumps(to_json_dict(event)),
        data_content_type="application/json",
        publish_metadata={"partitionKey": event.partition_key},
    )
    return time.time()


def make_user(pg: psycopg.Connection, time_zone: str = "UTC") -> uuid.UUID:
    user_id = uuid.uuid4()
    pg.execute(
        'INSERT INTO "user" (id, email, password_hash, display_name, time_zone) '
        "VALUES (%s, %s, 'x', 'Worker Test', %s)",
        (user_id, f"worker-{user_id}@example.com", time_zone),
    )
    return user_id


def make_task(
    pg: psycopg.Connection,
    user_id: uuid.UUID,
    *,
    title: str = "worker test task",
    status: str = "open",
    due_at: datetime | None = None,
    remind_at: datetime | None = None,
    recurrence: str | None = None,
    version: int = 1,
    task_id: uuid.UUID | None = None,
) -> uuid.UUID:
    task_id = task_id or uuid.uuid4()
    reminder = {"kind": "at", "at": remind_at.isoformat()} if remind_at else {"kind": "none"}
    pg.execute(
        "INSERT INTO task (id, user_id, title, status, due_at, remind_at, reminder, recurrence,"
        " series_id, completed_at, version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            task_id, user_id, title, status, due_at, remind_at, json.dumps(reminder),
            recurrence, task_id if recurrence else None,
            datetime.now().astimezone() if status == "done" else None, version,
        ),
    )  # fmt: skip
    return task_id


def notifications(pg: psycopg.Connection, task_id: uuid.UUID) -> list[tuple]:
    return pg.execute(
        "SELECT remind_at, created_at, title FROM notification WHERE task_id = %s", (task_id,)
    ).fetchall()


_HANDLED = re.compile(r"^(\S+ \S+) \|.* event_id=(\S+) outcome=success")


def handled_at(stack: StackConfig, event_ids: set[str]) -> dict[str, float]:
    """event id -> when the worker logged handling it (epoch seconds; loguru logs local
    time with millisecond resolution)."""
    found: dict[str, float] = {}
    for line in worker_log(stack).splitlines():
        m = _HANDLED.match(line)
        if m and m.group(2) in event_ids and m.group(2) not in found:
            local = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f")
            found[m.group(2)] = local.astimezone().timestamp()
    return found


async def wait_for(
    probe: Callable[[], T | Literal[False] | None],
    within: float,
    interval: float = 0.1,
    what: str = "",
) -> T:
    """Poll `probe` until it returns something truthy; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what or probe}")
        await asyncio.sleep(interval)


def worker_log(stack: StackConfig) -> str:
    return (stack.log_dir / WORKER_LOG).read_text(errors="replace")


def log_lines(stack: StackConfig, *needles: str) -> list[str]:
    return [line for line in worker_log(stack).splitlines() if all(n in line for n in needles)]


_SNAPSHOT_SQL = (
    "SELECT id, user_id, title, description, priority, tags, status, due_at, remind_at,"
    " reminder, recurrence, series_id, completed_at, created_at, updated_at, version"
    " FROM task WHERE id = %s"
)
_SNAPSHOT_FIELDS = [f.strip() for f in _SNAPSHOT_SQL[7:].split(" FROM")[0].split(",")]


def task_snapshot(pg: psycopg.Connection, task_id: uuid.UUID) -> TaskSnapshot:
    """The task as an event snapshot, read back from the database."""
    row = pg.execute(_SNAPSHOT_SQL, (task_id,)).fetchone()
    assert row is not None, f"no task {task_id}"
    return TaskSnapshot(**dict(zip(_SNAPSHOT_FIELDS, row, strict=True)))
