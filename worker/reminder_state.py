"""`reminder:{task_id}` in the Dapr state store, and the rules for changing it.

Events about one task arrive from two topics (reminders, task-events) and from the
reconciler, in any order and any number of times. The state carries the task version it
reflects, so the rules below make the outcome depend only on the newest version seen:

- an older version never overwrites a newer one;
- at the same version a cancellation wins (a task is deleted at its current version);
- a reminder that already fired is not re-armed by a newer version with the same time
  (an edited title must not notify twice).

Updates are ETag-guarded, so two writers racing on one task re-read and re-decide instead
of overwriting each other (creating a key is a plain upsert: see Sidecar.save_state).
"""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from dapr.clients.exceptions import DaprGrpcError, DaprInternalError
from pydantic import AwareDatetime, BaseModel, ConfigDict

from todo_core.models import utcnow
from worker.jobs import reminder_job_name
from worker.sidecar import Sidecar


class ReminderStatus(StrEnum):
    SCHEDULED = "scheduled"
    FIRED = "fired"
    CANCELLED = "cancelled"


class ReminderState(BaseModel):
    model_config = ConfigDict(frozen=True)

    task_id: UUID
    user_id: UUID
    remind_at: AwareDatetime | None
    task_version: int
    job: str
    status: ReminderStatus
    updated_at: AwareDatetime

    @classmethod
    def new(
        cls,
        task_id: UUID,
        user_id: UUID,
        version: int,
        status: ReminderStatus,
        remind_at: datetime | None,
    ) -> "ReminderState":
        return cls(
            task_id=task_id,
            user_id=user_id,
            remind_at=remind_at,
            task_version=version,
            job=reminder_job_name(task_id),
            status=status,
            updated_at=utcnow(),
        )


class Action(StrEnum):
    STALE = "stale"  # older than what the state holds: nothing to do
    UNCHANGED = "unchanged"  # the same change again (redelivery): nothing to do
    ENSURE = "ensure"  # the same change again: make sure its job exists
    SCHEDULE = "schedule"  # save the new state and (re)schedule the job
    KEEP_FIRED = "keep-fired"  # newer version, same time, already fired: record the version
    CANCEL = "cancel"  # save the cancellation and delete the job


def plan_schedule(current: ReminderState | None, version: int, remind_at: datetime) -> Action:
    """What a "remind at `remind_at`, task version `version`" request does to the state."""
    if current is None:
        return Action.SCHEDULE
    if version < current.task_version:
        return Action.STALE
    same_time = current.remind_at == remind_at
    if version == current.task_version:
        if current.status == ReminderStatus.CANCELLED:
            return Action.STALE  # cancellation wins at the same version
        if current.status == ReminderStatus.FIRED and same_time:
            return Action.UNCHANGED
        if current.status == ReminderStatus.SCHEDULED and same_time:
            return Action.ENSURE
        return Action.SCHEDULE
    if current.status == ReminderStatus.FIRED and same_time:
        return Action.KEEP_FIRED
    return Action.SCHEDULE


def plan_cancel(current: ReminderState | None, version: int) -> Action:
    """What a "no reminder any more, task version `version`" request does."""
    if current is None:
        return Action.CANCEL  # leave a tombstone so a late, older schedule is ignored
    if version < current.task_version:
        return Action.STALE
    if version == current.task_version and current.status == ReminderStatus.CANCELLED:
        return Action.UNCHANGED
    return Action.CANCEL


class StateConflict(Exception):
    """Another writer changed the key since we read it."""


def state_key(task_id: UUID) -> str:
    return f"reminder:{task_id}"


class ReminderStore:
    """Reads and ETag-guarded writes of reminder state through the sidecar."""

    def __init__(self, sidecar: Sidecar, tombstone_ttl_seconds: int) -> None:
        self._sidecar = sidecar
        self._ttl = tombstone_ttl_seconds

    async def get(self, task_id: UUID) -> tuple[ReminderState | None, str]:
        data, etag = await self._sidecar.get_state(state_key(task_id))
        if not data:
            return None, ""
        return ReminderState.model_validate_json(data), etag

    async def put(self, state: ReminderState, etag: str) -> None:
        """StateConflict if `etag` is stale."""
        # A scheduled reminder lives until it fires or is cancelled; the others only guard
        # against stale events for a while.
        ttl = None if state.status == ReminderStatus.SCHEDULED else self._ttl
        try:
            await self._sidecar.save_state(
                state_key(state.task_id), state.model_dump_json(), etag or None, ttl
            )
        except (DaprInternalError, DaprGrpcError) as exc:
            details = exc.details() if isinstance(exc, DaprGrpcError) else None
            text = f"{exc} {details or ''}".lower()
            if "etag" in text or "no item was updated" in text:
                raise StateConflict(state_key(state.task_id)) from exc
            raise
