"""Reminders on the real stack: reminder.scheduled arms the job of its second and shard, the
scheduler triggers it on the worker, the trigger records one notification per reminder."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import psycopg
import pytest
from dapr.aio.clients import DaprClient

from devstack.config import StackConfig
from devstack.parts import WORKER_SIDECAR
from todo_core.db import create_autocommit_session_factory, create_engine, create_session_factory
from todo_core.events import (
    ReminderCancelled,
    ReminderDue,
    ReminderScheduled,
    TaskUpdated,
)
from worker.handlers.reminders import Reminders
from worker.jobs import ReminderJob, shard_of
from worker.reconciler import Reconciler
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


def _now() -> datetime:
    return datetime.now(UTC)


def _scheduled(task_id, user_id, remind_at, version=1, title="worker test task"):
    return ReminderScheduled(
        user_id=user_id, task_id=task_id, task_version=version, remind_at=remind_at,
        due_at=remind_at + timedelta(hours=1), title=title,
    )  # fmt: skip


def _job_lines(stack: StackConfig, job: ReminderJob) -> list[str]:
    return log_lines(stack, f"job name={job.name} ")


@pytest.fixture(name="reminders")
async def reminders_fixture(stack: StackConfig, db_url: str) -> AsyncIterator[Reminders]:
    """A Reminders of the test's own, on the stack's database and the worker's sidecar (so
    jobs it arms trigger on the stack's worker)."""
    engine = create_engine(db_url)
    sidecar = Sidecar(WORKER_SIDECAR.grpc_port(stack), "pubsub", 10)
    try:
        yield Reminders(sidecar, create_autocommit_session_factory(engine), SHARDS, batch=7)
    finally:
        await sidecar.close()
        await engine.dispose()


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
    job = ReminderJob.for_task(task, remind_at, SHARDS)
    assert rows[0][1] >= job.second  # fired at its second, never before
    assert any("detail=notified 1" in line for line in _job_lines(stack, job))
    sent = log_lines(stack, "notification.sent", str(task))
    assert len(sent) == 1, sent
    assert "title='worker test task'" in sent[0] and "delay_ms=" in sent[0]
    assert f"user={user}" in sent[0] and "remind_at=" in sent[0] and "due=" in sent[0]


async def test_a_storm_on_one_second_is_one_trigger_per_shard(
    stack: StackConfig, pg: psycopg.Connection, dapr: DaprClient
) -> None:
    user = make_user(pg)
    at = (_now() + timedelta(seconds=6)).replace(microsecond=0)
    tasks = [make_task(pg, user, remind_at=at, title=f"storm {i}") for i in range(120)]
    await asyncio.gather(*(publish(dapr, _scheduled(t, user, at)) for t in tasks))

    def notified() -> list[tuple]:
        rows = pg.execute(
            "SELECT task_id, count(*) FROM notification WHERE task_id = ANY(%s) GROUP BY 1",
            (tasks,),
        ).fetchall()
        return rows if len(rows) == len(tasks) else []

    rows = await wait_for(notified, 30, what="120 notifications")
    await asyncio.sleep(2)
    assert {count for _, count in notified()} == {1}, rows
    jobs = {ReminderJob.for_task(t, at, SHARDS) for t in tasks}
    assert len(jobs) == len({shard_of(t, SHARDS) for t in tasks})  # one per shard in use
    triggered = [line for job in jobs for line in _job_lines(stack, job)]
    assert len(triggered) == len(jobs), triggered


