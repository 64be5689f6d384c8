"""Reminders on the real stack: state + Dapr job, trigger, reminder.due, one notification."""

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import psycopg
import pytest
from dapr.aio.clients import DaprClient

from devstack.config import StackConfig
from devstack.parts import WORKER_SIDECAR
from todo_core.db import create_engine, create_session_factory
from todo_core.events import (
    ReminderCancelled,
    ReminderDue,
    ReminderScheduled,
    TaskUpdated,
)
from worker.handlers.reminders import Reminders
from worker.reconciler import Reconciler
from worker.reminder_state import ReminderStore

from .test_worker_support import (
    dapr_fixture,  # noqa: F401 (the `dapr` fixture)
    log_lines,
    make_task,
    make_user,
    notifications,
    pg_fixture,  # noqa: F401 (the `pg` fixture)
    publish,
    reminder_state,
    task_snapshot,
    wait_for,
)

pytestmark = pytest.mark.integration


def _now() -> datetime:
    return datetime.now(UTC)


def _scheduled(task_id, user_id, remind_at, version=1, title="worker test task"):
    return ReminderScheduled(
        user_id=user_id, task_id=task_id, task_version=version, remind_at=remind_at,
        due_at=remind_at + timedelta(hours=1), title=title,
    )  # fmt: skip


async def test_scheduled_three_times_gives_one_job_and_one_notification(
    stack: StackConfig, pg: psycopg.Connection, dapr: DaprClient
) -> None:
    user = make_user(pg)
    remind_at = _now() + timedelta(seconds=3)
    task = make_task(pg, user, remind_at=remind_at)
    event = _scheduled(task, user, remind_at)
    for _ in range(3):
        await publish(dapr, event)
    rows = await wait_for(lambda: notifications(pg, task), 20, what="the notification")
    await asyncio.sleep(3)  # room for any duplicate to show up
    assert len(notifications(pg, task)) == 1
    assert rows[0][0] == remind_at
    state = reminder_state(pg, task)
    assert state is not None
    assert (state["status"], state["task_version"], state["job"]) == (
        "fired", 1, f"reminder-{task}",
    )  # fmt: skip
    sent = log_lines(stack, "notification.sent", str(task))
    assert len(sent) == 1, sent
    assert "title='worker test task'" in sent[0] and "delay_ms=" in sent[0]
    assert f"user={user}" in sent[0] and "remind_at=" in sent[0] and "due=" in sent[0]


async def test_reminder_due_three_times_records_one_notification(
    stack: StackConfig, pg: psycopg.Connection, dapr: DaprClient
) -> None:
    user = make_user(pg)
    task = uuid4()
    due = ReminderDue(
        user_id=user, task_id=task, task_version=1, remind_at=_now(), due_at=None, title="due x3"
    )
    for _ in range(3):
        await publish(dapr, due)
    await wait_for(lambda: len(log_lines(stack, str(due.event_id))) >= 3, 20, what="3 deliveries")
    assert len(notifications(pg, task)) == 1
    handled = log_lines(stack, "event topic=reminders", str(due.event_id))
    assert [line.split("detail=")[1] for line in handled] == ["notified", "duplicate", "duplicate"]
    assert len(log_lines(stack, "notification.sent", str(task))) == 1


async def test_past_reminder_fires_at_once(pg: psycopg.Connection, dapr: DaprClient) -> None:
    user = make_user(pg)
    remind_at = _now() - timedelta(minutes=5)
    task = make_task(pg, user, remind_at=remind_at)
    published = await publish(dapr, _scheduled(task, user, remind_at))
    rows = await wait_for(lambda: notifications(pg, task), 10, what="the notification")
    assert rows[0][1].timestamp() - published < 5


async def test_cancelled_reminder_never_fires(pg: psycopg.Connection, dapr: DaprClient) -> None:
    user = make_user(pg)
    remind_at = _now() + timedelta(seconds=3)
    task = make_task(pg, user, remind_at=remind_at)
    await publish(dapr, _scheduled(task, user, remind_at))
    await wait_for(lambda: reminder_state(pg, task), 10, what="the state")
    pg.execute("UPDATE task SET status = 'done', version = 2 WHERE id = %s", (task,))
    await publish(dapr, ReminderCancelled(user_id=user, task_id=task, task_version=2))
    await wait_for(
        lambda: (reminder_state(pg, task) or {}).get("status") == "cancelled", 10, what="cancel"
    )
    await asyncio.sleep(max(0.0, (remind_at - _now()).total_seconds()) + 3)
    assert notifications(pg, task) == []


