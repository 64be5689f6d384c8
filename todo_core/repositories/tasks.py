"""Tasks: create, read, change, complete, reopen, delete, list, and the next occurrence of a
series. Every query is scoped by user_id: another user's task behaves exactly like a
missing one. Every change writes its events to the outbox in the same transaction:

  create    task.created (+ reminder.scheduled when it has a reminder)
  update    task.updated (+ reminder.scheduled if open with a reminder, carrying the new
            version so the worker's "is it still current?" check passes;
            reminder.cancelled if the reminder was removed)
  complete  task.completed (+ reminder.cancelled) (+ recurring.completed if recurring)
  reopen    task.updated (+ reminder.scheduled)
  delete    task.deleted (+ reminder.cancelled if open with a reminder)

Changes lock the task row first (SELECT … FOR UPDATE), which serialises concurrent edits of
one task and keeps its outbox ids in commit order (see outbox.py).
"""

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, and_, func, literal_column, or_
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_core.events import (
    Event,
    RecurringCompleted,
    ReminderCancelled,
    ReminderScheduled,
    TaskCompleted,
    TaskCreated,
    TaskDeleted,
    TaskSnapshot,
    TaskUpdated,
)
from todo_core.models import SEARCH_EXPRESSION, Priority, Status, Task, User, utcnow
from todo_core.outbox import add_events
from todo_core.recurrence import NextOccurrence, advance
from todo_core.repositories.errors import NotFound, QuotaReached, StaleVersion, TaskDone
from todo_core.settings import get_settings
from todo_core.timezones import get_zone, to_utc_lenient
from todo_core.validation import (
    ListQuery,
    PageCursor,
    ReminderAt,
    ReminderChoice,
    TaskCreate,
    TaskUpdate,
    remind_at_for,
    task_create_off_loop,
)

_REMINDER: TypeAdapter[ReminderChoice] = TypeAdapter(ReminderChoice)


@dataclass(frozen=True)
class TaskPage:
    items: list[Task]
    next_cursor: str | None  # None on the last page


def snapshot_of(task: Task) -> TaskSnapshot:
    return TaskSnapshot.model_validate(task, from_attributes=True)


# ---- reading --------------------------------------------------------------------------------


async def get_task(session: AsyncSession, user_id: UUID, task_id: UUID) -> Task | None:
    statement = select(Task).where(Task.id == task_id, Task.user_id == user_id)
    return (await session.exec(statement)).one_or_none()


async def task_by_id(session: AsyncSession, task_id: UUID) -> Task | None:
    """The task whoever owns it: for the worker, whose events only name a task (the row
    says whose it is and what it says)."""
    return await session.get(Task, task_id)


