"""What the Today and Upcoming views read, and the counts beside every view (issue 25).

Today and Upcoming need every dated task up to a horizon at once (they are grouped by day,
not paged), so one query reads them, bounded by AGENDA_LIMIT; the counts are aggregates the
indexes on (user_id, status, due_at) and the tags GIN index answer.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from uuid import UUID

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_core.models import Status, Task
from todo_core.timezones import get_zone, to_utc_lenient

# A person with more than this many dated tasks in two weeks has a different problem; the
# view says so rather than loading them all.
AGENDA_LIMIT = 500
TAGS_SHOWN = 30  # the side list's tags, most used first


@dataclass
class ViewCounts:
    """Open tasks per view: what the side list shows beside each name."""

    today: int = 0  # overdue or due today
    upcoming: int = 0  # due after today, within the Upcoming horizon
    all: int = 0
    tags: list[tuple[str, int]] = field(default_factory=list)


def day_start(now: datetime, zone_name: str, days_ahead: int = 0) -> datetime:
    """Midnight `days_ahead` days from the user's today, as a UTC moment."""
    zone = get_zone(zone_name)
    day = now.astimezone(zone).date() + timedelta(days=days_ahead)
    return to_utc_lenient(datetime.combine(day, time()), zone)


async def agenda_tasks(
    session: AsyncSession, user_id: UUID, until: datetime, done_since: datetime | None = None
) -> list[Task]:
    """Open tasks due before `until` and, when `done_since` is given, the completed ones due
    between it and `until`; earliest first, at most AGENDA_LIMIT."""
    due_at, status = col(Task.due_at), col(Task.status)
    wanted = and_(status == Status.OPEN, due_at < until)
    if done_since is not None:
        wanted = or_(wanted, and_(status == Status.DONE, due_at >= done_since, due_at < until))
    statement = (
        select(Task)
        .where(col(Task.user_id) == user_id, due_at.is_not(None), wanted)
        .order_by(due_at, col(Task.id))
        .limit(AGENDA_LIMIT)
    )
    return list((await session.exec(statement)).all())


async def view_counts(
    session: AsyncSession, user_id: UUID, zone: str, now: datetime, upcoming_days: int
) -> ViewCounts:
    tomorrow = day_start(now, zone, 1)
    horizon = day_start(now, zone, 1 + upcoming_days)
    due_at = col(Task.due_at)
    mine_open = (col(Task.user_id) == user_id, col(Task.status) == Status.OPEN)
    totals = select(
        func.count(),
        func.count().filter(due_at < tomorrow),
        func.count().filter(and_(due_at >= tomorrow, due_at < horizon)),
    ).where(*mine_open)
    total, today, upcoming = (await session.exec(totals)).one()
    tag = func.unnest(col(Task.tags)).label("tag")
    per_tag = (
        select(tag, func.count())
        .where(*mine_open)
        .group_by(tag)
        .order_by(func.count().desc(), tag)
        .limit(TAGS_SHOWN)
    )
    tags = [(str(name), int(n)) for name, n in (await session.exec(per_tag)).all()]
    return ViewCounts(today=today, upcoming=upcoming, all=total, tags=sorted(tags))
