"""The tasks of every view (Today, Upcoming, All one page at a time, each tag's first page),
the user's saved view (search, filters, sort, the view last shown), quick add, complete,
delete with undo, and refreshing when tasks change elsewhere (LiveState calls `refresh_if`).

Every view's rows are here at once so that the browser switches views by itself
(components/view_switch.py): which view is on screen is the browser's (CURRENT_VIEW); `view`
is the one it last told the server (`remember_view`, after a switch) and is what is saved.
"""

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

import reflex as rx
from loguru import logger
from pydantic import ValidationError
from reflex_components_sonner.toast import ToastAction
from sqlalchemy import func
from sqlmodel import select

from todo_core.db import session_scope
from todo_core.events import TaskSnapshot
from todo_core.models import Task, utcnow
from todo_core.repositories import agenda
from todo_core.repositories import tasks as repo
from todo_core.repositories.agenda import ViewCounts
from todo_core.repositories.errors import NotFound, QuotaReached, StaleVersion
from todo_core.repositories.restore import restore_task
from todo_core.validation import ListQuery, TaskUpdate, field_errors, task_create
from todo_web import relay, sessions
from todo_web.dapr_state import SidecarUnavailable
from todo_web.states.agenda import UPCOMING_DAYS, Section, day_title, moved_due
from todo_web.states.auth import AuthState
from todo_web.states.current_view import CURRENT_VIEW
from todo_web.states.navigation import (
    AGENDA_VIEWS,
    ALL,
    DEFAULT_VIEW,
    TAG_PREFIX,
    TagCount,
    done_views,
    normalise_view,
    url_script,
    view_tag,
)
from todo_web.states.quick_add import (
    QUICK_ADD_MAX,
    TOO_LONG,
    ChipView,
    parse_quick,
    quick_chips,
    unchip,
)
from todo_web.states.view_data import ViewData, read_views
from todo_web.states.views import DB_ERRORS, TaskRow, local, task_row

PAGE_SIZE = 50
PAGE_MAX = 100  # ListQuery's own bound: a refresh keeps at most this many rows of a tag view
ASKED_KEPT = 5  # tag views opened that are not in the side list (a done task's tag), kept
UNDO_KEPT = 20  # undo toasts last seconds: a handful of recent deletes is all they need
ANY = "any"  # Radix select items cannot have "" as a value; "any" means no filter
VIEW_DEFAULTS: dict[str, str] = {
    "q": "",
    "status": "open",
    "priority": ANY,
    "tag": "",
    "due": ANY,
    "sort": "due",
    "order": "asc",
    "view": DEFAULT_VIEW,
    "done_views": "",  # the views that show completed tasks, comma separated
}
# Saved with the view but not filters: "Show all open tasks" is not offered for them.
NOT_FILTERS = ("sort", "view", "done_views")
ROLLED_BACK = "Could not save that change, so it was undone. Try again in a moment."
DB_TROUBLE = "Could not reach the database. Your list will refresh when it is back; try again."


async def fingerprint(user_id: UUID) -> str:
    """Changes whenever any of the user's tasks is created, changed or deleted: the count
    catches deletes, the newest updated_at catches the rest. Two index-only aggregates."""
    statement = select(func.count(), func.max(Task.updated_at)).where(Task.user_id == user_id)
    async with session_scope() as db:
        count, newest = (await db.exec(statement)).one()
    return f"{count}:{newest.isoformat() if newest else ''}"


