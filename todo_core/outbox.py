"""Transactional outbox: events are written with the data change, then relayed to Dapr.

Ordering: Kafka keeps order per partition key (the task id); the relay keeps it per
(topic, task id) by publishing only the OLDEST unpublished row of each key in a round
("heads only"), rounds repeating until nothing is left. A row whose publish failed waits
out its backoff, and its key's later rows wait behind it. Row ids follow commit order per
task because every repository change locks the task row before it writes its events.

Two relays (two replicas) never publish one row twice: rows are claimed with
FOR UPDATE SKIP LOCKED, and a key's next row only becomes a head once the previous one is
committed as published. Delivery is still at least once (a crash between publish and
commit republishes), which the consumers' idempotency absorbs.
"""

import asyncio
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from loguru import logger
from sqlalchemy import delete, exists
from sqlalchemy.orm import aliased
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from todo_core.db import SessionFactory
from todo_core.events import Event, to_json_dict, topic_of
from todo_core.models import OutboxMessage, utcnow

_ERROR_MAX = 1000


class Publisher(Protocol):
    """What the relay needs from a broker; DaprPublisher in production."""

    async def publish(self, topic: str, data: str, partition_key: str) -> None: ...


class DaprPublisher:
    """Publishes through the Dapr sidecar (`dapr.aio.clients.DaprClient`)."""

    def __init__(self, client: object, pubsub_name: str) -> None:
        self._client = client  # a DaprClient; typed loosely so importing stays cheap
        self._pubsub = pubsub_name

    async def publish(self, topic: str, data: str, partition_key: str) -> None:
        await self._client.publish_event(  # type: ignore[attr-defined]
            pubsub_name=self._pubsub,
            topic_name=topic,
            data=data,
            data_content_type="application/json",
            # The Kafka component uses this as the record key: one task → one partition.
            publish_metadata={"partitionKey": partition_key},
        )


@dataclass(frozen=True)
class Backoff:
    """Exponential: base, 2×base, 4×base … capped at max_seconds."""

    base_seconds: float = 1.0
    max_seconds: float = 300.0

    def delay(self, attempts: int) -> timedelta:
        exponent = min(max(attempts - 1, 0), 30)  # 2**30 s is already past any cap
        return timedelta(seconds=min(self.max_seconds, self.base_seconds * 2**exponent))


@dataclass
class RelayResult:
    fetched: int = 0
    published: int = 0
    failed: int = 0

    def add(self, other: "RelayResult") -> None:
        self.fetched += other.fetched
        self.published += other.published
        self.failed += other.failed


async def add_events(session: AsyncSession, events: Iterable[Event]) -> list[OutboxMessage]:
    """Write events to the outbox in the caller's transaction (flushed, so ids follow the
    order given)."""
    rows = [
        OutboxMessage(
            topic=topic_of(event),
            event_type=event.type,
            event_id=event.event_id,
            partition_key=event.partition_key,
            payload=to_json_dict(event),
        )
        for event in events
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def publish_rows(
    rows: Sequence[OutboxMessage], publisher: Publisher, now: datetime, backoff: Backoff
) -> RelayResult:
    """Publish rows in id order and record the outcome on each row (not committed here).

    After a failure, later rows of the same (topic, key) in this batch are left alone so
    they cannot overtake it.
    """
    result = RelayResult(fetched=len(rows))
    blocked: set[tuple[str, str]] = set()
    for row in sorted(rows, key=lambda r: r.id or 0):
        key = (row.topic, row.partition_key)
        if key in blocked:
            continue
        row.attempts += 1
        try:
            await publisher.publish(row.topic, json.dumps(row.payload), row.partition_key)
        except Exception as exc:  # any broker-path failure is retried later
            row.last_error = f"{type(exc).__name__}: {exc}"[:_ERROR_MAX]
            row.available_at = now + backoff.delay(row.attempts)
            blocked.add(key)
            result.failed += 1
            logger.warning(
                "outbox publish failed: id={} topic={} attempts={} error={}",
                row.id, row.topic, row.attempts, row.last_error,
            )  # fmt: skip
        else:
            row.published_at = now
            row.last_error = None
            result.published += 1
    return result


def pending_heads(now: datetime, limit: int) -> SelectOfScalar[OutboxMessage]:
    """The oldest unpublished, due row of each (topic, key), claimed with SKIP LOCKED."""
    earlier = aliased(OutboxMessage)
    row = OutboxMessage
    older_pending = exists().where(
        earlier.topic == row.topic,
        earlier.partition_key == row.partition_key,
        earlier.published_at.is_(None),
        earlier.id < row.id,
    )
    return (
        select(row)
        .where(row.published_at.is_(None), row.available_at <= now, ~older_pending)
        .order_by(row.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def purge_published(session: AsyncSession, older_than: datetime) -> int:
    """Delete rows published before `older_than` (they are history, not needed to relay)."""
    result = await session.exec(
        delete(OutboxMessage).where(OutboxMessage.published_at < older_than)
    )
    return result.rowcount or 0


@dataclass
class OutboxRelay:
    """Publishes outbox rows: `notify()` after each commit, and a periodic sweep."""

    session_factory: SessionFactory
    publisher: Publisher
    batch_size: int = 100
    backoff: Backoff = field(default_factory=Backoff)
    sweep_seconds: float = 10.0
    max_rounds: int = 50
    clock: Callable[[], datetime] = utcnow
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _loop_task: asyncio.Task[None] | None = field(default=None, init=False)
    _scheduler: AsyncIOScheduler | None = field(default=None, init=False)

    async def publish_once(self) -> RelayResult:
        """One round: claim the heads, publish, record, commit."""
        now = self.clock()
        async with self.session_factory() as session, session.begin():
            rows = (await session.exec(pending_heads(now, self.batch_size))).all()
            return await publish_rows(rows, self.publisher, now, self.backoff)

    async def drain(self) -> RelayResult:
        """Rounds until a round publishes nothing (empty, or every head failed)."""
        total = RelayResult()
        for _ in range(self.max_rounds):
            result = await self.publish_once()
            total.add(result)
            if result.published == 0:
                break
        return total

    def notify(self) -> None:
        """Ask the background loop to drain now; call right after committing events."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.drain()
            except Exception:  # database/sidecar down: the next sweep retries
                logger.exception("outbox drain failed; will retry on the next sweep")

    async def _sweep(self) -> None:
        # A coroutine on purpose: AsyncIOScheduler runs plain functions in a thread, and
        # asyncio.Event is not thread-safe.
        self.notify()

    def start(self) -> None:
        """Start the drain loop and the sweep; call from inside the running event loop."""
        if self._loop_task is not None:
            return
        self._loop_task = asyncio.get_running_loop().create_task(self._run())
        self._scheduler = AsyncIOScheduler()
        self._scheduler.add_job(
            self._sweep,
            "interval",
            seconds=self.sweep_seconds,
            id="outbox-sweep",
            max_instances=1,
            coalesce=True,
        )
        self._scheduler.start()
        self.notify()  # rows left from before a restart go out right away

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
            self._loop_task = None
