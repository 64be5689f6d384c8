"""The Today and Upcoming views' rules (todo_web/states/agenda.py), on in-memory Task rows."""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from todo_core.models import Status, Task
from todo_web.states.agenda import (
    moved_due,
    today_sections,
    today_tasks,
    upcoming_groups,
    upcoming_sections,
)
from todo_web.states.view_data import RowCache

ZONE = "Europe/Berlin"
# 10:00 in Berlin (UTC+1 in December).
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def task(title: str, hours: float | None, status: Status = Status.OPEN) -> Task:
    due = NOW + timedelta(hours=hours) if hours is not None else None
    return Task(user_id=uuid4(), title=title, due_at=due, status=status)


def titles(tasks: list[Task]) -> list[str]:
    return [t.title for t in tasks]


def test_today_puts_overdue_first_then_today_by_time_and_skips_done_undated_and_later():
    rows = [
        task("later today", 5),
        task("overdue yesterday", -20),
        task("soon", 1),
        task("overdue this morning", -2),
        task("done overdue", -3, Status.DONE),
        task("no date", None),
        task("tomorrow", 20),
    ]
    assert titles(today_tasks(rows, ZONE, NOW)) == [
        "overdue yesterday",
        "overdue this morning",
        "soon",
        "later today",
    ]


def test_today_uses_the_users_local_day():
    # 23:30 Berlin is still today although it is 22:30 UTC; 00:30 Berlin is tomorrow.
    rows = [task("late evening", 13.5), task("after midnight", 14.5)]
    assert titles(today_tasks(rows, ZONE, NOW)) == ["late evening"]


def test_upcoming_groups_by_local_day_omits_empty_days_and_the_window_edge():
    rows = [
        task("day 3 b", 3 * 24 + 2),
        task("tomorrow", 24),
        task("day 3 a", 3 * 24),
        task("today", 2),
        task("day 7", 7 * 24),
        task("day 8", 8 * 24),
        task("done tomorrow", 25, Status.DONE),
    ]
    groups = upcoming_groups(rows, ZONE, NOW)
    assert [(day, titles(items)) for day, items in groups] == [
        (date(2026, 12, 6), ["tomorrow"]),
        (date(2026, 12, 8), ["day 3 a", "day 3 b"]),
        (date(2026, 12, 12), ["day 7"]),
    ]


def test_today_sections_split_overdue_and_show_only_todays_completed_when_asked():
    rows = [
        task("soon", 1),
        task("overdue", -2),
        task("done today", -1, Status.DONE),
        task("done last week", -7 * 24, Status.DONE),
    ]
    hidden = today_sections(rows, ZONE, NOW)
    assert [(s.key, [r.title for r in s.rows]) for s in hidden] == [
        ("overdue", ["overdue"]),
        ("today", ["soon"]),
    ]
    shown = today_sections(rows, ZONE, NOW, show_done=True)
    assert [r.title for r in shown[-1].rows] == ["soon", "done today"]
    assert shown[-1].rows[-1].done


def test_upcoming_sections_collapse_each_run_of_empty_days_into_one_line():
    rows = [task("tomorrow", 24), task("day 5", 5 * 24), task("day 6", 6 * 24)]
    sections = upcoming_sections(rows, ZONE, NOW)
    assert [(s.gap, s.title) for s in sections] == [
        (False, "Tomorrow · Sun 6 Dec"),
        (True, "Mon 7 – Wed 9 Dec: nothing planned"),
        (False, "Thu 10 Dec"),
        (False, "Fri 11 Dec"),
    ]
    assert [r.title for r in sections[0].rows] == ["tomorrow"]


def test_a_task_moved_to_another_day_keeps_its_local_time_across_a_dst_change():
    # 09:30 in Berlin on 20 March (UTC+1), moved past the switch to summer time (UTC+2).
    due = datetime(2026, 3, 20, 8, 30, tzinfo=UTC)
    assert moved_due(due, ZONE, date(2026, 3, 30)) == datetime(2026, 3, 30, 9, 30)
    sections = upcoming_sections([task("day 3", 3 * 24)], ZONE, NOW)
    assert [s.day for s in sections] == ["2026-12-06", "2026-12-08"]


def test_every_view_shares_one_row_per_task():
    """The page holds every view at once (states/view_data.py): a task in Today and in a tag
    view is built into a row once."""
    soon = task("soon", 1)
    soon.id = uuid4()
    rows = RowCache(ZONE, NOW)
    today = today_sections([soon], ZONE, NOW, make_row=rows.row)
    assert today[0].rows[0] is rows([soon])[0]
    assert today[0].rows[0].title == "soon"
