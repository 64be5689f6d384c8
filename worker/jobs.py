"""Dapr job names: one job per reminder second and shard, not one per task.

A storm of reminders on a round time (09:00 on a Monday) is then a handful of triggers, each
recording its shard's notifications in one statement, instead of a trigger, a task read and
an insert per reminder. The task row stays the truth: a trigger notifies the open tasks whose
remind_at falls in its second and shard, so an edited, completed or deleted task is simply
not found, and nothing has to cancel a job.

Shards let the scheduler hand one second's triggers to different worker replicas. A task's
shard is the last byte of its id modulo the shard count, computed the same way in SQL
(todo_core.repositories.notifications) and here; the count travels in the job's payload, so
changing it never strands a job armed under the old count.

Job names route triggers by prefix (worker/callback.py).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

REMINDER_JOB_PREFIX = "reminders-"
_NAME_TIME = "%Y%m%dT%H%M%SZ"


def shard_of(task_id: UUID, shards: int) -> int:
    return task_id.bytes[15] % shards


def second_of(remind_at: datetime) -> datetime:
    """The whole second a reminder fires at: its time rounded up, so never early."""
    utc = remind_at.astimezone(UTC)
    whole = utc.replace(microsecond=0)
    return whole if whole == utc else whole + timedelta(seconds=1)


@dataclass(frozen=True)
class ReminderJob:
    """Every reminder with remind_at in (second - 1 s, second] whose task is in `shard`."""

    second: datetime
    shard: int
    shards: int

    @classmethod
    def for_task(cls, task_id: UUID, remind_at: datetime, shards: int) -> "ReminderJob":
        return cls(second_of(remind_at), shard_of(task_id, shards), shards)

    @property
    def name(self) -> str:
        return f"{REMINDER_JOB_PREFIX}{self.second.strftime(_NAME_TIME)}-{self.shard}"

    @property
    def window(self) -> tuple[datetime, datetime]:
        """(after, up to and including): the remind_at values this job covers."""
        return self.second - timedelta(seconds=1), self.second

    def payload(self) -> dict[str, Any]:
        return {"second": self.second.isoformat(), "shard": self.shard, "shards": self.shards}

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> "ReminderJob":
        """ValueError (or KeyError/TypeError) for a payload that is not one of ours."""
        second = datetime.fromisoformat(data["second"])
        shard, shards = int(data["shard"]), int(data["shards"])
        if second.tzinfo is None or not 0 <= shard < shards:
            raise ValueError(f"not a reminder job payload: {data!r}")
        return cls(second.astimezone(UTC), shard, shards)
