"""The outbox relay against a real PostgreSQL, with a fake broker.

These run in a scratch database of their own: the relay claims every pending row it can
see, and the stack's database may hold rows that belong to the real relay.
"""

import asyncio
import json
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import col, select

from todo_core.db import SessionFactory, create_engine, create_session_factory, session_scope
from todo_core.events import ReminderCancelled
from todo_core.migrate import upgrade_database_async
from todo_core.models import OutboxMessage
from todo_core.outbox import Backoff, OutboxRelay, RelayResult, add_events

pytestmark = pytest.mark.integration


class FakePublisher:
    """A broker stand-in: records (topic, event n, key); `down` makes every publish fail."""

    def __init__(self, jitter: float = 0.0) -> None:
        self.down = False
        self.jitter = jitter
        self.sent: list[tuple[str, int, str]] = []

    async def publish(self, topic: str, data: str, partition_key: str) -> None:
        # Uneven broker latency lets two relays interleave in every possible order.
        await asyncio.sleep(random.uniform(0, self.jitter))
        if self.down:
            raise ConnectionError("broker unavailable")
        self.sent.append((topic, json.loads(data)["task_version"], partition_key))


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
async def scratch_url(db_url: str) -> AsyncIterator[str]:
    server = make_url(db_url)
    name = f"outbox_{uuid4().hex[:8]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    await upgrade_database_async(url)
    yield url
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture
async def factory(scratch_url: str) -> AsyncIterator[SessionFactory]:
    engine = create_engine(scratch_url)
    async with engine.begin() as conn:  # each test starts with an empty outbox
        await conn.execute(text("TRUNCATE outbox"))
    yield create_session_factory(engine)
    await engine.dispose()


async def write_events(factory: SessionFactory, tasks: int, per_task: int) -> list[UUID]:
    """Events version 1..per_task for each task, interleaved across tasks."""
    task_ids = [uuid4() for _ in range(tasks)]
    async with session_scope(factory) as session:
        for version in range(1, per_task + 1):
            events = [
                ReminderCancelled(user_id=uuid4(), task_id=task_id, task_version=version)
                for task_id in task_ids
            ]
            await add_events(session, events)
    return task_ids


def versions_by_key(sent: list[tuple[str, int, str]]) -> dict[str, list[int]]:
    result: dict[str, list[int]] = {}
    for _, version, key in sent:
        result.setdefault(key, []).append(version)
    return result


async def pending(factory: SessionFactory) -> list[OutboxMessage]:
    async with factory() as session:
        statement = select(OutboxMessage).where(col(OutboxMessage.published_at).is_(None))
        return list((await session.exec(statement)).all())


async def test_drain_publishes_everything_in_per_task_order(factory: SessionFactory) -> None:
    task_ids = await write_events(factory, tasks=3, per_task=4)
    publisher = FakePublisher()
    relay = OutboxRelay(factory, publisher)
    result = await relay.drain()
    assert (result.published, result.failed) == (12, 0)
    assert versions_by_key(publisher.sent) == {str(t): [1, 2, 3, 4] for t in task_ids}
    assert await pending(factory) == []
    assert (await relay.drain()).fetched == 0  # nothing is published twice


async def test_outage_is_recorded_then_retried_after_backoff(factory: SessionFactory) -> None:
    task_ids = await write_events(factory, tasks=2, per_task=2)
    publisher, clock = FakePublisher(), FakeClock()
    publisher.down = True
    relay = OutboxRelay(factory, publisher, backoff=Backoff(base_seconds=30), clock=clock)
    result = await relay.drain()
    assert (result.published, result.failed) == (0, 2)  # only each task's first row is tried
    rows = sorted(await pending(factory), key=lambda r: r.id)
    heads = [r for r in rows if r.attempts == 1]
    assert len(heads) == 2 and all(r.last_error.startswith("ConnectionError") for r in heads)
    assert all(r.available_at == clock.now + timedelta(seconds=30) for r in heads)

    publisher.down = False
    assert (await relay.drain()).fetched == 0  # still backing off: nothing overtakes
    clock.now += timedelta(seconds=31)
    assert (await relay.drain()).published == 4
    assert versions_by_key(publisher.sent) == {str(t): [1, 2] for t in task_ids}


async def test_two_relays_never_publish_a_row_twice(factory: SessionFactory) -> None:
    task_ids = await write_events(factory, tasks=2, per_task=8)
    publisher = FakePublisher(jitter=0.01)
    relays = [OutboxRelay(factory, publisher, batch_size=2) for _ in range(3)]
    await asyncio.gather(*(relay.drain() for relay in relays))
    await relays[0].drain()  # whatever a relay's round limit left over
    assert len(publisher.sent) == 16
    assert versions_by_key(publisher.sent) == {str(t): list(range(1, 9)) for t in task_ids}


async def test_notify_publishes_promptly_after_commit(factory: SessionFactory) -> None:
    publisher = FakePublisher()
    relay = OutboxRelay(factory, publisher, sweep_seconds=3600)
    relay.start()
    try:
        await write_events(factory, tasks=1, per_task=2)
        relay.notify()
        for _ in range(50):
            if len(publisher.sent) == 2:
                break
            await asyncio.sleep(0.05)
        assert [version for _, version, _ in publisher.sent] == [1, 2]
    finally:
        await relay.stop()


class RoundCountingRelay(OutboxRelay):
    rounds: int = 0

    async def publish_once(self) -> RelayResult:
        self.rounds += 1
        return await super().publish_once()


@pytest.mark.parametrize(("per_task", "rounds"), [(1, 1), (3, 3)])
async def test_drain_stops_once_no_row_is_left_behind(
    factory: SessionFactory, per_task: int, rounds: int
) -> None:
    """No extra empty round after the last heads: a round continues only for successors."""
    await write_events(factory, tasks=3, per_task=per_task)
    relay = RoundCountingRelay(factory, FakePublisher())
    assert (await relay.drain()).published == 3 * per_task
    assert relay.rounds == rounds
    assert await pending(factory) == []


async def test_purge_removes_only_rows_published_before_the_retention(
    factory: SessionFactory,
) -> None:
    clock = FakeClock()
    relay = OutboxRelay(factory, FakePublisher(), clock=clock, retention=timedelta(days=7))
    await write_events(factory, tasks=3, per_task=1)
    await relay.drain()  # all three published "now"
    await write_events(factory, tasks=1, per_task=1)  # one still pending
    async with session_scope(factory) as session:
        rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
        rows[0].published_at = clock.now - timedelta(days=8)
        rows[1].published_at = clock.now - timedelta(days=6)
    assert await relay.purge_once() == 1
    async with session_scope(factory) as session:
        left = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    assert [r.id for r in left] == [r.id for r in rows[1:]]
    assert left[-1].published_at is None  # a pending row is never purged


async def test_backlog_gauges_follow_the_unpublished_rows(factory: SessionFactory) -> None:
    await write_events(factory, tasks=2, per_task=3)
    clock = FakeClock()
    clock.now += timedelta(seconds=90)
    relay = OutboxRelay(factory, FakePublisher(), clock=clock)
    await relay.measure_once()
    assert REGISTRY.get_sample_value("todo_outbox_depth") == 6
    assert REGISTRY.get_sample_value("todo_outbox_oldest_age_seconds") >= 90
    await relay.drain()
    await relay.measure_once()
    assert REGISTRY.get_sample_value("todo_outbox_depth") == 0
    assert REGISTRY.get_sample_value("todo_outbox_oldest_age_seconds") == 0
