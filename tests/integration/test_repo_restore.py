"""Undoing a delete brings back the same task (restore.restore_task), on a real PostgreSQL."""

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from pydantic import SecretStr
from sqlmodel import col, select

from todo_core.db import SessionFactory, create_engine, create_session_factory, session_scope
from todo_core.models import OutboxMessage, Task
from todo_core.repositories import tasks, users
from todo_core.repositories.restore import restore_task
from todo_core.validation import SignUp, task_create

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def factory(db_url: str) -> AsyncIterator[SessionFactory]:
    engine = create_engine(db_url)
    yield create_session_factory(engine)
    await engine.dispose()


async def test_restored_task_is_the_same_task_at_the_next_version(factory: SessionFactory) -> None:
    signup = SignUp(
        email=f"u{uuid4().hex[:10]}@example.com",
        password=SecretStr("correct horse"),
        display_name="Tester",
        time_zone="Europe/Berlin",
    )
    fields = {
        "title": "water the plants",
        "due": "2031-07-01T09:00",
        "reminder": {"kind": "at_due"},
        "recurrence": {"kind": "daily"},
    }
    async with session_scope(factory) as session:
        user = await users.create_user(session, signup)
        task = await tasks.create_task(session, user.id, task_create(fields, user.time_zone))
        before = tasks.snapshot_of(task)
    async with session_scope(factory) as session:
        await tasks.delete_task(session, user.id, task.id)

    async with session_scope(factory) as session:
        restored = await restore_task(session, before)
    assert restored is not None
    assert restored.id == task.id and restored.series_id == task.series_id
    assert restored.created_at == task.created_at and restored.version == task.version + 1
    assert (restored.title, restored.remind_at) == (task.title, task.remind_at)

    async with session_scope(factory) as session:  # a second undo changes nothing
        assert await restore_task(session, before) is None
    async with factory() as session:
        outbox = select(OutboxMessage.event_type).where(OutboxMessage.partition_key == str(task.id))
        types = list((await session.exec(outbox.order_by(col(OutboxMessage.id)))).all())
        assert await session.get(Task, task.id) is not None
    assert types[-2:] == ["task.created", "reminder.scheduled"]
