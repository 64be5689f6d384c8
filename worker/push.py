"""The mock push notification, and the sweep that sends what a killed worker left unsent.

A push is one `notification.sent` log line (the notification row is the in-app one). A
trigger records its notifications, commits, pushes and marks them pushed; a worker killed
between the commit and the mark leaves rows with pushed_at NULL. Every few seconds the sweep
claims such rows older than a grace period (SKIP LOCKED, so replicas share the work), pushes
them and marks them in the same transaction. A push therefore goes out at least once; the
notification id it carries is the key a receiver (a real push service) drops a repeat by.
"""

import asyncio
import contextlib

from loguru import logger

from todo_core.db import SessionFactory, session_scope
from todo_core.metrics import REMINDER_LATENESS
from todo_core.repositories.notifications import DueReminder, claim_unpushed, mark_pushed

# A trigger pushes its rows within milliseconds of committing them: older ones were left.
GRACE_SECONDS = 5.0


def push(r: DueReminder) -> None:
    """Send one push: a log line. delay_ms runs from the reminder's time to its recording."""
    delay_ms = (r.created_at - r.remind_at).total_seconds() * 1000
    REMINDER_LATENESS.observe(max(delay_ms / 1000, 0))
    due = r.due_at.isoformat() if r.due_at else None
    logger.bind(
        event="notification.sent",
        notification_id=str(r.id),
        user_id=str(r.user_id),
        task_id=str(r.task_id),
        title=r.title,
        due_at=due,
        remind_at=r.remind_at.isoformat(),
        delay_ms=round(delay_ms),
    ).info(
        "notification.sent user={} task={} title={!r} due={} remind_at={} delay_ms={:.0f} "
        "notification={}",
        r.user_id, r.task_id, r.title, due or "-", r.remind_at.isoformat(), delay_ms, r.id,
    )  # fmt: skip


class PushSweep:
    def __init__(self, sessions: SessionFactory, interval_seconds: float, batch: int) -> None:
        self._sessions = sessions  # transactional: the claim's locks last until the mark
        self._interval = interval_seconds
        self._batch = batch
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        """Push the unsent notifications of one batch; how many."""
        async with session_scope(self._sessions) as session:
            due = await claim_unpushed(session, GRACE_SECONDS, self._batch)
            for r in due:
                push(r)
            await mark_pushed(session, [r.id for r in due])
        if due:
            logger.info("push sweep: sent {} pushes a worker had left unsent", len(due))
        return len(due)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.run_once()
            except Exception as exc:  # the database is away: next time
                logger.warning("push sweep failed, retrying: {}", exc)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
