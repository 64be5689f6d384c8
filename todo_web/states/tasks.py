"""The task list: one page at a time (keyset pagination), the user's saved view (search,
filters, sort), quick add, complete, delete with undo, and refreshing when tasks change
elsewhere (LiveState calls `refresh`)."""

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
from todo_core.language import parse_task
from todo_core.models import Task, utcnow
from todo_core.repositories import tasks as repo
from todo_core.repositories.errors import NotFound, QuotaReached
from todo_core.repositories.restore import restore_task
from todo_core.validation import ListQuery, field_errors, task_create
from todo_web import relay, sessions
from todo_web.dapr_state import SidecarUnavailable
from todo_web.states.auth import AuthState
from todo_web.states.quick_add import QUICK_ADD_MAX, TOO_LONG, ChipView, quick_chips, unchip
from todo_web.states.views import DB_ERRORS, TaskRow, task_row

PAGE_SIZE = 50
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
}
DB_TROUBLE = "Could not reach the database. Your list will refresh when it is back; try again."


async def fingerprint(user_id: UUID) -> str:
    """Changes whenever any of the user's tasks is created, changed or deleted: the count
    catches deletes, the newest updated_at catches the rest. Two index-only aggregates."""
    statement = select(func.count(), func.max(Task.updated_at)).where(Task.user_id == user_id)
    async with session_scope() as db:
        count, newest = (await db.exec(statement)).one()
    return f"{count}:{newest.isoformat() if newest else ''}"


class TasksState(AuthState):
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
    tag: str = ""
    due: str = ANY
    sort: str = "due"
    order: str = "asc"

    # Backend-only (underscore): never sent to the browser.
    _fingerprint: str = ""
    _quick_text: str = ""  # the quick-add box as last previewed
    # Recently deleted tasks (task.deleted snapshots as JSON) by id, for their toasts' Undo.
    _deleted: dict[str, dict[str, Any]] = {}

    @rx.var
    def filtered(self) -> bool:
        return any(
            getattr(self, name) != value for name, value in VIEW_DEFAULTS.items() if name != "sort"
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

    async def _fetch(self, want: int) -> None:
        """Load pages until `want` rows (or the end), so a refresh keeps what was shown."""
        now, user = utcnow(), self.user_uuid
        rows: list[TaskRow] = []
        cursor: str | None = None
        async with session_scope() as db:
            while True:
                page = await repo.list_tasks(db, user, self._query(cursor), self.time_zone, now)
                rows += [task_row(t, self.time_zone, now) for t in page.items]
                cursor = page.next_cursor
                if cursor is None or len(rows) >= want:
                    break
        self.rows, self.next_cursor = rows, cursor or ""

    async def reload(self, keep_shown: bool = False) -> None:
        want = max(len(self.rows), PAGE_SIZE) if keep_shown else PAGE_SIZE
        try:
            self._fingerprint = await fingerprint(self.user_uuid)
            await self._fetch(want)
            self.load_error = ""
        except ValidationError as exc:
            # Only a hand-edited saved view can get here: fall back to the defaults.
            logger.warning("bad saved view {}: {}", self.user_id, field_errors(exc))
            self._apply_view(VIEW_DEFAULTS)
            await self._fetch(PAGE_SIZE)
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
    async def load(self) -> None:
        """on_load: restore the saved view, then the first page."""
        if not self.user_id:
            return
        self.loading = True
        try:
            self._apply_view(await sessions.get_prefs(self.user_uuid))
        except SidecarUnavailable:
            logger.warning("could not read the saved view; using the defaults")
        await self.reload()

    @rx.event
    async def load_more(self) -> None:
        if not self.next_cursor:
            return
        now = utcnow()
        async with session_scope() as db:
            page = await repo.list_tasks(
                db, self.user_uuid, self._query(self.next_cursor), self.time_zone, now
            )
        self.rows = self.rows + [task_row(t, self.time_zone, now) for t in page.items]
        self.next_cursor = page.next_cursor or ""

    # ---- the view -----------------------------------------------------------------------

    async def _view_changed(self) -> None:
        try:
            await sessions.save_prefs(
                self.user_uuid, {name: getattr(self, name) for name in VIEW_DEFAULTS}
            )
        except SidecarUnavailable:
            logger.warning("could not save the view; it applies to this tab only")
        await self.reload()

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
    async def set_tag(self, value: str) -> None:
        self.tag = value[:40]
        await self._view_changed()

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
    async def reset_view(self) -> None:
        self._apply_view(VIEW_DEFAULTS)
        await self._view_changed()

    @rx.event
    async def show_tag(self, tag: str) -> None:
        self.tag = tag
        await self._view_changed()

    # ---- changes ------------------------------------------------------------------------

    @rx.event
    def preview_quick(self, text: str) -> None:
        """What quick add recognises in the text so far, as chips."""
        self._quick_text = text
        self.quick_chips = quick_chips(text, self.time_zone)
        if len(text) > QUICK_ADD_MAX:
            self.quick_error = TOO_LONG
        elif self.quick_error == TOO_LONG:
            self.quick_error = ""

    @rx.event
    def remove_chip(self, index: int) -> Any:
        """Keep a chip's words in the title instead (they are quoted in the box)."""
        text = unchip(self._quick_text, self.time_zone, index)
        self.preview_quick(text)
        return [rx.set_value("quick-title", text), rx.set_focus("quick-title")]

    @rx.event
    async def quick_add(self, form: dict[str, Any]) -> Any:
        text = str(form.get("title", ""))
        if len(text) > QUICK_ADD_MAX:
            self.quick_error = TOO_LONG
            return None
        parsed = parse_task(text, self.time_zone, utcnow())
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

    @rx.event
    async def toggle_done(self, task_id: str, done: bool) -> Any:
        change = repo.complete_task if done else repo.reopen_task
        try:
            async with session_scope() as db:
                await change(db, self.user_uuid, UUID(task_id))
        except NotFound:
            await self.reload(keep_shown=True)
            return rx.toast.warning("That task was deleted elsewhere.")
        relay.notify()
        await self.reload(keep_shown=True)
        return None

    @rx.event
    async def delete(self, task_id: str) -> Any:
        try:
            async with session_scope() as db:
                task = await repo.get_task(db, self.user_uuid, UUID(task_id))
                if task is None:
                    raise NotFound(task_id)
                snapshot = repo.snapshot_of(task)
                await repo.delete_task(db, self.user_uuid, task.id)
        except NotFound:
            await self.reload(keep_shown=True)
            return None
        # Newest last; each toast's Undo brings back its own task.
        kept = list(self._deleted.items())[-(UNDO_KEPT - 1) :]
        self._deleted = {**dict(kept), task_id: snapshot.model_dump(mode="json")}
        relay.notify()
        await self.reload(keep_shown=True)
        return rx.toast(
            "Task deleted",
            description=snapshot.title,
            duration=8000,
            action=ToastAction(label="Undo", on_click=TasksState.undo_delete(task_id)),
        )

    @rx.event
    async def undo_delete(self, task_id: str) -> Any:
        """Brings the task back as itself: same id, history, series and reminder."""
        record = self._deleted.pop(task_id, None)
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
