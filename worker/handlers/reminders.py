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
"""

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from google.protobuf.message import DecodeError
from google.protobuf.wrappers_pb2 import StringValue

from todo_core.db import SessionFactory, session_scope
from todo_core.events import (
    ReminderCancelled,
    ReminderDue,
    ReminderEvent,
    ReminderScheduled,
    TaskCreated,
    TaskDeleted,
    TaskEvent,
)
from todo_core.models import Status, utcnow
from todo_core.repositories.notifications import (
    DueReminder,
    mark_pushed,
    record_due,
    record_notification,
)
from worker.jobs import ReminderJob
from worker.outcome import PermanentError
from worker.push import push
from worker.sidecar import Sidecar

# A job armed by this process and due later than this is not armed again for the next
# reminder of the same second and shard (a storm's creates would each rewrite it). Closer
# to its time it is: the trigger may already have run and taken the job away.
_REARM_MARGIN = timedelta(seconds=5)
_ARMED_MEMORY = 100_000


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
            return await self.arm(event.task_id, event.remind_at)
        if isinstance(event, ReminderCancelled):
            return "nothing to cancel: the trigger re-reads the task"
        return await self.notify(event)

    async def follow(self, event: TaskEvent) -> str:
        """A backstop for a lost reminder event: arm the reminder a task event shows."""
        task = event.task
        if isinstance(event, TaskCreated | TaskDeleted):
            # A new task's reminder.scheduled is written in the same outbox transaction;
            # a deleted task has nothing to arm. The reconciler remains the backstop.
            return "left to the reminders topic"
        if task.status == Status.OPEN and task.remind_at is not None:
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
        async with session_scope(self._sessions) as session:
            created = await record_notification(
                session, event.user_id, event.task_id, event.remind_at, event.title
            )
        if created is None:
            return "duplicate"
        due = DueReminder(
            id=created,
            user_id=event.user_id,
            task_id=event.task_id,
            remind_at=event.remind_at,
            title=event.title,
            due_at=event.due_at,
            created_at=utcnow(),
        )
        await self._push_and_mark([due])
        return "notified"


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
