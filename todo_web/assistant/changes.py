"""What a change did to a task, field by field, in words a person reads: "priority: medium →
high". Every reply that changed something lists these, so nobody has to trust a bare "Done"."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from todo_core.models import Task

FIELDS = ("status", "title", "priority", "tags", "due", "reminder", "recurrence")


def fields_of(task: Task) -> dict[str, Any]:
    """The fields a reply may report on, as stored."""
    return {
        "status": task.status.value,
        "title": task.title,
        "priority": task.priority.value,
        "tags": list(task.tags),
        "due": task.due_at,
        "reminder": task.remind_at,
        "recurrence": task.recurrence,
    }


def changes_between(
    before: dict[str, Any], after: dict[str, Any], zone: ZoneInfo
) -> list[dict[str, str]]:
    """[{field, before, after}] for each field that differs, values as shown to the user."""
    return [
        {"field": name, "before": _shown(before[name], zone), "after": _shown(after[name], zone)}
        for name in FIELDS
        if before[name] != after[name]
    ]


def describe_changes(found: list[dict[str, str]]) -> str:
    return "; ".join(f"{c['field']}: {c['before']} → {c['after']}" for c in found)


def _shown(value: Any, zone: ZoneInfo) -> str:
    if value is None or value == []:
        return "none"
    if isinstance(value, datetime):
        return f"{value.astimezone(zone):%a %-d %b %Y %H:%M}"
    if isinstance(value, list):
        return " ".join(f"#{tag}" for tag in value)
    return str(value)
