"""What every view shows, read together (issue 25, item 6): Today and Upcoming from one agenda
query, All's pages, and the first page of each tag view from one statement. The page holds
them all, so switching views happens in the browser without asking the server
(components/view_switch.py); the live feed, and every change made here, read them again.

Plain data: TasksState copies it into its vars, and the tests can build it without Reflex.
"""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from todo_core.models import Task
from todo_core.repositories import agenda
from todo_core.repositories import tasks as repo
from todo_core.validation import ListQuery
from todo_web.states.agenda import UPCOMING_DAYS, Section, today_sections, upcoming_sections
from todo_web.states.navigation import TODAY, UPCOMING
from todo_web.states.views import TaskRow, task_row


@dataclass
class ViewData:
    today: list[Section] = field(default_factory=list)
    upcoming: list[Section] = field(default_factory=list)
    rows: list[TaskRow] = field(default_factory=list)  # All: as many pages as asked
    next_cursor: str = ""
    tag_rows: dict[str, list[TaskRow]] = field(default_factory=dict)  # tag -> first page
    tag_cursors: dict[str, str] = field(default_factory=dict)  # tag -> next page ("" at end)


class RowCache:
    """One TaskRow per task however many views show it (a task is often in Today, All and
    its tags' views). One session returns one object per database row, so the id keys it."""

    def __init__(self, zone: str, now: datetime) -> None:
        self._zone, self._now = zone, now
        self._made: dict[UUID, TaskRow] = {}

    def __call__(self, tasks: list[Task]) -> list[TaskRow]:
        return [self.row(t) for t in tasks]

    def row(self, task: Task) -> TaskRow:
        if task.id not in self._made:
            self._made[task.id] = task_row(task, self._zone, self._now)
        return self._made[task.id]


async def read_views(
    db: AsyncSession,
    user_id: UUID,
    *,
    zone: str,
    now: datetime,
    query: ListQuery,
    want: int,
    tags: list[str],
    tag_limit: int,
    done_views: set[str],
) -> ViewData:
    """Every view: `query` is All's (filters, sort, page size), `want` how many of its rows to
    keep (a refresh keeps what was loaded); the tag views share its filters and sort."""
    rows = RowCache(zone, now)
    data = ViewData()

    # Today and Upcoming: one read up to Upcoming's horizon; completed tasks only from the
    # first day of a view that shows them.
    show_today, show_upcoming = TODAY in done_views, UPCOMING in done_views
    since = None
    if show_today or show_upcoming:
        since = agenda.day_start(now, zone, 0 if show_today else 1)
    until = agenda.day_start(now, zone, 1 + UPCOMING_DAYS)
    found = await agenda.agenda_tasks(db, user_id, until, since)
    data.today = today_sections(found, zone, now, show_today, rows.row)
    data.upcoming = upcoming_sections(found, zone, now, UPCOMING_DAYS, show_upcoming, rows.row)

    cursor: str | None = None
    while True:
        page = await repo.list_tasks(db, user_id, query.model_copy(update={"cursor": cursor}),
                                     zone, now)  # fmt: skip
        data.rows += rows(page.items)
        cursor = page.next_cursor
        if cursor is None or len(data.rows) >= want:
            break
    data.next_cursor = cursor or ""

    pages = await repo.list_tag_pages(
        db, user_id, query.model_copy(update={"limit": tag_limit}), tags, zone, now
    )
    data.tag_rows = {tag: rows(page.items) for tag, page in pages.items()}
    data.tag_cursors = {tag: page.next_cursor or "" for tag, page in pages.items()}
    return data
