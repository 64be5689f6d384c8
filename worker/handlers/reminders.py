"""The `reminders` topic, the `reminder-*` job triggers and the mock push notification.

scheduled → state `reminder:{task_id}` + job `reminder-{task_id}` at remind_at (at once
            when remind_at has passed);
cancelled → state marked cancelled, job deleted;
trigger   → if the reminder is still current (state scheduled, task open with the same
            remind_at) publish `reminder.due`, else drop it with a debug line;
due       → one notification row per (task, remind_at) and one `notification.sent` line.
"""

import json
from collections.abc import Callable
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from loguru import logger

from todo_core.db import SessionFactory, session_scope
from todo_core.events import (
    REMINDERS,
    ReminderCancelled,
    ReminderDue,
    ReminderEvent,
    ReminderScheduled,
    TaskCreated,
    TaskDeleted,
    TaskEvent,
    to_json_dict,
)
from todo_core.models import Status, Task, utcnow
from todo_core.repositories.notifications import record_notification
from worker.jobs import reminder_job_name, task_id_of_job
from worker.outcome import PermanentError
from worker.reminder_state import (
    Action,
    ReminderState,
    ReminderStatus,
    ReminderStore,
    StateConflict,
    plan_cancel,
    plan_schedule,
)
from worker.sidecar import Sidecar

# Concurrent writers on one task are rare (one partition per task); a few re-reads settle it.
_CONFLICT_ATTEMPTS = 5
_DUE_NAMESPACE = uuid5(NAMESPACE_URL, "todo-platform/reminder.due")


def due_event_id(task_id: UUID, remind_at: datetime) -> UUID:
    """The same reminder firing twice publishes the same event id (and one notification)."""
    return uuid5(_DUE_NAMESPACE, f"{task_id}/{remind_at.isoformat()}")


