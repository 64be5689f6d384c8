"""Which tasks the Today and Upcoming views show and in what order (issue 25, part 1).

Pure functions over the domain's rows, so the views' rules are unit-tested without Reflex:
Today is the overdue tasks (oldest first) followed by today's (by time); Upcoming is the
next `days` days grouped by local date, with days that have no task left out.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from todo_core.models import Status, Task
from todo_web.states.views import local

UPCOMING_DAYS = 7


def _open_with_due(tasks: Iterable[Task]) -> list[Task]:
    return [t for t in tasks if t.status != Status.DONE and t.due_at is not None]


def today_tasks(tasks: Iterable[Task], zone: str, now: datetime) -> list[Task]:
    """Overdue first, then the rest of today's, each by due time."""
    end_of_today = local(now, zone).date()
    due = [t for t in _open_with_due(tasks) if local(t.due_at, zone).date() <= end_of_today]
    return sorted(due, key=lambda t: (t.due_at >= now, t.due_at))


def upcoming_groups(
    tasks: Iterable[Task], zone: str, now: datetime, days: int = UPCOMING_DAYS
) -> list[tuple[date, list[Task]]]:
    """Tasks due after today and within `days` days, grouped by local day; empty days omitted."""
    today = local(now, zone).date()
    last = today + timedelta(days=days)
    groups: dict[date, list[Task]] = {}
    for task in sorted(_open_with_due(tasks), key=lambda t: t.due_at):
        day = local(task.due_at, zone).date()
        if today < day <= last:
            groups.setdefault(day, []).append(task)
    return sorted(groups.items())
