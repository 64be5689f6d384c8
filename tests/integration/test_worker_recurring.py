"""recurring-task on the real stack: the next task once, with its outbox events."""

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

import psycopg
import pytest
from dapr.aio.clients import DaprClient

from devstack.config import StackConfig
from todo_core.events import RecurringCompleted

from .test_worker_support import (
    dapr_fixture,  # noqa: F401 (the `dapr` fixture)
    log_lines,
    make_task,
    make_user,
    pg_fixture,  # noqa: F401 (the `pg` fixture)
    publish,
    task_snapshot,
    wait_for,
)

pytestmark = pytest.mark.integration


def series(pg: psycopg.Connection, series_id: UUID) -> list[tuple]:
    return pg.execute(
        "SELECT id, due_at, remind_at, recurrence, status, title FROM task"
        " WHERE series_id = %s ORDER BY due_at",
        (series_id,),
    ).fetchall()


def completed(pg: psycopg.Connection, task_id: UUID, zone: str = "UTC") -> RecurringCompleted:
    done = task_snapshot(pg, task_id)
    return RecurringCompleted(user_id=done.user_id, task=done, time_zone=zone)


async def test_completed_three_times_creates_the_next_task_once(
    pg: psycopg.Connection, dapr: DaprClient
) -> None:
    user = make_user(pg, "Europe/Berlin")
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    task = make_task(
        pg, user, status="done", due_at=due, remind_at=due - timedelta(minutes=15),
        recurrence="FREQ=DAILY;COUNT=5",
    )  # fmt: skip
    event = completed(pg, task, "Europe/Berlin")
    for _ in range(3):
        await publish(dapr, event)
    rows = await wait_for(lambda: len(series(pg, task)) == 2 and series(pg, task), 15)
    await asyncio.sleep(2)
    rows = series(pg, task)
    assert len(rows) == 2
    new_id, new_due, new_remind, rule, status, title = rows[1]
    assert new_due == due + timedelta(days=1)  # 24 h: no DST change here... in most weeks
    assert new_remind == new_due - timedelta(minutes=15)
    assert (rule, status, title) == ("FREQ=DAILY;COUNT=4", "open", "worker test task")
    outbox = pg.execute(
        "SELECT event_type, published_at IS NOT NULL FROM outbox WHERE partition_key = %s"
        " ORDER BY id",
        (str(new_id),),
    ).fetchall()
    assert [t for t, _ in outbox] == ["task.created", "reminder.scheduled"]
    # The worker's relay (or the web's) publishes them; the worker then arms the reminder.
    await wait_for(
        lambda: all(
            p for (p,) in pg.execute(
                "SELECT published_at IS NOT NULL FROM outbox WHERE partition_key = %s",
                (str(new_id),),
            ).fetchall()
        ),
        15,
        what="the outbox rows to be published",
    )  # fmt: skip


async def test_finished_series_creates_nothing_and_says_why(
    stack: StackConfig, pg: psycopg.Connection, dapr: DaprClient
) -> None:
    user = make_user(pg)
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    task = make_task(pg, user, status="done", due_at=due, recurrence="FREQ=DAILY;COUNT=1")
    event = completed(pg, task)
    await publish(dapr, event)
    lines = await wait_for(lambda: log_lines(stack, str(event.event_id)), 15)
    assert "detail=none" in lines[0]
    assert log_lines(stack, "recurring.none", str(task), "series is finished")
    assert len(series(pg, task)) == 1


async def test_the_worker_believes_the_database_not_the_event(
    stack: StackConfig, pg: psycopg.Connection, dapr: DaprClient
) -> None:
    """A forged event cannot plant tasks: one naming another user's task as the sender's,
    or an open task, creates nothing; the next task's fields come from the stored task,
    not from what the event says."""
    owner, attacker = make_user(pg), make_user(pg)
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    theirs = make_task(pg, owner, status="done", due_at=due, recurrence="FREQ=DAILY")
    still_open = make_task(pg, owner, due_at=due, recurrence="FREQ=DAILY")
    forged = [
        RecurringCompleted(user_id=attacker, task=task_snapshot(pg, theirs), time_zone="UTC"),
        completed(pg, still_open),
    ]
    planted = completed(pg, theirs)
    planted = planted.model_copy(
        update={"task": planted.task.model_copy(update={"title": "session expired: sign in"})}
    )
    for event in [*forged, planted]:
        await publish(dapr, event)
    rows = await wait_for(lambda: len(series(pg, theirs)) == 2 and series(pg, theirs), 15)
    assert rows[1][5] == "worker test task"  # the stored title, not the event's
    for event in forged:
        lines = await wait_for(lambda e=event: log_lines(stack, str(e.event_id)), 15)  # type: ignore[misc]
        assert "detail=none" in lines[0]
    assert len(series(pg, still_open)) == 1