class Reminders:
    def __init__(
        self,
        sidecar: Sidecar,
        store: ReminderStore,
        sessions: SessionFactory,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sidecar = sidecar
        self._store = store
        self._sessions = sessions  # one statement per use: may be an autocommit factory
        self._clock = clock

    # ---- the topic ------------------------------------------------------------------

    async def on_event(self, event: ReminderEvent) -> str:
        if isinstance(event, ReminderScheduled):
            return await self.schedule(
                event.task_id, event.user_id, event.task_version, event.remind_at
            )
        if isinstance(event, ReminderCancelled):
            return await self.cancel(event.task_id, event.user_id, event.task_version)
        return await self.notify(event)

    # ---- state and jobs -------------------------------------------------------------

    async def schedule(
        self,
        task_id: UUID,
        user_id: UUID,
        version: int,
        remind_at: datetime,
        *,
        ensure_job: bool = True,
    ) -> str:
        """Bring the state to "remind at `remind_at`" for `version`; returns the action.

        ensure_job: on a repeat of the current change, check the job still exists (a
        redelivery after a crash, or the reconciler after a lost scheduler).
        """
        for _ in range(_CONFLICT_ATTEMPTS):
            state, etag = await self._store.get(task_id)
            action = plan_schedule(state, version, remind_at)
            try:
                if action in (Action.STALE, Action.UNCHANGED):
                    return action.value
                if action == Action.ENSURE:
                    if not ensure_job or await self._sidecar.job_exists(reminder_job_name(task_id)):
                        return Action.UNCHANGED.value
                    await self._arm(task_id, remind_at)
                    return "re-armed"
                if action == Action.KEEP_FIRED and state is not None:
                    await self._store.put(
                        state.model_copy(update={"task_version": version, "updated_at": utcnow()}),
                        etag,
                    )
                    return action.value
                new = ReminderState.new(
                    task_id, user_id, version, ReminderStatus.SCHEDULED, remind_at
                )
                # State first, job second: a crash between them leaves a state the
                # redelivery (ENSURE) or the reconciler completes with the job.
                await self._store.put(new, etag)
                await self._arm(task_id, remind_at)
                return action.value
            except StateConflict:
                continue
        raise StateConflict(f"reminder:{task_id} kept changing")

    async def _arm(self, task_id: UUID, remind_at: datetime) -> None:
        # A time already past is scheduled for now: the scheduler fires it at once.
        due = max(remind_at, self._clock())
        payload = {"task_id": str(task_id), "remind_at": remind_at.isoformat()}
        await self._sidecar.schedule_job(reminder_job_name(task_id), due, payload)

    async def cancel(
        self, task_id: UUID, user_id: UUID, version: int, *, tombstone: bool = True
    ) -> str:
        """Bring the state to "no reminder" for `version`.

        tombstone: with no state at all, still record the cancellation, so a late older
        "scheduled" cannot arm it again.
        """
        for _ in range(_CONFLICT_ATTEMPTS):
            state, etag = await self._store.get(task_id)
            if state is None and not tombstone:
                return "no-reminder"
            action = plan_cancel(state, version)
            if action != Action.CANCEL:
                return action.value
            remind_at = state.remind_at if state else None
            new = ReminderState.new(task_id, user_id, version, ReminderStatus.CANCELLED, remind_at)
            try:
                # State first: a trigger arriving before the job is deleted sees
                # "cancelled" and does nothing.
                await self._store.put(new, etag)
            except StateConflict:
                continue
            await self._sidecar.delete_job(reminder_job_name(task_id))
            return action.value
        raise StateConflict(f"reminder:{task_id} kept changing")

    async def follow(self, event: TaskEvent) -> str:
        """Keep the reminder in step with a task event (a backstop for a lost reminder
        event: both carry the task version, so whichever comes second changes nothing)."""
        task = event.task
        if isinstance(event, TaskCreated):
            # A new task's reminder.scheduled is written in the same outbox transaction, so
            # following task.created would only repeat it (a state read per new task, and a
            # job lookup when it wins the race). The reconciler remains the backstop.
            return "left to the reminders topic"
        if isinstance(event, TaskDeleted):
            return await self.cancel(task.id, task.user_id, task.version, tombstone=False)
        if task.status == Status.OPEN and task.remind_at is not None:
            return await self.schedule(
                task.id, task.user_id, task.version, task.remind_at, ensure_job=False
            )
        return await self.cancel(task.id, task.user_id, task.version, tombstone=False)

    # ---- the trigger ----------------------------------------------------------------

    async def on_job(self, name: str, data: bytes) -> str:
        try:
            task_id = task_id_of_job(name)
        except ValueError as exc:
            raise PermanentError(str(exc)) from exc
        return await self.fire(task_id)

    async def fire(self, task_id: UUID) -> str:
        state, etag = await self._store.get(task_id)
        if state is None or state.status != ReminderStatus.SCHEDULED:
            logger.debug("reminder {} is stale: state {}", task_id, state and state.status)
            return "stale"
        async with session_scope(self._sessions) as session:
            task = await session.get(Task, task_id)
        if task is None or task.status != Status.OPEN or task.remind_at != state.remind_at:
            logger.debug("reminder {} is stale: the task changed or is gone", task_id)
            return "stale"
        remind_at = task.remind_at
        due = ReminderDue(
            event_id=due_event_id(task_id, remind_at),
            user_id=task.user_id,
            task_id=task_id,
            task_version=task.version,
            remind_at=remind_at,
            due_at=task.due_at,
            title=task.title,
        )
        await self._sidecar.publish(REMINDERS, json.dumps(to_json_dict(due)), due.partition_key)
        try:
            fired = state.model_copy(
                update={"status": ReminderStatus.FIRED, "updated_at": utcnow()}
            )
            await self._store.put(fired, etag)
        except StateConflict:
            pass  # a newer change moved the state on; its own rules apply
        return "fired"

    # ---- the notification -----------------------------------------------------------

    async def notify(self, event: ReminderDue) -> str:
        async with session_scope(self._sessions) as session:
            created = await record_notification(
                session, event.user_id, event.task_id, event.remind_at, event.title
            )
        if not created:
            return "duplicate"
        now = self._clock()
        delay_ms = (now - event.remind_at).total_seconds() * 1000
        logger.bind(
            event="notification.sent",
            user_id=str(event.user_id),
            task_id=str(event.task_id),
            title=event.title,
            due_at=event.due_at.isoformat() if event.due_at else None,
            remind_at=event.remind_at.isoformat(),
            delay_ms=round(delay_ms),
        ).info(
            "notification.sent user={} task={} title={!r} due={} remind_at={} delay_ms={:.0f}",
            event.user_id, event.task_id, event.title,
            event.due_at.isoformat() if event.due_at else "-", event.remind_at.isoformat(),
            delay_ms,
        )  # fmt: skip
        return "notified"
