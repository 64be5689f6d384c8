"""Transactional outbox: events are written with the data change, then relayed to Dapr.

Ordering: Kafka keeps order per partition key (the task id); the relay keeps it per
(topic, task id) by publishing only the OLDEST unpublished row of each key in a round
("heads only", the keys concurrently), rounds repeating while a published head has a
successor or the batch was full. A row whose publish failed waits
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
from typing import TYPE_CHECKING, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from loguru import logger
from opentelemetry.trace import SpanKind
from sqlalchemy import Exists, Integer, bindparam, delete, exists, func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_core.db import SessionFactory
from todo_core.events import Event, to_json_dict, topic_of
from todo_core.metrics import (
    OUTBOX_DEPTH,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PUBLISH_DELAY,
    OUTBOX_PUBLISHED,
)
from todo_core.models import OutboxMessage, utcnow
from todo_core.telemetry import continued_span, current_traceparent

if TYPE_CHECKING:  # imported for its type only, so importing this module stays cheap
    from dapr.aio.clients import DaprClient

_ERROR_MAX = 1000


class Publisher(Protocol):
    """What the relay needs from a broker; DaprPublisher in production."""

    async def publish(self, topic: str, data: str, partition_key: str) -> None: ...


class DaprPublisher:
    """Publishes through the Dapr sidecar (`dapr.aio.clients.DaprClient`)."""

    def __init__(self, client: "DaprClient", pubsub_name: str) -> None:
        self._client = client
        self._pubsub = pubsub_name

    async def publish(self, topic: str, data: str, partition_key: str) -> None:
        await self._client.publish_event(
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
    # Rows left for another round: the batch was full, or a published head has a successor.
    more: bool = False

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
            traceparent=current_traceparent(),
        )
        for event in events
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def publish_rows(
    rows: Sequence[OutboxMessage],
    publisher: Publisher,
    now: datetime,
    backoff: Backoff,
    concurrency: int = 16,
) -> RelayResult:
    """Publish rows and record the outcome on each row (not committed here).

    Rows of one (topic, key) go out one after another in id order, and after a failure the
    key's later rows are left alone so they cannot overtake it. Different keys go out
    concurrently: Kafka orders per key only, and one broker round trip per key in a row
    would make a task's reminder wait behind its task event.
    """
    result = RelayResult(fetched=len(rows))
    chains: dict[tuple[str, str], list[OutboxMessage]] = {}
    for row in sorted(rows, key=lambda r: r.id or 0):
        chains.setdefault((row.topic, row.partition_key), []).append(row)
    slots = asyncio.Semaphore(concurrency)

    async def publish_chain(chain: list[OutboxMessage]) -> None:
        async with slots:
            for row in chain:
                if not await _publish_row(row, publisher, now, backoff, result):
                    return

    await asyncio.gather(*(publish_chain(chain) for chain in chains.values()))
    return result


async def _publish_row(
    row: OutboxMessage, publisher: Publisher, now: datetime, backoff: Backoff, result: RelayResult
) -> bool:
    """Publish one row and record the outcome; False if it failed."""
    row.attempts += 1
    try:
        # In the trace of the request that wrote the row: daprd's produce continues it.
        with continued_span(f"outbox publish {row.topic}", row.traceparent, SpanKind.PRODUCER):
            await publisher.publish(row.topic, json.dumps(row.payload), row.partition_key)
    except Exception as exc:  # any broker-path failure is retried later
        row.last_error = f"{type(exc).__name__}: {exc}"[:_ERROR_MAX]
        row.available_at = now + backoff.delay(row.attempts)
        result.failed += 1
        OUTBOX_PUBLISHED.labels(row.topic, "failed").inc()
        logger.warning(
            "outbox publish failed: id={} topic={} attempts={} error={}",
            row.id, row.topic, row.attempts, row.last_error,
        )  # fmt: skip
        return False
    row.published_at = now
    row.last_error = None
    result.published += 1
    OUTBOX_PUBLISHED.labels(row.topic, "published").inc()
    if row.created_at is not None:
        OUTBOX_PUBLISH_DELAY.observe(max((now - row.created_at).total_seconds(), 0))
    return True


def _pending_of_same_key(other: type[OutboxMessage], newer: bool) -> Exists:
    row = OutboxMessage
    order = col(other.id) > col(row.id) if newer else col(other.id) < col(row.id)
    return exists().where(
        col(other.topic) == col(row.topic),
        col(other.partition_key) == col(row.partition_key),
        col(other.published_at).is_(None),
        order,
    )


# Built once: constructing this statement (aliases, EXISTS) costs more Python time than
# running it, and the relay runs it after every commit.
_HEADS = (
    select(
        OutboxMessage,
        _pending_of_same_key(aliased(OutboxMessage), newer=True).label("has_next"),
    )
    .where(
        col(OutboxMessage.published_at).is_(None),
        col(OutboxMessage.available_at) <= bindparam("now"),
        ~_pending_of_same_key(aliased(OutboxMessage), newer=False),
    )
    .order_by(col(OutboxMessage.id))
    .limit(bindparam("limit", type_=Integer))
    .with_for_update(skip_locked=True)
)


async def claim_heads(
    session: AsyncSession, now: datetime, limit: int
) -> list[tuple[OutboxMessage, bool]]:
    """The oldest unpublished, due row of each (topic, key), claimed with SKIP LOCKED, each
    with whether a later unpublished row of its key waits behind it."""
    result = await session.exec(_HEADS, params={"now": now, "limit": limit})
    return [(row, bool(has_next)) for row, has_next in result.all()]


async def pending_stats(session: AsyncSession, now: datetime) -> tuple[int, float]:
    """How many rows wait to be published, and the age in seconds of the oldest (0: none);
    one scan of the small partial index of unpublished rows."""
    result = await session.exec(
        select(func.count(), func.min(OutboxMessage.created_at)).where(
            col(OutboxMessage.published_at).is_(None)
        )
    )
    count, oldest = result.one()
    return count, (now - oldest).total_seconds() if oldest is not None else 0.0


async def purge_published(session: AsyncSession, older_than: datetime) -> int:
    """Delete rows published before `older_than` (they are history, not needed to relay)."""
    result = await session.exec(
        delete(OutboxMessage).where(col(OutboxMessage.published_at) < older_than)
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
    # Published rows are history once on Kafka: kept this long (for tracing an event back
    # to its write), then purged hourly so the table does not grow without end.
    retention: timedelta = timedelta(days=7)
    clock: Callable[[], datetime] = utcnow
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _loop_task: asyncio.Task[None] | None = field(default=None, init=False)
    _scheduler: AsyncIOScheduler | None = field(default=None, init=False)

    async def publish_once(self) -> RelayResult:
        """One round: claim the heads, publish, record, commit."""
        now = self.clock()
        async with self.session_factory() as session, session.begin():
            heads = await claim_heads(session, now, self.batch_size)
            result = await publish_rows([r for r, _ in heads], self.publisher, now, self.backoff)
        result.more = len(heads) == self.batch_size or any(
            has_next and row.published_at is not None for row, has_next in heads
        )
        return result

    async def drain(self) -> RelayResult:
        """Rounds until nothing is left behind, or a round publishes nothing (every head
        failed). Rows committed meanwhile are not missed: their writer calls notify()."""
        total = RelayResult()
        for _ in range(self.max_rounds):
            result = await self.publish_once()
            total.add(result)
            if result.published == 0 or not result.more:
                break
        return total

    async def purge_once(self) -> int:
        """Delete rows published longer ago than `retention`; returns how many."""
        async with self.session_factory() as session, session.begin():
            purged = await purge_published(session, self.clock() - self.retention)
        if purged:
            logger.info(
                "outbox: purged {} rows published before the last {}", purged, self.retention
            )
        return purged

    async def measure_once(self) -> None:
        """Set the depth and oldest-age gauges the metrics store scrapes."""
        async with self.session_factory() as session:
            depth, age = await pending_stats(session, self.clock())
        OUTBOX_DEPTH.set(depth)
        OUTBOX_OLDEST_AGE.set(age)

    async def _measure(self) -> None:
        try:
            await self.measure_once()
        except Exception:  # database away: the gauges keep their last value meanwhile
            logger.warning("outbox: measuring the backlog failed; will retry on the next sweep")

    async def _purge(self) -> None:
        try:
            await self.purge_once()
        except Exception:  # database away: the next hour tries again
            logger.exception("outbox purge failed; will retry in an hour")

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
        await self._measure()

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
        # Two relays (web, worker) may purge at once: each deletes what the other did not.
        self._scheduler.add_job(
            self._purge, "interval", hours=1, id="outbox-purge", max_instances=1, coalesce=True
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
