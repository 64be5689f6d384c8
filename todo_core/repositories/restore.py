"""Undoing a delete: the task comes back as itself (same id, series, created time), so its
history, notifications and series stay attached. It returns at the next version, which
makes the worker's reminder state (cancelled at the deleted version) take the new
reminder. Writes task.created (the task exists again) and, when it is open with a
reminder, reminder.scheduled."""

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_core.events import TaskCreated, TaskSnapshot
from todo_core.models import Task, utcnow
from todo_core.outbox import add_events
from todo_core.repositories.tasks import reminder_events, snapshot_of


async def restore_task(
    session: AsyncSession, deleted: TaskSnapshot, now: datetime | None = None
) -> Task | None:
    """Re-insert a deleted task from its task.deleted snapshot; None when it cannot come
    back (it exists again already, or its series has a task at the same due time)."""
    now = now or utcnow()
    values = deleted.model_dump(exclude={"version", "updated_at"})
    statement = (
        insert(Task)
        .values(**values, version=deleted.version + 1, updated_at=now)
        .on_conflict_do_nothing()
        .returning(col(Task.id))
    )
    if (await session.exec(statement)).scalar_one_or_none() is None:
        return None
    task = await session.get_one(Task, deleted.id)
    created = TaskCreated(user_id=task.user_id, task=snapshot_of(task), occurred_at=now)
    await add_events(session, [created, *reminder_events(task, None)])
    return task
