"""Which tasks the Today and Upcoming views show and in what order (issue 25, part 1).

Pure functions over the domain's rows, so the views' rules are unit-tested without Reflex:
Today is the overdue tasks (oldest first) followed by today's (by time); Upcoming is the
next `days` days grouped by local date. The section builders turn those into what the page
renders: titled groups of rows, with runs of empty days in Upcoming collapsed to one line.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from todo_core.models import Status, Task
from todo_web.states.views import TaskRow, local, task_row

UPCOMING_DAYS = 7
MakeRow = Callable[[Task], TaskRow]


@dataclass
class Section:
    """A titled group of rows; a `gap` section is a collapsed run of days with no task."""

    key: str = ""
    title: str = ""
    rows: list[TaskRow] = field(default_factory=list)
    gap: bool = False
    day: str = ""  # ISO date a dragged task lands on (a gap's first day); "" for none


def _with_due(tasks: Iterable[Task], show_done: bool) -> list[Task]:
    return [t for t in tasks if t.due_at is not None and (show_done or t.status != Status.DONE)]


def _due(task: Task) -> datetime:
    """The due time of a task _with_due kept."""
    assert task.due_at is not None
    return task.due_at


def today_tasks(
    tasks: Iterable[Task], zone: str, now: datetime, show_done: bool = False
) -> list[Task]:
    """Overdue first, then the rest of today's, each by due time; completed ones (when shown)
    last, and only today's: a task done last week is not part of today."""
    today = local(now, zone).date()

    def wanted(t: Task) -> bool:
        day = local(_due(t), zone).date()
        return day == today if t.status == Status.DONE else day <= today

    due = [t for t in _with_due(tasks, show_done) if wanted(t)]
    return sorted(due, key=lambda t: (t.status == Status.DONE, _due(t) >= now, _due(t)))


def upcoming_groups(
    tasks: Iterable[Task],
    zone: str,
    now: datetime,
    days: int = UPCOMING_DAYS,
    show_done: bool = False,
) -> list[tuple[date, list[Task]]]:
    """Tasks due after today and within `days` days, grouped by local day; empty days omitted."""
    today = local(now, zone).date()
    last = today + timedelta(days=days)
    groups: dict[date, list[Task]] = {}
    for task in sorted(_with_due(tasks, show_done), key=_due):
        day = local(_due(task), zone).date()
        if today < day <= last:
            groups.setdefault(day, []).append(task)
    return sorted(groups.items())


def day_title(day: date, today: date) -> str:
    """ "Tomorrow · Sun 6 Dec", or "Tue 8 Dec" further on."""
    name = f"{day:%a} {day.day} {day:%b}"
    return f"Tomorrow · {name}" if (day - today).days == 1 else name


def _gap_title(first: date, last: date) -> str:
    if first == last:
        return f"{first:%a} {first.day} {first:%b}: nothing planned"
    return f"{first:%a} {first.day} – {last:%a} {last.day} {last:%b}: nothing planned"


def _rows_of(zone: str, now: datetime, make_row: MakeRow | None) -> MakeRow:
    return make_row or (lambda task: task_row(task, zone, now))


def today_sections(
    tasks: Iterable[Task],
    zone: str,
    now: datetime,
    show_done: bool = False,
    make_row: MakeRow | None = None,
) -> list[Section]:
    row = _rows_of(zone, now, make_row)
    chosen = today_tasks(tasks, zone, now, show_done)
    overdue = [t for t in chosen if t.status != Status.DONE and _due(t) < now]
    rest = [t for t in chosen if t not in overdue]
    today = local(now, zone).date()
    sections = [
        Section("overdue", "Overdue", [row(t) for t in overdue]),
        Section("today", f"Today · {today:%a} {today.day} {today:%b}", [row(t) for t in rest]),
    ]
    return [s for s in sections if s.rows]


def upcoming_sections(
    tasks: Iterable[Task],
    zone: str,
    now: datetime,
    days: int = UPCOMING_DAYS,
    show_done: bool = False,
    make_row: MakeRow | None = None,
) -> list[Section]:
    """One section per day with tasks; each run of empty days between them is one gap line
    (a run at the end is left out: nothing more is planned)."""
    row = _rows_of(zone, now, make_row)
    today = local(now, zone).date()
    sections: list[Section] = []
    expected = today + timedelta(days=1)
    for day, items in upcoming_groups(tasks, zone, now, days, show_done):
        if day > expected:
            last = day - timedelta(days=1)
            gap_title = _gap_title(expected, last)
            sections.append(
                Section(f"gap-{expected}", gap_title, gap=True, day=expected.isoformat())
            )
        rows = [row(t) for t in items]
        sections.append(Section(day.isoformat(), day_title(day, today), rows, day=day.isoformat()))
        expected = day + timedelta(days=1)
    return sections


def moved_due(due_at: datetime, zone: str, day: date) -> datetime:
    """The wall-clock due time (naive, in `zone`) of a task dragged onto `day`: same time."""
    return datetime.combine(day, local(due_at, zone).time().replace(tzinfo=None))
