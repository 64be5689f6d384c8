"""Task history, fed by task-events (the worker appends, the web UI lists).

Trust: an event only names a task. Whose history it joins is read from PostgreSQL: the task
row, or for a task already gone (task.deleted arrives after the delete) the outbox row our
own write left for this event, else the task's history recorded so far. An event that
disagrees (another owner, a version the task never had, a delete of a task that exists) is
refused. At the task's current version the stored row is what is recorded; an older
version's snapshot can no longer be checked against the row and is kept as the event says
(its owner still checked).
"""

from uuid import UUID

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_core.events import TaskDeleted, TaskEvent, TaskSnapshot
from todo_core.models import OutboxMessage, TaskActivity
from todo_core.repositories.errors import Untrusted
from todo_core.repositories.tasks import snapshot_of, task_by_id


async def append_activity(session: AsyncSession, event: TaskEvent) -> bool:
    """Record the event once (by event_id); False when it was already recorded.

    Raises Untrusted when the database disagrees with the event (nothing is recorded)."""
    owner, snapshot = await _as_stored(session, event)
    if owner != event.user_id:
        raise Untrusted(f"task {event.task.id} is not the event's user's")
    statement = (
        insert(TaskActivity)
        .values(
            task_id=event.task.id,
            user_id=owner,
            event_id=event.event_id,
            event_type=event.type,
            occurred_at=event.occurred_at,
            snapshot=snapshot.model_dump(mode="json"),
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(col(TaskActivity.id))
    )
    result = await session.exec(statement)
    return result.scalar_one_or_none() is not None


async def _as_stored(session: AsyncSession, event: TaskEvent) -> tuple[UUID, TaskSnapshot]:
    """(the task's owner, the snapshot to record) as the database has them."""
    named = event.task
    task = await task_by_id(session, named.id)
    if task is not None:
        # Versions only grow (a restore comes back one above its task.deleted's).
        if named.version > task.version:
            raise Untrusted(f"task {named.id} never had version {named.version}")
        if isinstance(event, TaskDeleted) and named.version == task.version:
            raise Untrusted(f"task {named.id} was not deleted")
        stored = snapshot_of(task)
        return task.user_id, stored if named.version == task.version else named
    written = await _as_written(session, event)
    if written is not None:
        return written
    earlier = select(TaskActivity.user_id).where(TaskActivity.task_id == named.id).limit(1)
    owner = (await session.exec(earlier)).first()
    if owner is None:
        raise Untrusted(f"task {named.id} is gone and nothing recorded says whose it was")
    return owner, named


async def _as_written(session: AsyncSession, event: TaskEvent) -> tuple[UUID, TaskSnapshot] | None:
    """A gone task's owner and snapshot from this event's outbox row: written with the
    delete by us, kept a week after publishing."""
    statement = select(OutboxMessage.payload).where(OutboxMessage.event_id == event.event_id)
    payload = (await session.exec(statement)).one_or_none()
    if payload is None or payload.get("task", {}).get("id") != str(event.task.id):
        return None
    return UUID(payload["user_id"]), TaskSnapshot.model_validate(payload["task"])


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
