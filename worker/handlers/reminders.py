"""The `reminders` topic, the reminder job triggers and the mock push notification.

scheduled → make sure the job of the reminder's second and shard exists (worker/jobs.py);
cancelled → nothing to undo: a trigger re-reads the tasks, so a reminder that was cancelled,
            moved, completed or deleted is simply not found;
trigger   → record one notification for each open task due in the job's second and shard
            that has none yet, commit, log one `notification.sent` line for each (the push)
            and mark them pushed; a worker killed before the mark leaves them to the push
            sweep (worker/push.py), so every push goes out at least once, carrying the
            notification's id for a receiver to drop a repeat;
due       → record its notification (reminder.due is no longer published: a trigger records
            its notifications itself; one still on the topic from an older worker counts).

The task row is the truth, and the notification's unique (task_id, remind_at) makes every
path idempotent: a repeated or concurrent trigger, a repeated event, a re-armed job all end
in one notification per reminder.

Trust: the worker believes PostgreSQL, not the message. A notification's user, title and
time are the task row's; scheduled arms the time the row holds; a trigger whose payload
disagrees with its job's name, or that comes before its second, and a reminder.due the row
contradicts (another owner, a closed task, another second, a time not yet come) are dropped
with a WARNING that says why. An early trigger also arms its job again for its second, so a
scheduler whose clock runs ahead of ours delays a reminder instead of losing it.
"""

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from google.protobuf.message import DecodeError
from google.protobuf.wrappers_pb2 import StringValue
from loguru import logger

from todo_core.db import SessionFactory, session_scope
from todo_core.events import (
    ReminderCancelled,
    ReminderDue,
    ReminderEvent,
    ReminderScheduled,
    TaskCreated,
    TaskDeleted,
    TaskEvent,
    TaskSnapshot,
)
from todo_core.models import Status, Task, utcnow
from todo_core.repositories.notifications import (
    DueReminder,
    mark_pushed,
    record_due,
    record_notification,
)
from todo_core.repositories.tasks import task_by_id
from worker.jobs import ReminderJob, second_of
from worker.outcome import PermanentError
from worker.push import push
from worker.sidecar import Sidecar

# A job armed by this process and due later than this is not armed again for the next
# reminder of the same second and shard (a storm's creates would each rewrite it). Closer
# to its time it is: the trigger may already have run and taken the job away.
_REARM_MARGIN = timedelta(seconds=5)
_ARMED_MEMORY = 100_000
# How far before its second a trigger is still believed: the scheduler's clock against
# ours. Anything earlier is a forged trigger or a badly skewed clock.
_EARLY_TOLERANCE = timedelta(seconds=1)


