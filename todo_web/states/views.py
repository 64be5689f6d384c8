"""Plain data the pages render, built from the domain's rows (no Reflex state here, so it is
easy to test and cheap to send: only strings, booleans and lists reach the browser)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from todo_core.models import Notification, Status, Task, TaskActivity
from todo_core.recurrence import RecurrenceError, summarize
from todo_core.timezones import get_zone

# What a database outage raises: asyncpg's connection errors are OSErrors, and SQLAlchemy
# wraps the rest (DBAPIError, InterfaceError, pool timeouts).
DB_ERRORS = (OSError, SQLAlchemyError)

# The reminder menu: value -> label. Minutes before the due time are plain numbers.
REMINDER_CHOICES: dict[str, str] = {
    "none": "No reminder",
    "at_due": "At the due time",
    "1": "1 minute before",
    "5": "5 minutes before",
    "15": "15 minutes before",
    "30": "30 minutes before",
    "60": "1 hour before",
    "1440": "1 day before",
}

ACTIVITY_LABELS = {
    "task.created": "Created",
    "task.updated": "Changed",
    "task.completed": "Completed",
    "task.deleted": "Deleted",
}


@dataclass
class TaskRow:
    """One line of the list."""

    id: str = ""
    title: str = ""
    description: str = ""
    priority: str = "medium"
    tags: list[str] = field(default_factory=list)
    done: bool = False
    due_label: str = ""  # "Today 14:30", "" without a due date
    due_state: str = "none"  # overdue | today | upcoming | none | done
    repeat: str = ""  # the recurrence summary, "" when it does not repeat
    has_reminder: bool = False
    reminder_label: str = ""  # when the reminder fires, "Tomorrow 16:45"
    version: int = 1


@dataclass
class NotificationRow:
    id: str = ""
    task_id: str = ""
    title: str = ""
    when: str = ""
    unread: bool = True


@dataclass
class ActivityRow:
    what: str = ""
    when: str = ""


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(get_zone(zone))


def due_label(due: datetime, zone: str, now: datetime) -> str:
    """Short and relative near today, with the year only when it is not this year."""
    when, today = local(due, zone), local(now, zone).date()
    days = (when.date() - today).days
    clock = f"{when:%H:%M}"
    if days == 0:
        return f"Today {clock}"
    if days == 1:
        return f"Tomorrow {clock}"
    if days == -1:
        return f"Yesterday {clock}"
    if when.year == today.year:
        return f"{when:%a} {when.day} {when:%b} {clock}"
    return f"{when.day} {when:%b %Y} {clock}"


def due_state(task: Task, zone: str, now: datetime) -> str:
    if task.status == Status.DONE:
        return "done"
    if task.due_at is None:
        return "none"
    if task.due_at < now:
        return "overdue"
    if local(task.due_at, zone).date() == local(now, zone).date():
        return "today"
    return "upcoming"


def repeat_summary(task: Task, zone: str) -> str:
    if not task.recurrence or task.due_at is None:
        return ""
    try:
        return summarize(task.recurrence, local(task.due_at, zone).replace(tzinfo=None))
    except RecurrenceError:
        return "repeats"


def task_row(task: Task, zone: str, now: datetime) -> TaskRow:
    return TaskRow(
        id=str(task.id),
        title=task.title,
        description=task.description,
        priority=task.priority.value,
        tags=list(task.tags),
        done=task.status == Status.DONE,
        due_label=due_label(task.due_at, zone, now) if task.due_at else "",
        due_state=due_state(task, zone, now),
        repeat=repeat_summary(task, zone),
        has_reminder=task.remind_at is not None,
        reminder_label=due_label(task.remind_at, zone, now) if task.remind_at else "",
        version=task.version,
    )


def notification_row(item: Notification, zone: str, now: datetime) -> NotificationRow:
    return NotificationRow(
        id=str(item.id),
        task_id=str(item.task_id),
        title=item.title,
        when=due_label(item.remind_at, zone, now),
        unread=item.read_at is None,
    )


def activity_row(item: TaskActivity, zone: str, now: datetime) -> ActivityRow:
    return ActivityRow(
        what=ACTIVITY_LABELS.get(item.event_type, item.event_type),
        when=due_label(item.occurred_at, zone, now),
    )


def datetime_input_value(moment: datetime | None, zone: str) -> str:
    """The value of an <input type=datetime-local>: wall-clock time in the user's zone."""
    return f"{local(moment, zone):%Y-%m-%dT%H:%M}" if moment else ""


def parse_datetime_input(text: str) -> datetime | None:
    """'2026-03-01T09:30' → naive wall-clock datetime; '' → None; ValueError otherwise."""
    text = text.strip()
    return datetime.fromisoformat(text) if text else None


def reminder_value(reminder: dict[str, Any]) -> str:
    """A stored reminder choice → the menu value ("at" keeps its own value)."""
    kind = reminder.get("kind", "none")
    if kind == "before":
        return str(reminder.get("minutes", ""))
    return kind


def reminder_choice(value: str) -> dict[str, Any]:
    if value.isdigit():
        return {"kind": "before", "minutes": int(value)}
    return {"kind": value or "none"}


def split_tags(text: str) -> list[str]:
    """'work, home  urgent' → ['work', 'home', 'urgent'] (comma or space separated)."""
    return [t for t in text.replace(",", " ").split() if t]
