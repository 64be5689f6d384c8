"""Users, notifications, activity and processed events against a real PostgreSQL."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pydantic import SecretStr

from todo_core.db import SessionFactory, create_engine, create_session_factory, session_scope
from todo_core.events import TaskCreated, TaskSnapshot, TaskUpdated
from todo_core.models import Priority, Status, Task, User
from todo_core.repositories import activity, notifications, processed, users
from todo_core.repositories.errors import EmailTaken, Untrusted, WrongPassword
from todo_core.validation import PasswordChange, ProfileUpdate, SignUp

pytestmark = pytest.mark.integration
WHEN = datetime(2026, 6, 1, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
async def factory(db_url: str) -> AsyncIterator[SessionFactory]:
    engine = create_engine(db_url)
    yield create_session_factory(engine)
    await engine.dispose()


def signup(email: str | None = None) -> SignUp:
    return SignUp(
        email=email or f"u{uuid4().hex[:10]}@example.com",
        password=SecretStr("correct horse"),
        display_name="Ada",
        time_zone="Europe/Berlin",
    )


async def make_user(factory: SessionFactory) -> User:
    async with session_scope(factory) as session:
        return await users.create_user(session, signup())


# ---- users ----------------------------------------------------------------------------------


async def test_email_is_unique_whatever_its_case(factory: SessionFactory) -> None:
    email = f"Mixed{uuid4().hex[:8]}@Example.com"
    async with session_scope(factory) as session:
        user = await users.create_user(session, signup(email))
    assert user.email == email.lower() and user.password_hash.startswith("$argon2id$")
    with pytest.raises(EmailTaken):
        async with session_scope(factory) as session:
            await users.create_user(session, signup(email.upper()))
    async with factory() as session:
        found = await users.get_user_by_email(session, f"  {email.upper()} ")
        assert found is not None and found.id == user.id


async def test_authenticate_and_change_password(factory: SessionFactory) -> None:
    user = await make_user(factory)
    async with session_scope(factory) as session:
        assert (await users.authenticate(session, user.email, "correct horse")).id == user.id
        assert await users.authenticate(session, user.email, "wrong horse") is None
        assert await users.authenticate(session, "nobody@example.com", "correct horse") is None
    with pytest.raises(WrongPassword):
        async with session_scope(factory) as session:
            change = PasswordChange(current_password="nope", new_password="battery staple")
            await users.change_password(session, user.id, change)
    async with session_scope(factory) as session:
        change = PasswordChange(current_password="correct horse", new_password="battery staple")
        await users.change_password(session, user.id, change)
    async with session_scope(factory) as session:
        assert await users.authenticate(session, user.email, "correct horse") is None
        assert await users.authenticate(session, user.email, "battery staple") is not None


async def test_update_profile(factory: SessionFactory) -> None:
    user = await make_user(factory)
    async with session_scope(factory) as session:
        change = ProfileUpdate(time_zone="America/New_York")
        updated = await users.update_user(session, user.id, change)
    async with factory() as session:
        stored = await users.get_user(session, user.id)
    assert updated.time_zone == stored.time_zone == "America/New_York"
    assert stored.display_name == "Ada"


# ---- notifications --------------------------------------------------------------------------


async def test_notification_is_recorded_once_and_read_per_user(factory: SessionFactory) -> None:
    alice, bob = await make_user(factory), await make_user(factory)
    task_id = uuid4()
    for expected in (True, False):  # the redelivered reminder.due records nothing
        async with session_scope(factory) as session:
            new = await notifications.record_notification(session, alice.id, task_id, WHEN, "t")
        assert (new is not None) is expected
    async with session_scope(factory) as session:
        assert await notifications.record_notification(
            session, alice.id, task_id, WHEN.replace(hour=10), "t"
        )  # a new remind_at for the same task is a new notification
        listed = await notifications.list_notifications(session, alice.id)
        assert [n.remind_at.hour for n in listed] == [10, 9]  # newest first
        assert await notifications.list_notifications(session, bob.id) == []
        assert await notifications.mark_read(session, bob.id, listed[0].id) == 0
        assert await notifications.mark_read(session, alice.id, listed[0].id) == 1
        unread = await notifications.list_notifications(session, alice.id, unread_only=True)
        assert [n.id for n in unread] == [listed[1].id]
        assert await notifications.mark_read(session, alice.id) == 1


# ---- activity and processed events ------------------------------------------------------------


def snapshot(user: User) -> TaskSnapshot:
    return TaskSnapshot(
        id=uuid4(),
        user_id=user.id,
        title="t",
        description="",
        priority=Priority.LOW,
        tags=[],
        status=Status.OPEN,
        due_at=None,
        remind_at=None,
        reminder={"kind": "none"},
        recurrence=None,
        series_id=None,
        completed_at=None,
        created_at=WHEN,
        updated_at=WHEN,
        version=1,
    )


async def test_activity_is_appended_once_per_event(factory: SessionFactory) -> None:
    alice, bob = await make_user(factory), await make_user(factory)
    task = snapshot(alice)
    created = TaskCreated(user_id=alice.id, task=task, occurred_at=WHEN)
    updated = TaskUpdated(user_id=alice.id, task=task, occurred_at=WHEN.replace(hour=10))
    async with session_scope(factory) as session:
        session.add(Task(**task.model_dump()))  # the owner is read from the task row
    async with session_scope(factory) as session:
        with pytest.raises(Untrusted, match="not the event's user's"):
            await activity.append_activity(session, TaskUpdated(user_id=bob.id, task=task))
    async with session_scope(factory) as session:
        assert await activity.append_activity(session, updated)
        assert await activity.append_activity(session, created)
        assert not await activity.append_activity(session, created)
    async with factory() as session:
        history = await activity.list_activity(session, alice.id, task.id)
        assert [h.event_type for h in history] == ["task.created", "task.updated"]
        assert history[0].snapshot["title"] == "t"
        assert await activity.list_activity(session, bob.id, task.id) == []


async def test_processed_event_marks_once_per_handler(factory: SessionFactory) -> None:
    event_id = uuid4()
    async with session_scope(factory) as session:
        assert await processed.mark_processed(session, event_id, "activity")
        assert not await processed.mark_processed(session, event_id, "activity")
        assert await processed.mark_processed(session, event_id, "reminders")


async def test_processed_mark_rolls_back_with_the_handler(factory: SessionFactory) -> None:
    event_id = uuid4()
    with pytest.raises(RuntimeError):
        async with session_scope(factory) as session:
            assert await processed.mark_processed(session, event_id, "h")
            raise RuntimeError("handler failed")
    async with session_scope(factory) as session:
        assert await processed.mark_processed(session, event_id, "h")  # handled again
