"""In-app notifications (the mock push): recorded by the worker, shown by the web UI."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_core.models import Notification, utcnow


async def record_notification(
    session: AsyncSession, user_id: UUID, task_id: UUID, remind_at: datetime, title: str
) -> UUID | None:
    """Insert once per (task, remind_at); its id, or None when it was already there."""
    statement = (
        insert(Notification)
        .values(
            Notification(
                user_id=user_id, task_id=task_id, remind_at=remind_at, title=title
            ).model_dump()
        )
        .on_conflict_do_nothing(constraint="uq_notification_task_remind")
        .returning(col(Notification.id))
    )
    result = await session.exec(statement)
    return result.scalar_one_or_none()


@dataclass(frozen=True)
class DueReminder:
    """A notification recorded and not yet pushed, with what the push (a log line) says."""

    id: UUID  # the notification's: the push's idempotency key
    user_id: UUID
    task_id: UUID
    remind_at: datetime
    title: str
    due_at: datetime | None
    created_at: datetime


# The open tasks due in (after, upto] and in the shard, that have no notification for that
# time yet, each recorded once; a batch at a time so a huge second commits as it goes.
# The shard expression must match worker.jobs.shard_of (the last byte of the id).
_RECORD_DUE = text(
    """
    WITH due AS (
        SELECT t.id, t.user_id, t.remind_at, t.title, t.due_at
        FROM task t
        WHERE t.status = 'open' AND t.remind_at > :after AND t.remind_at <= :upto
          AND get_byte(uuid_send(t.id), 15) % :shards = :shard
          AND NOT EXISTS (
              SELECT 1 FROM notification n WHERE n.task_id = t.id AND n.remind_at = t.remind_at
          )
        ORDER BY t.remind_at, t.id
        LIMIT :batch
    ), recorded AS (
        INSERT INTO notification (id, user_id, task_id, remind_at, title, created_at)
        SELECT gen_random_uuid(), user_id, id, remind_at, title, clock_timestamp() FROM due
        ON CONFLICT ON CONSTRAINT uq_notification_task_remind DO NOTHING
        RETURNING id, task_id, created_at
    )
    SELECT recorded.id, due.user_id, due.id, due.remind_at, due.title, due.due_at,
           recorded.created_at
    FROM due LEFT JOIN recorded ON recorded.task_id = due.id
    """
)


async def record_due(
    session: AsyncSession,
    after: datetime,
    upto: datetime,
    shard: int,
    shards: int,
    batch: int,
) -> tuple[list[DueReminder], bool]:
    """Record the notifications of one batch of due reminders; (recorded, more may remain).

    Safe to repeat and to run concurrently: a reminder already notified is skipped, and the
    unique (task_id, remind_at) settles two triggers racing on the same one."""
    params = {"after": after, "upto": upto, "shard": shard, "shards": shards, "batch": batch}
    # SQLModel's exec() runs text() but has no overload for it.
    rows = (await session.exec(_RECORD_DUE, params=params)).all()  # type: ignore[call-overload]
    # A row without created_at was selected but recorded by a concurrent trigger meanwhile.
    recorded = [DueReminder(*row) for row in rows if row.created_at is not None]
    # A full selection may have left more behind.
    return recorded, len(rows) >= batch


# Notifications whose push has not gone out (a worker died between recording and pushing),
# recorded more than :grace ago so that a trigger still pushing its own is left alone;
# claimed with SKIP LOCKED so two workers never take the same row.
_UNPUSHED = text(
    """
    SELECT n.id, n.user_id, n.task_id, n.remind_at, n.title, t.due_at, n.created_at
    FROM notification n LEFT JOIN task t ON t.id = n.task_id
    WHERE n.pushed_at IS NULL AND n.created_at < clock_timestamp() - :grace * interval '1 second'
    ORDER BY n.created_at
    LIMIT :batch
    FOR UPDATE OF n SKIP LOCKED
    """
)


async def claim_unpushed(
    session: AsyncSession, grace_seconds: float, batch: int
) -> list[DueReminder]:
    """Unpushed notifications older than the grace, locked until the session ends."""
    params = {"grace": grace_seconds, "batch": batch}
    # SQLModel's exec() runs text() but has no overload for it.
    rows = (await session.exec(_UNPUSHED, params=params)).all()  # type: ignore[call-overload]
    return [DueReminder(*row) for row in rows]


async def mark_pushed(session: AsyncSession, ids: list[UUID]) -> None:
    if ids:
        statement = (
            update(Notification)
            .where(col(Notification.id).in_(ids), col(Notification.pushed_at).is_(None))
            .values(pushed_at=utcnow())
        )
        await session.exec(statement)


async def list_notifications(
    session: AsyncSession, user_id: UUID, *, unread_only: bool = False, limit: int = 50
) -> list[Notification]:
    """Newest first."""
    statement = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        statement = statement.where(col(Notification.read_at).is_(None))
    statement = statement.order_by(
        col(Notification.created_at).desc(), col(Notification.id).desc()
    ).limit(limit)
    return list((await session.exec(statement)).all())


async def mark_read(
    session: AsyncSession, user_id: UUID, notification_id: UUID | None = None
) -> int:
    """Mark one notification (or, with None, all of the user's) read; returns how many."""
    statement = (
        update(Notification)
        .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    if notification_id is not None:
        statement = statement.where(col(Notification.id) == notification_id)
    result = await session.exec(statement)
    return result.rowcount or 0