class TasksState(AuthState):
    # All: the rows loaded so far and where the next page starts ("" at the end).
    rows: list[TaskRow] = []
    next_cursor: str = ""
    loading: bool = True
    load_error: str = ""
    quick_error: str = ""
    quick_chips: list[ChipView] = []

    # The view, saved per user in the Dapr state store (sessions.save_prefs).
    q: str = ""
    status: str = "open"
    priority: str = ANY
    tag: str = ""  # All's tag filter (a tag view's tag is in its name)
    due: str = ANY
    sort: str = "due"
    order: str = "asc"
    view: str = DEFAULT_VIEW
    done_views: str = ""

    # Today and Upcoming: titled groups of rows instead of the paged list.
    today_sections: list[Section] = []
    upcoming_sections: list[Section] = []
    # Each tag view's rows (its first page, with All's filters and sort) and next page.
    tag_rows: dict[str, list[TaskRow]] = {}
    tag_cursors: dict[str, str] = {}
    count_today: int = 0
    count_upcoming: int = 0
    count_all: int = 0
    tag_counts: list[TagCount] = []

    # Backend-only (underscore): never sent to the browser.
    _fingerprint: str = ""
    _asked_tags: list[str] = []  # tag views opened that the side list does not name
    _quick_text: str = ""  # the quick-add box as last previewed
    _quick_view: str = ALL  # and the view it was previewed in
    # Recently deleted tasks (task.deleted snapshots as JSON) by id, for their toasts' Undo.
    _deleted: dict[str, dict[str, Any]] = {}
    _undo: list[tuple[str, str]] = []  # (complete | delete, task id), newest last

    @rx.var
    def filtered(self) -> bool:
        return any(
            getattr(self, name) != value
            for name, value in VIEW_DEFAULTS.items()
            if name not in NOT_FILTERS
        )

    # ---- loading ------------------------------------------------------------------------

    def _query(self, cursor: str | None = None, limit: int = PAGE_SIZE) -> ListQuery:
        raw: dict[str, Any] = {
            "q": self.q or None,
            "status": None if self.status == ANY else self.status,
            "priority": None if self.priority == ANY else self.priority,
            "tag": self.tag.strip().lower() or None,
            "due": None if self.due == ANY else self.due,
            "sort": self.sort,
            "order": self.order,
            "limit": limit,
            "cursor": cursor,
        }
        return ListQuery.model_validate(raw)

    def _tag_views(self) -> list[str]:
        """The tag views the page holds: the side list's, the one last shown, and the few
        others opened lately (a tag only done tasks carry, one beyond the side list)."""
        named = [t.name for t in self.tag_counts]
        shown = [view_tag(self.view)] if view_tag(self.view) else []
        return list(dict.fromkeys([*named, *shown, *self._asked_tags]))

    def _count(self, counts: ViewCounts) -> None:
        self.count_today, self.count_upcoming, self.count_all = (
            counts.today,
            counts.upcoming,
            counts.all,
        )
        self.tag_counts = [TagCount(name, n) for name, n in counts.tags]

    def _show(self, data: ViewData) -> None:
        """Only what changed is sent to the browser: a refresh after one task changed resends
        the views it is in, not all of them."""
        changed = {
            "today_sections": data.today,
            "upcoming_sections": data.upcoming,
            "rows": data.rows,
            "next_cursor": data.next_cursor,
            "tag_rows": data.tag_rows,
            "tag_cursors": data.tag_cursors,
        }
        for name, value in changed.items():
            if getattr(self, name) != value:
                setattr(self, name, value)

    async def reload(self, keep_shown: bool = False) -> None:
        """Read every view again; `keep_shown` keeps as many rows as "Load more" showed."""
        want = max(len(self.rows), PAGE_SIZE) if keep_shown else PAGE_SIZE
        longest = max((len(r) for r in self.tag_rows.values()), default=0) if keep_shown else 0
        now = utcnow()
        try:
            self._fingerprint = await fingerprint(self.user_uuid)
            query = self._query()
            async with session_scope() as db:
                counts = await agenda.view_counts(
                    db, self.user_uuid, self.time_zone, now, UPCOMING_DAYS
                )
                self._count(counts)
                data = await read_views(
                    db,
                    self.user_uuid,
                    zone=self.time_zone,
                    now=now,
                    query=query,
                    want=want,
                    tags=self._tag_views(),
                    tag_limit=min(PAGE_MAX, max(PAGE_SIZE, longest)),
                    done_views=done_views(self.done_views),
                )
            self._show(data)
            self.load_error = ""
        except ValidationError as exc:
            # Only a hand-edited saved view can get here: fall back to the defaults.
            logger.warning("bad saved view {}: {}", self.user_id, field_errors(exc))
            self._apply_view(VIEW_DEFAULTS)
            await self.reload()
        except DB_ERRORS:
            logger.exception("task list query failed")
            self.load_error = DB_TROUBLE
        finally:
            self.loading = False

    async def refresh_if(self, new_fingerprint: str) -> bool:
        """LiveState's hook: reload when the fingerprint moved; True when it did."""
        if new_fingerprint == self._fingerprint:
            return False
        await self.reload(keep_shown=True)
        return True

    def _apply_view(self, view: dict[str, Any]) -> None:
        for name, default in VIEW_DEFAULTS.items():
            value = view.get(name, default)
            setattr(self, name, value if isinstance(value, str) else default)

    @rx.event
    async def load(self) -> Any:
        """on_load: restore the saved view, then every view's rows; the view asked in the
        address wins over the saved one."""
        if not self.user_id:
            return None
        self.loading = True
        try:
            self._apply_view(await sessions.get_prefs(self.user_uuid))
        except SidecarUnavailable:
            logger.warning("could not read the saved view; using the defaults")
        if view_tag(self.view) and self.tag == view_tag(self.view):
            # Saved before a tag view kept its tag to itself: that tag is not All's filter.
            self.tag = ""
        self.view = normalise_view(self.router.url.query_parameters.get("view") or self.view)
        await self.reload()
        # The page shows this view until the user picks one (view_switch.current_view). Not
        # pushed: a pick made while the page was loading is the user's and stays, address too.
        return rx.call_script(url_script(self.view, unless_chosen=True))

    def _go(self, view: str) -> list[Any]:
        """The server's own choice of view (not a switch by the user): shown in the browser
        and in its address bar."""
        self.view = view
        return [CURRENT_VIEW.push(view), rx.call_script(url_script(view))]

    @rx.event
    async def load_more(self, view: str) -> None:
        """The next page of All, or of the tag view `view` (the browser's current view)."""
        tag = view_tag(normalise_view(view))
        cursor = self.tag_cursors.get(tag, "") if tag else self.next_cursor
        if not cursor:
            return
        query = self._query(cursor)
        if tag:
            query = query.model_copy(update={"tag": tag})
        now = utcnow()
        async with session_scope() as db:
            page = await repo.list_tasks(db, self.user_uuid, query, self.time_zone, now)
        more = [task_row(t, self.time_zone, now) for t in page.items]
        if tag:
            self.tag_rows = {**self.tag_rows, tag: [*self.tag_rows.get(tag, []), *more]}
            self.tag_cursors = {**self.tag_cursors, tag: page.next_cursor or ""}
        else:
            self.rows = self.rows + more
            self.next_cursor = page.next_cursor or ""

    # ---- the view -----------------------------------------------------------------------

    async def _view_changed(self) -> None:
        await self._save_view()
        await self.reload()

    async def _save_view(self) -> None:
        try:
            await sessions.save_prefs(
                self.user_uuid, {name: getattr(self, name) for name in VIEW_DEFAULTS}
            )
        except SidecarUnavailable:
            logger.warning("could not save the view; it applies to this tab only")

    @rx.event
    async def set_q(self, value: str) -> None:
        self.q = value[:200]
        await self._view_changed()

    @rx.event
    async def set_status(self, value: str) -> None:
        self.status = value
        await self._view_changed()

    @rx.event
    async def set_priority(self, value: str) -> None:
        self.priority = value
        await self._view_changed()

    @rx.event
    async def set_tag(self, value: str, view: str = ALL) -> Any:
        """The tag box: All's tag filter; in a tag view it names the view's tag, so another
        tag there is that tag's view (and an empty box is All)."""
        if not view_tag(normalise_view(view)):
            self.tag = value[:40]
            await self._view_changed()
            return None
        name = value.strip().lower()[:40]
        target = normalise_view(TAG_PREFIX + name) if name else ALL
        shown = self._go(target)
        await self._view_changed()
        return shown

    @rx.event
    async def set_due(self, value: str) -> None:
        self.due = value
        await self._view_changed()

    @rx.event
    async def set_sort(self, value: str) -> None:
        self.sort = value
        await self._view_changed()

    @rx.event
    async def toggle_order(self) -> None:
        self.order = "desc" if self.order == "asc" else "asc"
        await self._view_changed()

    @rx.event
    async def reset_view(self) -> Any:
        """ "Show all open tasks": every filter back to its default, on All."""
        self._apply_view(VIEW_DEFAULTS)
        shown = self._go(ALL)
        await self._view_changed()
        return shown

    @rx.event
    async def remember_view(self, form: dict[str, Any]) -> None:
        """Sent by the browser a moment after the user settles on a view (view_switch.py):
        saved for the next visit. The switch itself did not wait for it."""
        await self._shown(str(form.get("view", "")))

    @rx.event
    async def open_view(self, view: str) -> None:
        """A tag view the page holds no rows for (a tag only done tasks carry, or one beyond
        the side list): its placeholder asks for them when it shows."""
        await self._shown(view)

    async def _shown(self, view: str) -> None:
        self.view = normalise_view(view)
        tag = view_tag(self.view)
        if tag and tag not in self.tag_rows:
            others = [t for t in self._asked_tags if t != tag]
            self._asked_tags = [*others[-(ASKED_KEPT - 1) :], tag]
            await self.reload(keep_shown=True)
        await self._save_view()

    @rx.event
    async def set_show_done(self, show: bool, view: str) -> None:
        """ "Show completed" of `view` (the browser's current view): its own choice for Today
        and Upcoming, the status filter for All and the tag views."""
        self.view = normalise_view(view)
        if self.view in AGENDA_VIEWS:
            chosen = done_views(self.done_views) - {self.view} | ({self.view} if show else set())
            self.done_views = ",".join(sorted(chosen))
        else:
            self.status = ANY if show else "open"
        await self._view_changed()

    # ---- changes ------------------------------------------------------------------------

    @rx.event
    def preview_quick(self, text: str, view: str = ALL) -> None:
        """What quick add recognises in the text so far, as chips (in `view`, the browser's)."""
        self._quick_text, self._quick_view = text, view
        self.quick_chips = quick_chips(text, self.time_zone, view)
        if len(text) > QUICK_ADD_MAX:
            self.quick_error = TOO_LONG
        elif self.quick_error == TOO_LONG:
            self.quick_error = ""

    @rx.event
    def remove_chip(self, index: int) -> Any:
        """Keep a chip's words in the title instead (they are quoted in the box)."""
        text = unchip(self._quick_text, self.time_zone, index)
        self.preview_quick(text, self._quick_view)  # type: ignore[operator]
        return [rx.set_value("quick-title", text), rx.set_focus("quick-title")]

    @rx.event
    async def quick_add(self, form: dict[str, Any]) -> Any:
        text = str(form.get("title", ""))
        if len(text) > QUICK_ADD_MAX:
            self.quick_error = TOO_LONG
            return None
        parsed = parse_quick(text, self.time_zone, str(form.get("view", ALL)))
        try:
            data = task_create(parsed.task_input(), self.time_zone)
        except ValidationError as exc:
            fields = field_errors(exc)
            self.quick_error = (
                "Type a title first (up to 200 characters)."
                if "title" in fields
                else "; ".join(fields.values())
            )
            logger.debug("quick add refused: {}", fields)
            return None
        try:
            async with session_scope() as db:
                await repo.create_task(db, self.user_uuid, data)
        except QuotaReached as exc:
            self.quick_error = f"{str(exc).capitalize()}."
            return None
        except DB_ERRORS:
            logger.exception("quick add failed")
            self.quick_error = "Could not save: the database is unreachable. Press Enter to retry."
            return None
        relay.notify()
        self.quick_error, self.quick_chips, self._quick_text = "", [], ""
        await self.reload(keep_shown=True)
        # Cleared only now: on any failure above, what was typed stays in the box.
        return rx.set_value("quick-title", "")

    def _mark(self, task_id: str, done: bool) -> None:
        """Show a row as done (or not) before the database has it: the optimistic half."""

        def marked(rows: list[TaskRow]) -> list[TaskRow]:
            return [replace(r, done=done) if r.id == task_id else r for r in rows]

        self._each_view(marked)

    def _each_view(self, change: Any) -> None:
        """Apply `change` (rows -> rows) to the rows of every view the page holds."""
        self.rows = change(self.rows)
        self.today_sections = [replace(s, rows=change(s.rows)) for s in self.today_sections]
        self.upcoming_sections = [replace(s, rows=change(s.rows)) for s in self.upcoming_sections]
        self.tag_rows = {tag: change(rows) for tag, rows in self.tag_rows.items()}

    def _views_shown(self) -> tuple[Any, ...]:
        return (self.rows, self.today_sections, self.upcoming_sections, self.tag_rows)

    def _restore_views(self, shown: tuple[Any, ...]) -> None:
        self.rows, self.today_sections, self.upcoming_sections, self.tag_rows = shown

    def _remember(self, kind: str, task_id: str) -> None:
        """For `z`: the newest undoable change last."""
        self._undo = [*self._undo[-(UNDO_KEPT - 1) :], (kind, task_id)]

    @rx.event
    async def toggle_done(self, task_id: str, done: bool, quiet: bool = False) -> Any:
        self._mark(task_id, done)
        yield  # the row changes now; the database write follows
        change = repo.complete_task if done else repo.reopen_task
        try:
            async with session_scope() as db:
                await change(db, self.user_uuid, UUID(task_id))
        except NotFound:
            await self.reload(keep_shown=True)
            yield rx.toast.warning("That task was deleted elsewhere.")
            return
        except DB_ERRORS:
            logger.exception("complete failed")
            self._mark(task_id, not done)
            yield rx.toast.error(ROLLED_BACK)
            return
        relay.notify()
        await self.reload(keep_shown=True)
        if done and not quiet:
            self._remember("complete", task_id)
            yield rx.toast(
                "Task completed",
                duration=6000,
                action=ToastAction(label="Undo", on_click=TasksState.undo_complete(task_id)),  # type: ignore[operator]
            )

    @rx.event
    async def move_to_day(self, form: dict[str, Any]) -> Any:
        """A task dropped on another day in Upcoming: the same local time on that day."""
        try:
            task_id, day = UUID(str(form.get("task_id"))), date.fromisoformat(str(form.get("day")))
        except ValueError:
            return None
        try:
            async with session_scope() as db:
                task = await repo.get_task(db, self.user_uuid, task_id)
                if task is None or task.due_at is None:
                    raise NotFound(str(task_id))
                due = moved_due(task.due_at, self.time_zone, day)
                change = TaskUpdate(version=task.version, due=due)
                await repo.update_task(db, self.user_uuid, task_id, change)
        except (NotFound, StaleVersion):
            await self.reload(keep_shown=True)
            return rx.toast.warning("That task changed elsewhere; look again and retry.")
        except ValidationError as exc:
            return rx.toast.error("Could not move it: " + "; ".join(field_errors(exc).values()))
        except DB_ERRORS:
            logger.exception("move failed")
            return rx.toast.error(ROLLED_BACK)
        relay.notify()
        await self.reload(keep_shown=True)
        today = local(utcnow(), self.time_zone).date()
        return rx.toast(f"Moved to {day_title(day, today)}", duration=3000)

    @rx.event
    async def undo_complete(self, task_id: str) -> Any:
        self._undo = [u for u in self._undo if u != ("complete", task_id)]
        return TasksState.toggle_done(task_id, False, True)  # type: ignore[operator]

    @rx.event
    async def undo_last(self) -> Any:
        """`z`: undo the newest complete or delete still undoable."""
        if not self._undo:
            return rx.toast("Nothing to undo", duration=2000)
        kind, task_id = self._undo[-1]
        self._undo = self._undo[:-1]
        if kind == "complete":
            return TasksState.toggle_done(task_id, False, True)  # type: ignore[operator]
        return TasksState.undo_delete(task_id)  # type: ignore[operator]

    @rx.event
    async def delete(self, task_id: str) -> Any:
        shown = self._views_shown()
        self._hide(task_id)
        yield  # gone from the list now; the database write follows
        try:
            async with session_scope() as db:
                task = await repo.get_task(db, self.user_uuid, UUID(task_id))
                if task is None:
                    raise NotFound(task_id)
                snapshot = repo.snapshot_of(task)
                await repo.delete_task(db, self.user_uuid, task.id)
        except NotFound:
            await self.reload(keep_shown=True)
            return
        except DB_ERRORS:
            logger.exception("delete failed")
            self._restore_views(shown)
            yield rx.toast.error(ROLLED_BACK)
            return
        # Newest last; each toast's Undo brings back its own task.
        kept = list(self._deleted.items())[-(UNDO_KEPT - 1) :]
        self._deleted = {**dict(kept), task_id: snapshot.model_dump(mode="json")}
        self._remember("delete", task_id)
        relay.notify()
        await self.reload(keep_shown=True)
        yield rx.toast(
            "Task deleted",
            description=snapshot.title,
            duration=8000,
            action=ToastAction(label="Undo", on_click=TasksState.undo_delete(task_id)),  # type: ignore[operator]
        )

    def _hide(self, task_id: str) -> None:
        self._each_view(lambda rows: [r for r in rows if r.id != task_id])

    @rx.event
    async def undo_delete(self, task_id: str) -> Any:
        """Brings the task back as itself: same id, history, series and reminder."""
        record = self._deleted.pop(task_id, None)
        self._undo = [u for u in self._undo if u != ("delete", task_id)]
        if record is None:
            return None
        try:
            async with session_scope() as db:
                restored = await restore_task(db, TaskSnapshot.model_validate(record))
        except DB_ERRORS:
            logger.exception("undo failed")
            self._deleted[task_id] = record  # the toast's Undo can be pressed again
            return rx.toast.error("Could not reach the database to restore the task. Retry.")
        if restored is None:
            return rx.toast.warning("The task is back already, or its series moved on.")
        relay.notify()
        await self.reload(keep_shown=True)
        return rx.toast.success("Task restored")
