"""The worker believes PostgreSQL, not the message (issue 22, first finding), on the real
stack: forged reminder events, forged job triggers and forged task events put nothing in
anyone's bell or history, and what is recorded is what the task row says."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import psycopg
import pytest
from dapr.aio.clients import DaprClient

from devstack.config import StackConfig
from devstack.parts import WORKER_SIDECAR
from todo_core.events import ReminderDue, TaskCreated, TaskDeleted, TaskUpdated
from worker.jobs import ReminderJob
from worker.settings import WorkerSettings
from worker.sidecar import Sidecar

from .test_worker_support import (
    dapr_fixture,  # noqa: F401 (the `dapr` fixture)
    log_lines,
    make_task,
    make_user,
    notifications,
    pg_fixture,  # noqa: F401 (the `pg` fixture)
    publish,
    task_snapshot,
    wait_for,
)

pytestmark = pytest.mark.integration

# The worker under test runs with its default.
SHARDS: int = WorkerSettings.model_fields["reminder_shards"].default
PLANTED = "session expired: sign in at evil.example"


def _now() -> datetime:
    return datetime.now(UTC)


def _due(user: UUID, task: UUID, remind_at: datetime, title: str = PLANTED) -> ReminderDue:
    return ReminderDue(
        user_id=user, task_id=task, task_version=1, remind_at=remind_at, due_at=None, title=title
    )


def _dropped(stack: StackConfig, *needles: str) -> list[str]:
    return [line for line in log_lines(stack, "dropped", *needles) if "WARNING" in line]


@pytest.fixture(name="sidecar")
async def sidecar_fixture(stack: StackConfig) -> AsyncIterator[Sidecar]:
    """The worker's sidecar, to schedule jobs that trigger on the stack's worker."""
    sidecar = Sidecar(WORKER_SIDECAR.grpc_port(stack), "pubsub", 10)
    try:
        yield sidecar
    finally:
        await sidecar.close()


async def test_a_reminder_due_notifies_what_the_task_row_says(
    stack: StackConfig, pg: psycopg.Connection, dapr: DaprClient
) -> None:
    """reminder.due naming another user's task, another second, a time to come or no task
    records nothing; one agreeing with the row records the row's title and user."""
    owner, attacker = make_user(pg), make_user(pg)
    at = (_now() - timedelta(minutes=2)).replace(microsecond=0)
    theirs = make_task(pg, owner, remind_at=at)
    moved = make_task(pg, owner, remind_at=at)
    later = make_task(pg, owner, remind_at=at + timedelta(hours=2))
    planted = make_task(pg, owner, remind_at=at)
    forged = {
        theirs: _due(attacker, theirs, at),  # the attacker's bell, the owner's task
        moved: _due(owner, moved, at - timedelta(minutes=1)),  # not its second
        later: _due(owner, later, at + timedelta(hours=2)),  # its time has not come
    }
    for event in [*forged.values(), _due(owner, planted, at)]:
        await publish(dapr, event)
    rows = await wait_for(lambda: notifications(pg, planted), 20, what="the notification")
    assert rows[0][0] == at and rows[0][2] == "worker test task"  # the row's, not the event's
    user = pg.execute("SELECT user_id FROM notification WHERE task_id = %s", (planted,))
    assert user.fetchone() == (owner,)
    for task, event in forged.items():
        await wait_for(lambda e=event: _dropped(stack, str(e.event_id)), 20, what="a drop")  # type: ignore[misc]
        assert notifications(pg, task) == []
    assert pg.execute(
        "SELECT count(*) FROM notification WHERE user_id = %s", (attacker,)
    ).fetchone() == (0,)


async def test_a_job_triggered_early_or_with_a_foreign_payload_notifies_nothing(
    stack: StackConfig, pg: psycopg.Connection, dapr: DaprClient, sidecar: Sidecar
) -> None:
    """A trigger of a reminder's own job before its second (scheduled for now), and a
    trigger whose payload names a later second than its name, both notify nothing; the
    early one leaves its job armed for its real second."""
    user = make_user(pg)
    at = (_now() + timedelta(hours=3)).replace(microsecond=0)
    early, foreign = make_task(pg, user, remind_at=at), make_task(pg, user, remind_at=at)
    job = ReminderJob.for_task(early, at, SHARDS)
    await sidecar.schedule_job(job.name, _now(), job.payload())
    # A job named for this second (nothing due in it) carrying the later second's payload.
    other = ReminderJob.for_task(foreign, at, SHARDS)
    now_named = ReminderJob(
        (_now() + timedelta(seconds=1)).replace(microsecond=0), other.shard, SHARDS
    )
    await sidecar.schedule_job(now_named.name, _now(), other.payload())
    try:
        await wait_for(lambda: _dropped(stack, f"job {job.name} "), 20, what="the early drop")
        await wait_for(lambda: _dropped(stack, f"job {now_named.name} "), 20, what="the drop")
        assert await sidecar.job_exists(job.name)  # armed again for its own second
    finally:
        await dapr.delete_job(job.name)
    assert notifications(pg, early) == notifications(pg, foreign) == []


async def test_a_task_event_joins_the_history_of_the_task_rows_owner(
    stack: StackConfig, pg: psycopg.Connection, dapr: DaprClient
) -> None:
    """A task event naming another user's task records nothing for anyone; one with a
    planted title at the task's current version records the row; a gone task's events
    are its recorded owner's only."""
    owner, attacker = make_user(pg), make_user(pg)
    task = make_task(pg, owner)
    stored = task_snapshot(pg, task)
    forged = TaskUpdated(user_id=attacker, task=stored)
    planted = TaskUpdated(user_id=owner, task=stored.model_copy(update={"title": PLANTED}))
    gone = make_task(pg, owner)
    created = TaskCreated(user_id=owner, task=task_snapshot(pg, gone))
    for event in (forged, planted, created):
        await publish(dapr, event)

    def history(event_id: UUID) -> list[tuple]:
        return pg.execute(
            "SELECT user_id, snapshot->>'title' FROM task_activity WHERE event_id = %s",
            (event_id,),
        ).fetchall()

    assert await wait_for(lambda: history(planted.event_id), 20) == [(owner, "worker test task")]
    await wait_for(lambda: history(created.event_id), 20, what="task.created recorded")
    await wait_for(lambda: _dropped(stack, str(forged.event_id)), 20, what="the forged drop")
    assert history(forged.event_id) == []

    pg.execute("DELETE FROM task WHERE id = %s", (gone,))
    snapshot = created.task
    forged_delete = TaskDeleted(user_id=attacker, task=snapshot)
    deleted = TaskDeleted(user_id=owner, task=snapshot)
    for deletion in (forged_delete, deleted):
        await publish(dapr, deletion)
    assert await wait_for(lambda: history(deleted.event_id), 20) == [(owner, "worker test task")]
    await wait_for(lambda: _dropped(stack, str(forged_delete.event_id)), 20, what="the drop")
    assert history(forged_delete.event_id) == []
