"""Dapr job names: one `reminder-{task_id}` job per task with a reminder.

Jobs are named per task, so the app callback routes triggers by name prefix
(worker/callback.py) rather than by exact name.
"""

from uuid import UUID

REMINDER_JOB_PREFIX = "reminder-"


def reminder_job_name(task_id: UUID) -> str:
    return f"{REMINDER_JOB_PREFIX}{task_id}"


def task_id_of_job(name: str) -> UUID:
    """The task a reminder job belongs to; ValueError for any other name."""
    if not name.startswith(REMINDER_JOB_PREFIX):
        raise ValueError(f"not a reminder job: {name!r}")
    return UUID(name.removeprefix(REMINDER_JOB_PREFIX))
