"""Every minute: re-arm reminders that a lost event or a lost scheduler left behind.

It looks at open tasks whose remind_at falls in [now - lookback, now + window] and that
have no notification for that time yet, and runs each through the same state rules as a
`reminder.scheduled` event at the task's current version: a missing or older state is
scheduled, a current one has its job checked (and re-created if the scheduler lost it), a
fired or cancelled one is left alone. Idempotent, so two replicas reconciling at once only
repeat each other's work.
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

_BATCH = 5000


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
    ) -> None:
        self._sessions = sessions
        self._reminders = reminders
        self._window = window
        self._lookback = lookback
        self._interval = interval_seconds
        self._clock = clock
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
            select(Task.id, Task.user_id, Task.version, Task.remind_at)
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
        for task_id, user_id, version, remind_at in rows:
            if remind_at is None:
                continue
            action = await self._reminders.schedule(task_id, user_id, version, remind_at)
            if action not in ("unchanged", "stale"):
                result.changed += 1
                logger.info("reconciler: reminder {} {}", task_id, action)
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