class Reminders:
    def __init__(
        self,
        sidecar: Sidecar,
        sessions: SessionFactory,
        shards: int,
        batch: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sidecar = sidecar
        self._sessions = sessions  # one statement per use: may be an autocommit factory
        self._shards = shards
        self._batch = batch
        self._clock = clock
        self._armed: dict[str, datetime] = {}  # job name -> its second

    @property
    def shards(self) -> int:
        return self._shards

    # ---- the topic ------------------------------------------------------------------

    async def on_event(self, event: ReminderEvent) -> str:
        if isinstance(event, ReminderScheduled):
            return await self.arm_stored(event)
        if isinstance(event, ReminderCancelled):
            return "nothing to cancel: the trigger re-reads the task"
        return await self.notify(event)

    async def arm_stored(self, event: ReminderScheduled) -> str:
        """Arm the reminder the task row holds (the event only names the task): a stale
        event arms nothing old, a forged one nothing at all."""
        async with session_scope(self._sessions) as session:
            task = await task_by_id(session, event.task_id)
        if task is not None and task.user_id != event.user_id:
            return _dropped("reminder.scheduled", event, "the task is another user's")
        if task is None or task.status != Status.OPEN or task.remind_at is None:
            return "no reminder: the task is gone, closed or has none"
        return await self.arm(task.id, task.remind_at)

    async def follow(self, event: TaskEvent, task: TaskSnapshot | None) -> str:
        """A backstop for a lost reminder event: arm the reminder the task row (`task`,
        read by the caller; None when gone) shows."""
        if isinstance(event, TaskCreated | TaskDeleted):
            # A new task's reminder.scheduled is written in the same outbox transaction;
            # a deleted task has nothing to arm. The reconciler remains the backstop.
            return "left to the reminders topic"
        if task is not None and task.status == Status.OPEN and task.remind_at is not None:
            return await self.arm(task.id, task.remind_at)
        return "no reminder"

    # ---- jobs -----------------------------------------------------------------------

    async def arm(self, task_id: UUID, remind_at: datetime, *, check: bool = False) -> str:
        """Make sure the job covering this reminder exists.

        check: ask the scheduler instead of trusting this process's memory (the reconciler,
        for a job the scheduler may have lost)."""
        job = ReminderJob.for_task(task_id, remind_at, self._shards)
        now = self._clock()
        if check:
            if await self._sidecar.job_exists(job.name):
                return "unchanged"
        elif job.name in self._armed and job.second > now + _REARM_MARGIN:
            return "armed already"
        # A second already past is scheduled for now: the scheduler fires it at once.
        await self._sidecar.schedule_job(job.name, max(job.second, now), job.payload())
        self._remember(job, now)
        return "armed"

    def _remember(self, job: ReminderJob, now: datetime) -> None:
        if len(self._armed) >= _ARMED_MEMORY:
            self._armed = {name: s for name, s in self._armed.items() if s > now}
        self._armed[job.name] = job.second

    # ---- the trigger ----------------------------------------------------------------

    async def on_job(self, name: str, data: bytes) -> str:
        try:
            job = ReminderJob.from_payload(_job_payload(data))
        except (ValueError, KeyError, TypeError) as exc:
            raise PermanentError(f"job {name}: {exc}") from exc
        if job.name != name or job.second != second_of(job.second):
            logger.warning("reminder job {} dropped: its payload names {}", name, job.name)
            return f"dropped: the payload names {job.name}"
        if job.second > self._clock() + _EARLY_TOLERANCE:
            # Forged, or a scheduler clock far ahead: the real job (the same) fires later.
            await self._sidecar.schedule_job(job.name, job.second, job.payload())
            logger.warning("reminder job {} dropped: triggered before its second", name)
            return "dropped: before its second, armed again for it"
        return await self.fire(job)

    async def fire(self, job: ReminderJob) -> str:
        """Notify every reminder of the job's second and shard, a batch at a time (each
        batch commits, so a retry after a failure continues where this one stopped)."""
        after, upto = job.window
        sent, more = 0, True
        while more:
            async with session_scope(self._sessions) as session:
                due, more = await record_due(
                    session, after, upto, job.shard, job.shards, self._batch
                )
            await self._push_and_mark(due)
            sent += len(due)
        return f"notified {sent}"

    async def _push_and_mark(self, due: list[DueReminder]) -> None:
        for r in due:
            push(r)
        async with session_scope(self._sessions) as session:
            await mark_pushed(session, [r.id for r in due])

    # ---- reminder.due from an older worker ------------------------------------------

    async def notify(self, event: ReminderDue) -> str:
        """Record the reminder the event names, as the task row has it."""
        async with session_scope(self._sessions) as session:
            task = await task_by_id(session, event.task_id)
            refusal = self._refusal(event, task)
            if refusal is not None or task is None or task.remind_at is None:
                return _dropped("reminder.due", event, refusal or "no reminder")
            remind_at = task.remind_at
            created = await record_notification(
                session, task.user_id, task.id, remind_at, task.title
            )
        if created is None:
            return "duplicate"
        # The session's objects stay readable after it ends (expire_on_commit=False).
        due = DueReminder(
            id=created,
            user_id=task.user_id,
            task_id=task.id,
            remind_at=remind_at,
            title=task.title,
            due_at=task.due_at,
            created_at=utcnow(),
        )
        await self._push_and_mark([due])
        return "notified"

    def _refusal(self, event: ReminderDue, task: Task | None) -> str | None:
        """Why the task row contradicts a reminder.due (None: it agrees and it is time)."""
        if task is None:
            return "no such task"
        if task.user_id != event.user_id:
            return "the task is another user's"
        if task.status != Status.OPEN or task.remind_at is None:
            return "the task is closed or has no reminder"
        second = second_of(task.remind_at)
        if second != second_of(event.remind_at):
            return f"the task's reminder is at {second.isoformat()}"
        if second > self._clock() + _EARLY_TOLERANCE:
            return "its time has not come"
        return None


def _dropped(kind: str, event: ReminderEvent, reason: str) -> str:
    logger.warning("{} {} for task {} dropped: {}", kind, event.event_id, event.task_id, reason)
    return f"dropped: {reason}"


def _job_payload(data: bytes) -> dict[str, Any]:
    """The payload Sidecar.schedule_job packed: JSON in a StringValue (or bare JSON)."""
    if not data.lstrip().startswith(b"{"):
        try:
            data = StringValue.FromString(data).value.encode()
        except DecodeError as exc:
            raise ValueError("the job's data is neither JSON nor a StringValue") from exc
    payload = json.loads(data)
    if not isinstance(payload, dict):
        raise ValueError("the job's data is not a JSON object")
    return payload
