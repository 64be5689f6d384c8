"""Task history, fed by task-events (the worker appends, the web UI lists)."""

from uuid import UUID

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_core.events import TaskEvent
from todo_core.models import TaskActivity


async def append_activity(session: AsyncSession, event: TaskEvent) -> bool:
    """Record the event once (by event_id); False when it was already recorded."""
    statement = (
        insert(TaskActivity)
        .values(
            task_id=event.task.id,
            user_id=event.user_id,
            event_id=event.event_id,
            event_type=event.type,
            occurred_at=event.occurred_at,
            snapshot=event.task.model_dump(mode="json"),
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(TaskActivity.id)
    )
    result = await session.exec(statement)
    return result.scalar_one_or_none() is not None


async def list_activity(
    session: AsyncSession, user_id: UUID, task_id: UUID, limit: int = 100
) -> list[TaskActivity]:
    """Oldest first; another user's task has no history (same as a missing one)."""
    statement = (
        select(TaskActivity)
        .where(TaskActivity.user_id == user_id, TaskActivity.task_id == task_id)
        .order_by(col(TaskActivity.occurred_at), col(TaskActivity.id))
        .limit(limit)
    )
    return list((await session.exec(statement)).all())
