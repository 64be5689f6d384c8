"""Task repository against a real PostgreSQL (db_url: a freshly migrated database)."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import text
from sqlmodel import col, select

from todo_core.db import SessionFactory, create_engine, create_session_factory, session_scope
from todo_core.events import RecurringCompleted, ReminderScheduled, parse_event
from todo_core.models import OutboxMessage, Status, Task, User
from todo_core.repositories import tasks, users
from todo_core.repositories.errors import NotFound, QuotaReached, StaleVersion
from todo_core.settings import get_settings
from todo_core.validation import ListQuery, SignUp, TaskUpdate, field_errors, task_create

pytestmark = pytest.mark.integration
BERLIN = "Europe/Berlin"


@pytest.fixture(scope="module")
async def factory(db_url: str) -> AsyncIterator[SessionFactory]:
    engine = create_engine(db_url)
    yield create_session_factory(engine)
    await engine.dispose()


async def make_user(factory: SessionFactory, tz: str = BERLIN) -> User:
    data = SignUp(
        email=f"u{uuid4().hex[:10]}@example.com",
        password=SecretStr("correct horse"),
        display_name="Tester",
        time_zone=tz,
    )
    async with session_scope(factory) as session:
        return await users.create_user(session, data)


async def make_task(factory: SessionFactory, user: User, **fields: object) -> Task:
    data = task_create({"title": "a task", **fields}, user.time_zone)
    async with session_scope(factory) as session:
        return await tasks.create_task(session, user.id, data)


async def outbox_of(factory: SessionFactory, task_id: UUID) -> list[OutboxMessage]:
    async with factory() as session:
        statement = (
            select(OutboxMessage)
            .where(OutboxMessage.partition_key == str(task_id))
            .order_by(col(OutboxMessage.id))
        )
        return list((await session.exec(statement)).all())


async def load(factory: SessionFactory, task_id: UUID) -> Task | None:
    async with factory() as session:
        return await session.get(Task, task_id)


# ---- create / update / outbox in the same transaction ----------------------------------


async def test_create_writes_task_and_its_events(factory: SessionFactory) -> None:
    user = await make_user(factory)
    task = await make_task(
        factory,
        user,
        title="  Pay rent ",
        tags=["Home", "home", "money"],
        due="2026-07-01T09:00",
        reminder={"kind": "before", "minutes": 30},
    )
    stored = await load(factory, task.id)
    assert stored is not None
    assert (stored.title, stored.tags, stored.version) == ("Pay rent", ["home", "money"], 1)
    assert stored.due_at == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert stored.remind_at == datetime(2026, 7, 1, 6, 30, tzinfo=UTC)
    rows = await outbox_of(factory, task.id)
    assert [(r.topic, r.event_type) for r in rows] == [
        ("task-events", "task.created"),
        ("reminders", "reminder.scheduled"),
    ]
    event = parse_event(rows[1].topic, rows[1].payload)
    assert event.type == "reminder.scheduled"
    assert event.remind_at == stored.remind_at and event.task_version == 1


async def test_failed_transaction_leaves_neither_task_nor_events(factory: SessionFactory) -> None:
    user = await make_user(factory)
    data = task_create({"title": "doomed", "due": "2026-07-01T09:00"}, BERLIN)
    created: list[Task] = []
    with pytest.raises(RuntimeError):
        async with session_scope(factory) as session:
            created.append(await tasks.create_task(session, user.id, data))
            raise RuntimeError("crash after the insert, before commit")
    assert await load(factory, created[0].id) is None
    assert await outbox_of(factory, created[0].id) == []


async def test_invalid_update_changes_nothing(factory: SessionFactory) -> None:
    user = await make_user(factory)
    task = await make_task(factory, user, due="2026-07-01T09:00")
    change = TaskUpdate(version=1, title="new", reminder={"kind": "at", "at": "2026-07-02T09:00"})
    with pytest.raises(ValidationError) as caught:
        async with session_scope(factory) as session:
            await tasks.update_task(session, user.id, task.id, change)
    assert "reminder" in field_errors(caught.value)
    stored = await load(factory, task.id)
    assert stored is not None and (stored.title, stored.version) == ("a task", 1)
    assert [r.event_type for r in await outbox_of(factory, task.id)] == ["task.created"]


async def test_update_checks_version_and_reschedules_reminder(factory: SessionFactory) -> None:
    user = await make_user(factory)
    task = await make_task(factory, user, due="2026-07-01T09:00", reminder={"kind": "at_due"})
    async with session_scope(factory) as session:
        updated = await tasks.update_task(
            session, user.id, task.id, TaskUpdate(version=1, due="2026-07-02T10:00")
        )
    assert updated.version == 2 and updated.remind_at == datetime(2026, 7, 2, 8, tzinfo=UTC)
    with pytest.raises(StaleVersion) as caught:
        async with session_scope(factory) as session:
            await tasks.update_task(session, user.id, task.id, TaskUpdate(version=1, title="x"))
    assert caught.value.current == 2
    rows = await outbox_of(factory, task.id)
    last = parse_event(rows[-1].topic, rows[-1].payload)
    assert [r.event_type for r in rows][-2:] == ["task.updated", "reminder.scheduled"]
    assert isinstance(last, ReminderScheduled)
    assert last.task_version == 2 and last.remind_at == updated.remind_at


async def test_removing_the_reminder_cancels_it(factory: SessionFactory) -> None:
    user = await make_user(factory)
    task = await make_task(factory, user, due="2026-07-01T09:00", reminder={"kind": "at_due"})
    async with session_scope(factory) as session:
        change = TaskUpdate(version=1, reminder={"kind": "none"})
        updated = await tasks.update_task(session, user.id, task.id, change)
    assert updated.remind_at is None
    assert [r.event_type for r in await outbox_of(factory, task.id)][-1] == "reminder.cancelled"


async def test_concurrent_updates_one_wins_one_is_stale(factory: SessionFactory) -> None:
    user = await make_user(factory)
    task = await make_task(factory, user)

    async def rename(title: str) -> str:
        try:
            async with session_scope(factory) as session:
                change = TaskUpdate(version=1, title=title)
                await tasks.update_task(session, user.id, task.id, change)
                await asyncio.sleep(0.2)  # hold the row lock while the other one waits
            return "ok"
        except StaleVersion:
            return "stale"

    outcomes = await asyncio.gather(rename("first"), rename("second"))
    assert sorted(outcomes) == ["ok", "stale"]
    stored = await load(factory, task.id)
    assert stored is not None and stored.version == 2


# ---- user scoping ------------------------------------------------------------------------


async def test_another_users_task_behaves_like_a_missing_one(factory: SessionFactory) -> None:
    alice, bob = await make_user(factory), await make_user(factory)
    task = await make_task(factory, alice, title="alice's secret")
    async with session_scope(factory) as session:
        assert await tasks.get_task(session, bob.id, task.id) is None
        page = await tasks.list_tasks(session, bob.id, ListQuery(q="secret"), BERLIN)
        assert page.items == []
    attempts = [
        lambda s: tasks.update_task(s, bob.id, task.id, TaskUpdate(version=1, title="mine")),
        lambda s: tasks.complete_task(s, bob.id, task.id),
        lambda s: tasks.reopen_task(s, bob.id, task.id),
        lambda s: tasks.delete_task(s, bob.id, task.id),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            async with session_scope(factory) as session:
                await attempt(session)
    stored = await load(factory, task.id)
    assert stored is not None and (stored.title, stored.status) == ("alice's secret", Status.OPEN)


# ---- complete / reopen / delete -----------------------------------------------------------


async def test_complete_recurring_task_writes_three_events_once(factory: SessionFactory) -> None:
    user = await make_user(factory)
    task = await make_task(
        factory,
        user,
        due="2026-03-27T09:00",
        recurrence={"kind": "daily"},
        reminder={"kind": "before", "minutes": 15},
    )
    for _ in range(2):  # the second completion is a no-op
        async with session_scope(factory) as session:
            done = await tasks.complete_task(session, user.id, task.id)
    assert done.status == Status.DONE and done.version == 2 and done.completed_at is not None
    rows = await outbox_of(factory, task.id)
    assert [r.event_type for r in rows] == [
        "task.created",
        "reminder.scheduled",
        "task.completed",
        "reminder.cancelled",
        "recurring.completed",
    ]
    event = parse_event(rows[-1].topic, rows[-1].payload)
    assert isinstance(event, RecurringCompleted)
    assert event.time_zone == BERLIN and event.task.recurrence == "FREQ=DAILY"
    assert event.task.series_id == task.id


async def test_reopen_and_delete(factory: SessionFactory) -> None:
    user = await make_user(factory)
    task = await make_task(factory, user, due="2026-07-01T09:00", reminder={"kind": "at_due"})
    async with session_scope(factory) as session:
        await tasks.complete_task(session, user.id, task.id, expected_version=1)
    async with session_scope(factory) as session:
        reopened = await tasks.reopen_task(session, user.id, task.id, expected_version=2)
    assert reopened.status == Status.OPEN and reopened.completed_at is None
    with pytest.raises(StaleVersion):
        async with session_scope(factory) as session:
            await tasks.delete_task(session, user.id, task.id, expected_version=1)
    async with session_scope(factory) as session:
        await tasks.delete_task(session, user.id, task.id, expected_version=3)
    assert await load(factory, task.id) is None
    types = [r.event_type for r in await outbox_of(factory, task.id)]
    assert types[-4:] == [
        "task.updated",
        "reminder.scheduled",
        "task.deleted",
        "reminder.cancelled",
    ]


# ---- the next occurrence ------------------------------------------------------------------


async def completed_event(factory: SessionFactory, task_id: UUID) -> RecurringCompleted:
    row = (await outbox_of(factory, task_id))[-1]
    event = parse_event(row.topic, row.payload)
    assert isinstance(event, RecurringCompleted)
    return event


async def test_spawn_next_occurrence_once(factory: SessionFactory) -> None:
    user = await make_user(factory)
    task = await make_task(
        factory,
        user,
        title="standup",
        tags=["work"],
        priority="high",
        due="2026-03-27T09:00",  # Friday, CET; the next weekday is Monday, CEST
        recurrence={"kind": "weekdays", "ends": {"kind": "count", "count": 3}},
        reminder={"kind": "before", "minutes": 10},
    )
    async with session_scope(factory) as session:
        await tasks.complete_task(session, user.id, task.id)
    event = await completed_event(factory, task.id)
    now = datetime(2026, 3, 27, 8, 30, tzinfo=UTC)
    async with session_scope(factory) as session:
        found = tasks.next_occurrence_of(event, now)
        spawned = await tasks.spawn_next_occurrence(session, event, found, now)
    async with session_scope(factory) as session:
        again = await tasks.spawn_next_occurrence(session, event, found, now)
    assert spawned is not None and again is None
    assert spawned.due_at == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert spawned.remind_at == datetime(2026, 3, 30, 6, 50, tzinfo=UTC)
    assert (spawned.title, spawned.tags, spawned.priority) == ("standup", ["work"], "high")
    assert spawned.series_id == task.id and spawned.recurrence.endswith("COUNT=2")
    assert spawned.status == Status.OPEN and spawned.version == 1
    types = [r.event_type for r in await outbox_of(factory, spawned.id)]
    assert types == ["task.created", "reminder.scheduled"]


async def test_spawn_ends_with_the_series(factory: SessionFactory) -> None:
    user = await make_user(factory)
    task = await make_task(
        factory,
        user,
        due="2026-03-27T09:00",
        recurrence={"kind": "daily", "ends": {"kind": "count", "count": 1}},
    )
    async with session_scope(factory) as session:
        await tasks.complete_task(session, user.id, task.id)
    event = await completed_event(factory, task.id)
    async with session_scope(factory) as session:
        found = tasks.next_occurrence_of(event, event.occurred_at)
        assert found is None
        assert await tasks.spawn_next_occurrence(session, event, found, event.occurred_at) is None


# ---- listing ------------------------------------------------------------------------------


async def ids(factory: SessionFactory, user: User, **query: object) -> list[str]:
    async with factory() as session:
        now = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)  # Wed 10 June, 12:00 in Berlin
        page = await tasks.list_tasks(
            session, user.id, ListQuery(**query, limit=100), user.time_zone, now
        )
        return [t.title for t in page.items]


async def test_filters_and_search(factory: SessionFactory) -> None:
    user = await make_user(factory)
    await make_task(factory, user, title="Overdue invoice", due="2026-06-09T09:00")
    await make_task(factory, user, title="Today meeting", due="2026-06-10T23:30", tags=["Work"])
    await make_task(factory, user, title="Weekend hike", due="2026-06-14T08:00", priority="low")
    await make_task(factory, user, title="Someday", description="100% maybe")
    done = await make_task(factory, user, title="Done thing", due="2026-06-01T09:00")
    async with session_scope(factory) as session:
        await tasks.complete_task(session, user.id, done.id)

    assert await ids(factory, user, due="overdue") == ["Overdue invoice"]
    assert await ids(factory, user, due="today") == ["Today meeting"]
    assert await ids(factory, user, due="week") == ["Today meeting", "Weekend hike"]
    assert await ids(factory, user, due="none") == ["Someday"]
    assert await ids(factory, user, tag="WORK") == ["Today meeting"]
    assert await ids(factory, user, priority="low") == ["Weekend hike"]
    assert await ids(factory, user, status="done") == ["Done thing"]
    assert await ids(factory, user, q="MEET") == ["Today meeting"]
    assert await ids(factory, user, q="voi") == ["Overdue invoice"]
    assert await ids(factory, user, q="100%") == ["Someday"]
    assert await ids(factory, user, q="0%m") == []  # % is literal, not a wildcard


async def test_search_uses_the_trigram_index(factory: SessionFactory, db_url: str) -> None:
    async with factory() as session:
        # SQLModel's exec() runs text() but has no overload for it.
        await session.exec(text("SET LOCAL enable_seqscan = off"))  # type: ignore[call-overload]
        plan = await session.exec(  # type: ignore[call-overload]
            text("EXPLAIN SELECT id FROM task WHERE (title || ' ' || description) ILIKE :p"),
            params={"p": "%meeting%"},
        )
        assert "ix_task_search_trgm" in "\n".join(row[0] for row in plan)


def expected_order(rows: list[Task], sort: str, order: str) -> list[UUID]:
    def key(task: Task) -> tuple:
        value = {
            "due": task.due_at,
            "created": task.created_at,
            "priority": ["low", "medium", "high"].index(task.priority),
            "title": task.title.lower(),
        }[sort]
        return (value is None, value if value is not None else 0, task.id)

    ordered = sorted(rows, key=key, reverse=order == "desc")
    if sort == "due":  # NULL due dates stay last either way
        ordered = [t for t in ordered if t.due_at] + [t for t in ordered if not t.due_at]
        tail = sorted((t for t in ordered if not t.due_at), key=lambda t: t.id)
        ordered = ordered[: len(ordered) - len(tail)] + (tail[::-1] if order == "desc" else tail)
    return [t.id for t in ordered]


@pytest.fixture(scope="module")
async def paging_user(factory: SessionFactory) -> tuple[User, list[Task]]:
    user = await make_user(factory)
    specs = [
        ("b", "2026-06-11T09:00", "high"),
        ("A", "2026-06-11T09:00", "low"),  # same due as "b": the id breaks the tie
        ("c", None, "medium"),
        ("d", None, "high"),
        ("e", "2026-06-12T09:00", "medium"),
        ("f", "2026-06-10T09:00", "medium"),
        ("g", None, "low"),
    ]
    created = []
    for title, due, priority in specs:
        created.append(await make_task(factory, user, title=title, due=due, priority=priority))
    return user, created


@pytest.mark.parametrize("sort", ["due", "priority", "created", "title"])
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_keyset_pages_cover_everything_once_in_order(
    factory: SessionFactory, paging_user: tuple[User, list[Task]], sort: str, order: str
) -> None:
    user, created = paging_user
    seen: list[UUID] = []
    cursor = None
    async with factory() as session:
        for _ in range(10):
            query = ListQuery(sort=sort, order=order, limit=3, cursor=cursor)
            page = await tasks.list_tasks(session, user.id, query, user.time_zone)
            seen += [t.id for t in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
    assert seen == expected_order(created, sort, order)


@pytest.mark.parametrize(("sort", "order"), [("due", "asc"), ("title", "desc")])
async def test_tag_pages_are_the_tag_filtered_lists_in_one_statement(
    factory: SessionFactory, sort: str, order: str
) -> None:
    user = await make_user(factory)
    specs = [
        ("w1", ["work"], "2026-06-11T09:00"),
        ("w2", ["work", "home"], "2026-06-10T09:00"),
        ("w3", ["work"], None),
        ("h1", ["home"], "2026-06-12T09:00"),
        ("x1", [], "2026-06-09T09:00"),
        ("w4", ["work"], "2026-06-13T09:00"),
    ]
    for title, tags, due in specs:
        await make_task(factory, user, title=title, tags=tags, due=due)
    query = ListQuery(status="open", sort=sort, order=order, limit=2)
    async with factory() as session:
        pages = await tasks.list_tag_pages(
            session, user.id, query, ["work", "home", "none"], user.time_zone
        )
        for tag in ("work", "home", "none"):
            one = await tasks.list_tasks(
                session, user.id, query.model_copy(update={"tag": tag}), user.time_zone
            )
            assert [t.id for t in pages[tag].items] == [t.id for t in one.items], tag
            assert pages[tag].next_cursor == one.next_cursor, tag
    assert pages["none"].items == []
    assert pages["work"].next_cursor is not None  # four work tasks, pages of two


async def test_an_account_holds_at_most_its_quota_of_tasks(
    factory: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    limited = get_settings().model_copy(update={"max_tasks_per_user": 3})
    monkeypatch.setattr(tasks, "get_settings", lambda: limited)
    user = await make_user(factory)
    for _ in range(3):
        await make_task(factory, user)
    with pytest.raises(QuotaReached, match="at most 3 tasks"):
        await make_task(factory, user)
    other = await make_user(factory)
    await make_task(factory, other)  # a quota is per account