async def test_reminder_due_three_times_records_one_notification(
    stack: StackConfig, pg: psycopg.Connection, dapr: DaprClient
) -> None:
    """reminder.due is no longer published, but one left on the topic still counts once."""
    user = make_user(pg)
    at = _now()
    task = make_task(pg, user, remind_at=at)
    due = ReminderDue(
        user_id=user, task_id=task, task_version=1, remind_at=at, due_at=None, title="due x3"
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


async def test_a_cancelled_reminder_is_dropped_by_its_trigger(
    stack: StackConfig, pg: psycopg.Connection, dapr: DaprClient
) -> None:
    user = make_user(pg)
    remind_at = _now() + timedelta(seconds=3)
    task = make_task(pg, user, remind_at=remind_at)
    scheduled = _scheduled(task, user, remind_at)
    await publish(dapr, scheduled)
    pg.execute("UPDATE task SET status = 'done', version = 2 WHERE id = %s", (task,))
    await publish(dapr, ReminderCancelled(user_id=user, task_id=task, task_version=2))
    job = ReminderJob.for_task(task, remind_at, SHARDS)
    # The worker may read the row before the completion (it arms the job, which fires,
    # since it may hold other tasks' reminders, and finds nothing to send) or after it
    # (it arms nothing): either way, no notification.
    await wait_for(lambda: log_lines(stack, str(scheduled.event_id)), 20, what="the event")
    await asyncio.sleep(max(0.0, (remind_at - _now()).total_seconds()) + 3)
    assert all("detail=notified 0" in line for line in _job_lines(stack, job))
    assert notifications(pg, task) == []


async def test_a_reminder_moved_later_does_not_fire_at_its_old_time(
    stack: StackConfig, pg: psycopg.Connection, dapr: DaprClient
) -> None:
    """An older event arriving late arms the time the row holds, not its own."""
    user = make_user(pg)
    old_at, new_at = _now() + timedelta(seconds=3), _now() + timedelta(hours=2)
    task = make_task(pg, user, remind_at=new_at, version=2)
    await publish(dapr, _scheduled(task, user, new_at, version=2))
    late = _scheduled(task, user, old_at, version=1)
    await publish(dapr, late)
    lines = await wait_for(lambda: log_lines(stack, str(late.event_id)), 20, what="the event")
    assert "detail=armed already" in lines[0]  # the new time's job, armed by the first
    old_job = ReminderJob.for_task(task, old_at, SHARDS)
    await asyncio.sleep(max(0.0, (old_at - _now()).total_seconds()) + 3)
    assert _job_lines(stack, old_job) == []
    assert notifications(pg, task) == []


async def test_task_update_moving_the_reminder_moves_it(
    stack: StackConfig, pg: psycopg.Connection, dapr: DaprClient
) -> None:
    """task-events alone (no reminders event) keep the reminder in step, and each event is
    appended to the history once however often it is delivered."""
    user = make_user(pg)
    first, moved = _now() + timedelta(hours=3), _now() + timedelta(seconds=3)
    task = make_task(pg, user, remind_at=first)
    await publish(dapr, _scheduled(task, user, first))
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


def _hours_ago(hours: int) -> datetime:
    # Far outside the stack's reconciler lookback (1 h), so only the test fires these.
    return (_now() - timedelta(hours=hours)).replace(microsecond=0)


async def test_a_trigger_covers_its_shard_only_in_batches_and_once_when_doubled(
    pg: psycopg.Connection, reminders: Reminders
) -> None:
    """The SQL shard agrees with worker.jobs.shard_of; a shard larger than a batch is
    recorded batch by batch; two triggers of one job at once give one notification each."""
    user = make_user(pg)
    at = _hours_ago(5)
    tasks = [make_task(pg, user, remind_at=at - timedelta(milliseconds=i)) for i in range(60)]
    shard = shard_of(tasks[0], SHARDS)
    mine = {t for t in tasks if shard_of(t, SHARDS) == shard}
    job = ReminderJob(at, shard, SHARDS)
    results = await asyncio.gather(reminders.fire(job), reminders.fire(job))
    assert sum(int(r.split()[-1]) for r in results) == len(mine)
    rows = pg.execute(
        "SELECT task_id, count(*) FROM notification WHERE task_id = ANY(%s) GROUP BY 1",
        (tasks,),
    ).fetchall()
    assert {UUID(str(t)) for t, _ in rows} == mine
    assert {count for _, count in rows} == {1}
    assert await reminders.fire(job) == "notified 0"


async def test_reconciler_rearms_lost_event_and_lost_job(
    db_url: str, pg: psycopg.Connection, dapr: DaprClient, reminders: Reminders
) -> None:
    """A task whose reminder event was lost, and one whose job the scheduler lost, both
    get their notification after one reconciler pass (the jobs trigger on the stack's
    worker)."""
    user = make_user(pg)
    lost_event_at, lost_job_at = _now() + timedelta(seconds=4), _now() + timedelta(seconds=5)
    lost_event = make_task(pg, user, remind_at=lost_event_at)
    lost_job = make_task(pg, user, remind_at=lost_job_at)
    await reminders.arm(lost_job, lost_job_at)
    job = ReminderJob.for_task(lost_job, lost_job_at, SHARDS)
    await dapr.delete_job(job.name)  # the scheduler "forgets" it

    engine = create_engine(db_url)
    try:
        reconciler = Reconciler(
            create_session_factory(engine), reminders, timedelta(minutes=5), timedelta(minutes=5)
        )
        await reconciler.run_once()
    finally:
        await engine.dispose()
    for task in (lost_event, lost_job):
        await wait_for(lambda t=task: notifications(pg, t), 15, what=f"notification of {task}")  # type: ignore[misc]


async def test_reconciler_fires_a_job_the_scheduler_holds_past_its_time(
    stack: StackConfig,
    db_url: str,
    pg: psycopg.Connection,
    dapr: DaprClient,  # its settings let a Sidecar find the worker's sidecar
    reminders: Reminders,
) -> None:
    """Seen once in a whole `make test`: the scheduler kept a reminder's job past its time
    and never triggered it, and the reconciler, finding the job there, left it. Here the
    job exists but is due an hour late; one reconciler pass notifies, once."""
    user = make_user(pg)
    remind_at = _now() - timedelta(minutes=2)
    task = make_task(pg, user, remind_at=remind_at)
    job = ReminderJob.for_task(task, remind_at, SHARDS)
    sidecar = Sidecar(WORKER_SIDECAR.grpc_port(stack), "pubsub", 10)
    await sidecar.schedule_job(job.name, _now() + timedelta(hours=1), job.payload())
    engine = create_engine(db_url)
    try:
        reconciler = Reconciler(
            create_session_factory(engine), reminders, timedelta(minutes=5), timedelta(minutes=5)
        )
        await reconciler.run_once()
        assert len(notifications(pg, task)) == 1, "the reconciler left the held job"
        await reconciler.run_once()  # the reminder has its notification: not fired again
        assert len(notifications(pg, task)) == 1
    finally:
        await engine.dispose()
        await sidecar.delete_job(job.name)
        await sidecar.close()


def test_worker_health_endpoint(stack: StackConfig) -> None:
    import urllib.request

    url = f"http://127.0.0.1:{stack.port('TODO_WORKER_HEALTH_PORT')}/healthz"
    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
        assert response.status == 200


async def test_a_push_left_unsent_by_a_killed_worker_goes_out_once(
    stack: StackConfig, pg: psycopg.Connection
) -> None:
    """A notification committed without its push (what a worker SIGKILLed between the two
    leaves behind) is pushed by the running worker's push sweep, once, and marked."""
    user = make_user(pg)
    # Done: no trigger or reconciler will record a notification of its own for it.
    task = make_task(pg, user, status="done", remind_at=_now() - timedelta(minutes=1))
    note = uuid4()
    pg.execute(
        "INSERT INTO notification (id, user_id, task_id, remind_at, title, created_at) "
        "SELECT %s, user_id, id, remind_at, title, now() - interval '30 seconds' "
        "FROM task WHERE id = %s",
        (note, task),
    )
    pushed = await wait_for(
        lambda: pg.execute(
            "SELECT pushed_at FROM notification WHERE id = %s AND pushed_at IS NOT NULL", (note,)
        ).fetchone(),
        20,
        what="the push sweep",
    )
    assert pushed is not None
    await asyncio.sleep(3)  # a later sweep must not send it again
    assert len(log_lines(stack, "notification.sent", f"notification={note}")) == 1