async def _lock_task(session: AsyncSession, user_id: UUID, task_id: UUID) -> Task:
    statement = (
        select(Task)
        .where(Task.id == task_id, Task.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    task = (await session.exec(statement)).one_or_none()
    if task is None:
        raise NotFound(f"task {task_id}")
    return task


def _check_version(task: Task, expected: int | None) -> None:
    if expected is not None and task.version != expected:
        raise StaleVersion(task.version)


async def _user_zone(session: AsyncSession, user_id: UUID) -> str:
    zone = (await session.exec(select(User.time_zone).where(User.id == user_id))).one_or_none()
    if zone is None:
        raise NotFound(f"user {user_id}")
    return zone


# ---- events ---------------------------------------------------------------------------------


def reminder_events(task: Task, previous_remind_at: datetime | None) -> list[Event]:
    """The reminder event that goes with a task change (also used by restore)."""
    if task.status == Status.OPEN and task.remind_at is not None:
        return [
            ReminderScheduled(
                user_id=task.user_id,
                task_id=task.id,
                task_version=task.version,
                remind_at=task.remind_at,
                due_at=task.due_at,
                title=task.title,
            )
        ]
    if previous_remind_at is not None:
        return [ReminderCancelled(user_id=task.user_id, task_id=task.id, task_version=task.version)]
    return []


# ---- changing -------------------------------------------------------------------------------


def _apply(task: Task, data: TaskCreate) -> None:
    task.title = data.title
    task.description = data.description
    task.priority = data.priority
    task.tags = list(data.tags)
    task.due_at = data.due_at
    task.remind_at = data.remind_at
    task.reminder = data.reminder.model_dump(mode="json")
    task.recurrence = data.rrule
    if task.recurrence and task.series_id is None:
        task.series_id = task.id  # the first task of a series names it


async def create_task(
    session: AsyncSession, user_id: UUID, data: TaskCreate, now: datetime | None = None
) -> Task:
    now = now or utcnow()
    await _check_quota(session, user_id)
    task = Task(id=uuid4(), user_id=user_id, title=data.title, created_at=now, updated_at=now)
    _apply(task, data)
    # No flush of its own: every column is set here, and add_events' flush writes the task
    # and its events together.
    session.add(task)
    created = TaskCreated(user_id=user_id, task=snapshot_of(task), occurred_at=now)
    await add_events(session, [created, *reminder_events(task, None)])
    return task


async def _check_quota(session: AsyncSession, user_id: UUID) -> None:
    """QuotaReached when the user holds the most tasks an account may (done ones count)."""
    limit = get_settings().max_tasks_per_user
    statement = select(func.count()).select_from(Task).where(Task.user_id == user_id)
    if (await session.exec(statement)).one() >= limit:
        raise QuotaReached(f"an account holds at most {limit:,} tasks; delete some to add more")


def _as_input(task: Task) -> dict[str, Any]:
    """The stored task in TaskCreate's input shape, to re-check it with the changes merged."""
    recurrence = {"kind": "rrule", "rrule": task.recurrence} if task.recurrence else None
    return {
        "title": task.title,
        "description": task.description,
        "priority": task.priority,
        "tags": task.tags,
        "due": task.due_at,
        "recurrence": recurrence or {"kind": "none"},
        "reminder": task.reminder,
    }


async def update_task(
    session: AsyncSession,
    user_id: UUID,
    task_id: UUID,
    changes: TaskUpdate,
    now: datetime | None = None,
) -> Task:
    """Apply a partial change; StaleVersion if `changes.version` is not the current one,
    pydantic.ValidationError (field-named) if the merged task breaks a rule."""
    now = now or utcnow()
    zone = await _user_zone(session, user_id)
    task = await _lock_task(session, user_id, task_id)
    _check_version(task, changes.version)
    data = await task_create_off_loop({**_as_input(task), **changes.changes()}, zone)
    previous_remind_at = task.remind_at
    _apply(task, data)
    await _bump(session, task, now)
    updated = TaskUpdated(user_id=user_id, task=snapshot_of(task), occurred_at=now)
    await add_events(session, [updated, *reminder_events(task, previous_remind_at)])
    return task


def snoozed_reminder(until: datetime) -> dict[str, Any]:
    """A reminder moved to `until` (aware), in TaskUpdate's input shape."""
    return {"kind": "at", "at": until.isoformat(), "snoozed": True}


async def snooze_task(
    session: AsyncSession,
    user_id: UUID,
    task_id: UUID,
    until: datetime,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Task:
    """Move the task's reminder to `until` (aware): the same path as a PATCH of its reminder
    (version guard, task.updated + reminder.scheduled in the outbox, the worker's Job).
    NotFound, TaskDone, StaleVersion, or ValidationError naming `reminder`."""
    task = await get_task(session, user_id, task_id)
    if task is None:
        raise NotFound(str(task_id))
    if task.status != Status.OPEN:
        raise TaskDone(str(task_id))  # a done task's reminder never goes off
    zone = await _user_zone(session, user_id)
    version = task.version if expected_version is None else expected_version
    body = {"version": version, "reminder": snoozed_reminder(until)}
    changes = TaskUpdate.model_validate(body, context={"time_zone": zone})
    return await update_task(session, user_id, task_id, changes, now)


async def _bump(session: AsyncSession, task: Task, now: datetime) -> None:
    """Every change makes a new version; flushed so its snapshot and events see it."""
    task.version += 1
    task.updated_at = now
    await session.flush()


async def complete_task(
    session: AsyncSession,
    user_id: UUID,
    task_id: UUID,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Task:
    """Mark done. Completing a done task changes nothing and writes no events."""
    now = now or utcnow()
    zone = await _user_zone(session, user_id)
    task = await _lock_task(session, user_id, task_id)
    _check_version(task, expected_version)
    if task.status == Status.DONE:
        return task
    previous_remind_at = task.remind_at
    task.status, task.completed_at = Status.DONE, now
    await _bump(session, task, now)
    snapshot = snapshot_of(task)
    events: list[Event] = [TaskCompleted(user_id=user_id, task=snapshot, occurred_at=now)]
    events += reminder_events(task, previous_remind_at)
    if task.recurrence:
        events.append(
            RecurringCompleted(user_id=user_id, task=snapshot, time_zone=zone, occurred_at=now)
        )
    await add_events(session, events)
    return task


async def reopen_task(
    session: AsyncSession,
    user_id: UUID,
    task_id: UUID,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Task:
    """Mark open again. Reopening an open task changes nothing and writes no events."""
    now = now or utcnow()
    task = await _lock_task(session, user_id, task_id)
    _check_version(task, expected_version)
    if task.status == Status.OPEN:
        return task
    task.status, task.completed_at = Status.OPEN, None
    await _bump(session, task, now)
    updated = TaskUpdated(user_id=user_id, task=snapshot_of(task), occurred_at=now)
    await add_events(session, [updated, *reminder_events(task, None)])
    return task


async def delete_task(
    session: AsyncSession,
    user_id: UUID,
    task_id: UUID,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    task = await _lock_task(session, user_id, task_id)
    _check_version(task, expected_version)
    events: list[Event] = [TaskDeleted(user_id=user_id, task=snapshot_of(task), occurred_at=now)]
    if task.status == Status.OPEN and task.remind_at is not None:
        events.append(
            ReminderCancelled(user_id=user_id, task_id=task.id, task_version=task.version)
        )
    await session.delete(task)
    await session.flush()
    await add_events(session, events)


# ---- the next occurrence of a series ---------------------------------------------------------


def _next_reminder(
    snapshot: TaskSnapshot, next_due: datetime
) -> tuple[dict[str, Any], datetime | None]:
    """The next task's reminder: same offset from its due date as the completed one had."""
    choice = _REMINDER.validate_python(snapshot.reminder)
    if isinstance(choice, ReminderAt) and snapshot.due_at and snapshot.remind_at:
        moved = ReminderAt(at=next_due + (snapshot.remind_at - snapshot.due_at))
        return moved.model_dump(mode="json"), moved.at
    return choice.model_dump(mode="json"), remind_at_for(choice, next_due)


async def as_stored(
    session: AsyncSession, completed: RecurringCompleted
) -> RecurringCompleted | None:
    """The event with its task, owner and zone as PostgreSQL has them: an event only names a
    task, and a forged or stale one must not plant tasks. None when the task is gone, is not
    done (reopened meanwhile), or belongs to someone other than the event says."""
    task = await session.get(Task, completed.task.id)
    if task is None or task.status != Status.DONE or task.user_id != completed.user_id:
        return None
    zone = await _user_zone(session, task.user_id)
    return completed.model_copy(update={"task": snapshot_of(task), "time_zone": zone})


def next_occurrence_of(completed: RecurringCompleted, now: datetime) -> NextOccurrence | None:
    """The completed task's next occurrence (pure CPU work: callers on an event loop run it
    in a thread); None when it has no rule or due date, or its series is finished."""
    done = completed.task
    if not done.recurrence or done.due_at is None:
        return None
    return advance(done.recurrence, done.due_at, completed.time_zone, now)


async def spawn_next_occurrence(
    session: AsyncSession,
    completed: RecurringCompleted,
    found: NextOccurrence | None,
    now: datetime | None = None,
) -> Task | None:
    """Insert the series' next task `found` (once per series and due time) with its outbox
    events. None when there is none or the next task already exists (redelivery).
    """
    now = now or utcnow()
    done = completed.task
    if found is None:
        return None
    reminder, remind_at = _next_reminder(done, found.due_at)
    new_id = uuid4()
    statement = (
        insert(Task)
        .values(
            id=new_id,
            user_id=done.user_id,
            title=done.title,
            description=done.description,
            priority=done.priority,
            tags=done.tags,
            status=Status.OPEN,
            due_at=found.due_at,
            remind_at=remind_at,
            reminder=reminder,
            recurrence=found.rrule,
            series_id=done.series_id or done.id,
            created_at=now,
            updated_at=now,
            version=1,
        )
        .on_conflict_do_nothing(constraint="uq_task_series_due")
        .returning(col(Task.id))
    )
    if (await session.exec(statement)).scalar_one_or_none() is None:
        return None
    task = await session.get_one(Task, new_id)
    created = TaskCreated(user_id=task.user_id, task=snapshot_of(task), occurred_at=now)
    await add_events(session, [created, *reminder_events(task, None)])
    return task


# ---- naming ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskName:
    id: UUID
    title: str
    status: Status


async def task_names(session: AsyncSession, user_id: UUID, limit: int = 2000) -> list[TaskName]:
    """Ids, titles and statuses of the user's tasks, most recently changed first: what the
    assistant matches a task's name against."""
    statement = (
        select(col(Task.id), col(Task.title), col(Task.status))
        .where(col(Task.user_id) == user_id)
        .order_by(col(Task.updated_at).desc())
        .limit(limit)
    )
    return [TaskName(*row) for row in (await session.exec(statement)).all()]


# ---- listing --------------------------------------------------------------------------------


def _sort_column(sort: str) -> Any:
    return {
        "due": col(Task.due_at),
        "priority": col(Task.priority),
        "created": col(Task.created_at),
        "title": func.lower(Task.title),
    }[sort]


def _key_text(task: Task, sort: str) -> str | None:
    if sort == "due":
        return task.due_at.isoformat() if task.due_at else None
    if sort == "created":
        return task.created_at.isoformat()
    if sort == "priority":
        return task.priority.value
    return task.title.lower()


def _key_value(text: str, sort: str) -> Any:
    if sort in ("due", "created"):
        return datetime.fromisoformat(text)
    return Priority(text) if sort == "priority" else text


def _after_cursor(cursor: PageCursor) -> ColumnElement[bool]:
    """Rows after the cursor in (key, id) order; due_at NULLs always sort last."""
    after: Callable[[Any, Any], Any] = operator.lt if cursor.order == "desc" else operator.gt
    key, task_id = _sort_column(cursor.sort), col(Task.id)
    if cursor.key is None:  # only due can be NULL: we are inside the NULL tail
        return and_(key.is_(None), after(task_id, cursor.id))
    value = _key_value(cursor.key, cursor.sort)
    later = or_(after(key, value), and_(key == value, after(task_id, cursor.id)))
    return or_(key.is_(None), later) if cursor.sort == "due" else later


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _local_day_start(now: datetime, zone_name: str, days_ahead: int = 0) -> datetime:
    zone = get_zone(zone_name)
    day = now.astimezone(zone).date() + timedelta(days=days_ahead)
    return to_utc_lenient(datetime.combine(day, time()), zone)


def _due_filter(due: str, zone: str, now: datetime) -> ColumnElement[bool]:
    due_at = col(Task.due_at)
    if due == "overdue":
        return and_(due_at < now, col(Task.status) == Status.OPEN)
    if due == "none":
        return due_at.is_(None)
    start = _local_day_start(now, zone)
    end = _local_day_start(now, zone, 1 if due == "today" else 7)
    return and_(due_at >= start, due_at < end)


def _filters(user_id: UUID, query: ListQuery, zone: str, now: datetime) -> list[Any]:
    filters: list[Any] = [col(Task.user_id) == user_id]
    if query.status:
        filters.append(col(Task.status) == query.status)
    if query.priority:
        filters.append(col(Task.priority) == query.priority)
    if query.tag:
        filters.append(col(Task.tags).contains([query.tag]))
    if query.q:
        # Same literal expression as the trigram index, so the planner can use it.
        pattern = f"%{_escape_like(query.q)}%"
        filters.append(literal_column(SEARCH_EXPRESSION).ilike(pattern, escape="\\"))
    if query.due:
        filters.append(_due_filter(query.due, zone, now))
    if query.page_cursor:
        filters.append(_after_cursor(query.page_cursor))
    return filters


async def list_tasks(
    session: AsyncSession,
    user_id: UUID,
    query: ListQuery,
    time_zone: str,
    now: datetime | None = None,
) -> TaskPage:
    """One page of the user's tasks; `time_zone` defines "today" and "this week"."""
    now = now or utcnow()
    statement = (
        select(Task)
        .where(*_filters(user_id, query, time_zone, now))
        .order_by(*_order(query))
        .limit(query.limit + 1)  # one extra row tells whether another page exists
    )
    return _page(list((await session.exec(statement)).all()), query)


async def list_tag_pages(
    session: AsyncSession,
    user_id: UUID,
    query: ListQuery,
    tags: Sequence[str],
    time_zone: str,
    now: datetime | None = None,
) -> dict[str, TaskPage]:
    """The first page of `query` for each of `tags`, as list_tasks gives it with `tag` set to
    that tag, in one statement: the page shows every tag view at once (a switch between
    them needs no query). Each task is ranked within each of its tags by the query's order."""
    now = now or utcnow()
    wanted = sorted(set(tags))
    if not wanted:
        return {}
    first = query.model_copy(update={"tag": None, "cursor": None})
    tag = func.unnest(col(Task.tags)).column_valued("tag")
    rank = func.row_number().over(partition_by=tag, order_by=_order(first)).label("rank")
    ranked = (
        select(col(Task.id).label("task_id"), tag.label("tag"), rank)
        .select_from(Task)
        .where(*_filters(user_id, first, time_zone, now), col(Task.tags).overlap(wanted))  # type: ignore[attr-defined]
        .where(tag.in_(wanted))
        .subquery()
    )
    statement = (
        select(Task, ranked.c.tag)
        .join(ranked, ranked.c.task_id == col(Task.id))
        .where(ranked.c.rank <= query.limit + 1)
        .order_by(ranked.c.tag, ranked.c.rank)
    )
    found: dict[str, list[Task]] = {name: [] for name in wanted}
    for task, name in (await session.exec(statement)).all():
        found[name].append(task)
    return {name: _page(rows, first) for name, rows in found.items()}


def _order(query: ListQuery) -> list[Any]:
    key = _sort_column(query.sort)
    desc = query.order == "desc"
    return [
        (key.desc() if desc else key.asc()).nulls_last(),
        col(Task.id).desc() if desc else col(Task.id).asc(),
    ]


def _page(rows: list[Task], query: ListQuery) -> TaskPage:
    """A page of `query.limit` rows out of `rows` (one more when another page exists)."""
    items, more = rows[: query.limit], len(rows) > query.limit
    if not more:
        return TaskPage(items=items, next_cursor=None)
    last = items[-1]
    cursor = PageCursor(
        sort=query.sort, order=query.order, key=_key_text(last, query.sort), id=last.id
    )
    return TaskPage(items=items, next_cursor=cursor.encode())