async def test_an_older_event_never_overwrites_a_newer_one(
    pg: psycopg.Connection, dapr: DaprClient
) -> None:
    user = make_user(pg)
    newer_at = _now() + timedelta(hours=2)
    task = make_task(pg, user, remind_at=newer_at, version=2)
    await publish(dapr, _scheduled(task, user, newer_at, version=2))
    await wait_for(lambda: reminder_state(pg, task), 10, what="the state")
    await publish(dapr, _scheduled(task, user, _now() + timedelta(hours=1), version=1))
    marker = _scheduled(task, user, newer_at, version=2)  # same change again, as a fence
    await publish(dapr, marker)
    await asyncio.sleep(2)
    state = reminder_state(pg, task)
    assert state is not None
    assert (state["task_version"], state["status"]) == (2, "scheduled")
    assert datetime.fromisoformat(state["remind_at"]) == newer_at


async def test_task_update_moving_the_reminder_moves_the_state(
    stack: StackConfig, pg: psycopg.Connection, dapr: DaprClient
) -> None:
    """task-events alone (no reminders event) keep the reminder in step, and each event is
    appended to the history once however often it is delivered."""
    user = make_user(pg)
    first, moved = _now() + timedelta(hours=3), _now() + timedelta(seconds=3)
    task = make_task(pg, user, remind_at=first)
    await publish(dapr, _scheduled(task, user, first))
    await wait_for(lambda: reminder_state(pg, task), 10, what="the state")
    pg.execute("UPDATE task SET remind_at = %s, version = 2 WHERE id = %s", (moved, task))
    updated = TaskUpdated(user_id=user, task=task_snapshot(pg, task))
    for _ in range(3):
        await publish(dapr, updated)
    rows = await wait_for(lambda: notifications(pg, task), 20, what="the moved reminder")
    assert rows[0][0] == moved
    history = pg.execute(
        "SELECT event_type FROM task_activity WHERE event_id = %s", (updated.event_id,)
    ).fetchall()
    assert history == [("task.updated",)]


async def test_reconciler_rearms_lost_event_and_lost_job(
    stack: StackConfig, db_url: str, pg: psycopg.Connection, dapr: DaprClient
) -> None:
    """A task whose reminder event was lost, and one whose job the scheduler lost, both
    get their notification after one reconciler pass (run here against the stack's worker
    sidecar, so the jobs trigger on the stack's worker)."""
    user = make_user(pg)
    remind_at = _now() + timedelta(seconds=4)
    lost_event = make_task(pg, user, remind_at=remind_at)
    lost_job = make_task(pg, user, remind_at=remind_at)
    await publish(dapr, _scheduled(lost_job, user, remind_at))
    await wait_for(lambda: reminder_state(pg, lost_job), 10, what="the state")
    await dapr.delete_job(f"reminder-{lost_job}")  # the scheduler "forgets" it

    from worker.sidecar import Sidecar

    engine = create_engine(db_url)
    try:
        sidecar = Sidecar(WORKER_SIDECAR.grpc_port(stack), "pubsub", "statestore", 10)
        reminders = Reminders(sidecar, ReminderStore(sidecar, 3600), create_session_factory(engine))
        reconciler = Reconciler(
            create_session_factory(engine), reminders, timedelta(minutes=5), timedelta(minutes=5)
        )
        await reconciler.run_once()
        assert await sidecar.job_exists(f"reminder-{lost_event}")
        assert await sidecar.job_exists(f"reminder-{lost_job}")
        await sidecar.close()
    finally:
        await engine.dispose()
    for task in (lost_event, lost_job):
        await wait_for(lambda t=task: notifications(pg, t), 15, what=f"notification of {task}")


def test_worker_health_endpoint(stack: StackConfig) -> None:
    import urllib.request

    url = f"http://127.0.0.1:{stack.port('TODO_WORKER_HEALTH_PORT')}/healthz"
    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
        assert response.status == 200
