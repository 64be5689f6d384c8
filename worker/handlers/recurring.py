"""The `recurring-task` topic: create the series' next task.

The rule (todo_core.recurrence.advance): the next occurrence is the first one of the RRULE,
evaluated as wall-clock time in the user's zone from the completed task's due date, that is
later than both that due date and the time of handling. So a task completed late skips the
occurrences already past instead of creating overdue tasks, and 09:00 stays 09:00 across
DST. COUNT (occurrences remaining) and UNTIL end the series; a finished series creates
nothing and says so in the log.

Trust: the event names the completed task; its owner, fields and the user's zone are read
from PostgreSQL (repositories.tasks.as_stored), and a task that is gone, open again or not
the event's user's gets nothing.

Idempotency: processed_event(event_id, "recurring") in the same transaction, because a
redelivery handled later could otherwise compute a LATER occurrence (the skipping rule
depends on the time) and create a second task; the unique (series_id, due_at) is the
second guard.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime

from loguru import logger

from todo_core.db import SessionFactory, session_scope
from todo_core.events import RecurringCompleted
from todo_core.models import utcnow
from todo_core.repositories.processed import mark_processed
from todo_core.repositories.tasks import as_stored, next_occurrence_of, spawn_next_occurrence

HANDLER = "worker.recurring"


class Recurring:
    def __init__(
        self,
        sessions: SessionFactory,
        notify_relay: Callable[[], None],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._notify_relay = notify_relay
        self._clock = clock

    async def on_event(self, event: RecurringCompleted) -> str:
        now = self._clock()
        async with session_scope(self._sessions) as session:
            stored = await as_stored(session, event)
        if stored is None:
            logger.info(
                "recurring.none completed={}: the task is gone, open again, or not the user's",
                event.task.id,
            )
            return "none"
        event, done = stored, stored.task
        # Pure CPU work (bounded, up to ~0.2 s for a rule whose days never come): off the
        # loop that also serves the sidecar, the relay and /healthz.
        found = await asyncio.to_thread(next_occurrence_of, event, now)
        async with session_scope(self._sessions) as session:
            if not await mark_processed(session, event.event_id, HANDLER):
                return "duplicate"
            created = await spawn_next_occurrence(session, event, found, now)
        if created is not None:
            # Its task.created / reminder.scheduled are in the outbox: publish them now.
            self._notify_relay()
            logger.info(
                "recurring.next series={} completed={} next={} due={}",
                created.series_id, done.id, created.id, created.due_at,
            )  # fmt: skip
            return "created"
        if not done.recurrence or done.due_at is None:
            reason = "the task has no rule or no due date"
        elif found is None:
            reason = "the series is finished (COUNT or UNTIL reached)"
        else:
            reason = "the next task already exists"
        logger.info("recurring.none series={} completed={}: {}", done.series_id, done.id, reason)
        return "none"
