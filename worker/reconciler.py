"""Every minute: re-arm reminders that a lost event or a lost scheduler left behind.

It looks at open tasks whose remind_at falls in [now - lookback, now + window] and that
have no notification for that time yet, and asks the scheduler whether the job covering
each exists (worker/jobs.py: one job per second and shard, so many tasks share one check);
a missing job is armed again. A reminder whose second passed `overdue` ago without a
notification is fired here, whether its job exists or not: the scheduler was seen holding
a job past its time without triggering it (2026-12-06, a whole `make test`), and a job that
exists looks fine to the check above. Idempotent (a trigger notifies only what has no
notification yet), so two replicas reconciling at once, or a late trigger, only repeat
each other's work.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from loguru import logger
from sqlalchemy import and_, exists
from sqlmodel import col, select

from todo_core.db import SessionFactory, session_scope
from todo_core.models import Notification, Status, Task, utcnow
from worker.handlers.reminders import Reminders
from worker.jobs import ReminderJob

_BATCH = 5000
# The scheduler fires a job within a second or two of its time, even on a busy machine.
OVERDUE = timedelta(seconds=30)


@dataclass
class ReconcileResult:
    checked: int = 0
    changed: int = 0


class Reconciler:
    def __init__(
        self,
        sessions: SessionFactory,
        reminders: Reminders,
        window: timedelta,
        lookback: timedelta,
        interval_seconds: float = 60.0,
        clock: Callable[[], datetime] = utcnow,
        overdue: timedelta = OVERDUE,
    ) -> None:
        self._sessions = sessions
        self._reminders = reminders
        self._window = window
        self._lookback = lookback
        self._interval = interval_seconds
        self._clock = clock
        self._overdue = overdue
        self._scheduler: AsyncIOScheduler | None = None

    async def run_once(self) -> ReconcileResult:
        now = self._clock()
        notified = exists().where(
            and_(
                col(Notification.task_id) == col(Task.id),
                col(Notification.remind_at) == col(Task.remind_at),
            )
        )
        statement = (
            select(Task.id, Task.remind_at)
            .where(
                col(Task.status) == Status.OPEN,
                col(Task.remind_at) >= now - self._lookback,
                col(Task.remind_at) <= now + self._window,
                ~notified,
            )
            .order_by(col(Task.remind_at))
            .limit(_BATCH)
        )
        async with session_scope(self._sessions) as session:
            rows = list((await session.exec(statement)).all())
        result = ReconcileResult(checked=len(rows))
        seen: set[str] = set()  # one check per job, however many tasks share it
        for task_id, remind_at in rows:
            assert remind_at is not None  # the query asks for remind_at in the window
            job = ReminderJob.for_task(task_id, remind_at, self._reminders.shards)
            if job.name in seen:
                continue
            seen.add(job.name)
            if job.second <= now - self._overdue:
                detail = await self._reminders.fire(job)
                result.changed += 1
                logger.warning(
                    "reconciler: {} did not fire on time: fired here, {}", job.name, detail
                )
            elif await self._reminders.arm(task_id, remind_at, check=True) == "armed":
                result.changed += 1
                logger.info("reconciler: re-armed {} (task {})", job.name, task_id)
        return result

    async def _tick(self) -> None:
        try:
            result = await self.run_once()
        except Exception as exc:  # the database or the sidecar is away: next minute
            logger.warning("reconciler run failed, retrying next minute: {}", exc)
            return
        logger.info("reconciler checked={} changed={}", result.checked, result.changed)

    def start(self) -> None:
        """Schedule the runs on the running loop; the first comes shortly after start-up."""
        self._scheduler = AsyncIOScheduler()
        self._scheduler.add_job(
            self._tick,
            "interval",
            seconds=self._interval,
            id="reminder-reconciler",
            max_instances=1,
            coalesce=True,
            next_run_time=utcnow() + timedelta(seconds=5),
        )
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
