"""In-app notifications (the mock push): recorded by the worker, shown by the web UI."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_core.models import Notification, utcnow


async def record_notification(
    session: AsyncSession, user_id: UUID, task_id: UUID, remind_at: datetime, title: str
) -> bool:
    """Insert once per (task, remind_at); False when it was already there (redelivery)."""
    statement = (
        insert(Notification)
        .values(
            Notification(
                user_id=user_id, task_id=task_id, remind_at=remind_at, title=title
            ).model_dump()
        )
        .on_conflict_do_nothing(constraint="uq_notification_task_remind")
        .returning(Notification.id)
    )
    result = await session.exec(statement)
    return result.scalar_one_or_none() is not None


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
