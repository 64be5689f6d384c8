"""The bell: unread reminders recorded by the worker, their count, and marking them read."""

import json
import time
from typing import Any
from uuid import UUID

import reflex as rx
from loguru import logger
from pydantic import ValidationError
from reflex.event import EventSpec
from reflex_components_sonner.toast import ToastAction

from todo_core.db import session_scope
from todo_core.models import Notification, utcnow
from todo_core.repositories import notifications as repo
from todo_core.repositories import tasks as task_repo
from todo_core.repositories.errors import NotFound, StaleVersion, TaskDone
from todo_core.validation import field_errors
from todo_web import relay
from todo_web.live_feed import Snapshot
from todo_web.states.auth import AuthState
from todo_web.states.snooze_choices import snooze_until
from todo_web.states.views import DB_ERRORS, NotificationRow, due_label, notification_row

LIST_SIZE = 20


async def unread(user_id: UUID) -> list[Notification]:
    async with session_scope() as db:
        return await repo.list_notifications(db, user_id, unread_only=True, limit=LIST_SIZE)


def browser_notification(title: str) -> EventSpec:
    """A system notification when the user allowed them. The title goes in as a JSON string
    literal, never as code."""
    body = json.dumps(title)
    return rx.call_script(
        "if (window.Notification && Notification.permission === 'granted') "
        f"new Notification('Todo reminder', {{body: {body}, tag: 'todo-reminder'}})"
    )


# Run in the click handler itself, not after a round trip to the server: browsers only let
# a page ask while the user's click is fresh.
ASK_PERMISSION = rx.call_script(
    "window.Notification && Notification.permission === 'default' "
    "&& Notification.requestPermission()"
)


class NotificationState(AuthState):
    items: list[NotificationRow] = []
    # Ids already announced by a toast in this tab, so each reminder pops up once.
    _announced: set[str] = set()
    _primed: bool = False
    # time.time() of this tab's last change to the bell (read, snoozed): a live snapshot
    # whose read began before it would bring back what the user has just put away.
    _changed_at: float = 0.0

    @rx.var
    def unread_count(self) -> int:
        return sum(1 for n in self.items if n.unread)

    @rx.var
    def badge(self) -> str:
        count = self.unread_count
        return "" if count == 0 else ("99+" if count > 99 else str(count))

    def apply_feed(self, snapshot: Snapshot) -> list[Any]:
        """The live loop's snapshot (states/live.py), unless it was read before this tab's
        last change: then the next one, a second later, is shown instead."""
        if snapshot.began < self._changed_at:
            return []
        return self.apply(snapshot.unread)

    def apply(self, rows: list[Notification]) -> list[Any]:
        """Show these unread notifications; returns the toasts for the new ones. The first
        call only primes: reminders that fired while the tab was closed wait in the bell."""
        now = utcnow()
        self.items = [notification_row(n, self.time_zone, now) for n in rows]
        fresh = [n for n in rows if str(n.id) not in self._announced]
        self._announced |= {str(n.id) for n in rows}
        if not self._primed:
            self._primed = True
            return []
        events: list[Any] = []
        for n in reversed(fresh):  # oldest first
            events.append(self._toast(n))
            events.append(browser_notification(n.title))
        return events

    @staticmethod
    def _toast(n: Notification) -> Any:
        """The reminder, with the two snoozes people use most; the bell offers the rest."""
        task_id, note_id = str(n.task_id), str(n.id)
        return rx.toast.info(
            "Reminder",
            description=n.title,
            duration=15000,
            action=ToastAction(
                label="Snooze 10 min",
                on_click=NotificationState.snooze(task_id, note_id, "10m"),  # type: ignore[operator]
            ),
            cancel=ToastAction(
                label="1 h",
                on_click=NotificationState.snooze(task_id, note_id, "1h"),  # type: ignore[operator]
            ),
        )

    @rx.event
    async def snooze(self, task_id: str, notification_id: str, choice: str) -> Any:
        """Remind again later: the task's reminder moves (repository.snooze_task: version
        guard, events, the worker's Job) and this notification is read."""
        try:
            until = snooze_until(choice, utcnow(), self.time_zone)
        except ValueError as exc:
            return rx.toast.error(f"Could not snooze: {exc}.")
        return await self._snooze(task_id, notification_id, until)

    @rx.event
    async def snooze_picked(self, form: dict[str, Any]) -> Any:
        try:
            until = snooze_until("pick", utcnow(), self.time_zone, str(form.get("until", "")))
        except ValueError as exc:
            return rx.toast.error(f"Could not snooze: {exc}.")
        task_id, note_id = str(form.get("task_id", "")), str(form.get("notification_id", ""))
        return await self._snooze(task_id, note_id, until)

    async def _snooze(self, task_id: str, notification_id: str, until: Any) -> Any:
        try:
            async with session_scope() as db:
                await task_repo.snooze_task(db, self.user_uuid, UUID(task_id), until)
                await repo.mark_read(db, self.user_uuid, UUID(notification_id))
        except (NotFound, TaskDone):
            return rx.toast.warning("That task is done or gone: nothing to snooze.")
        except StaleVersion:
            return rx.toast.warning("That task changed elsewhere; try again.")
        except ValidationError as exc:
            return rx.toast.error("Could not snooze: " + "; ".join(field_errors(exc).values()))
        except (ValueError, *DB_ERRORS):
            logger.exception("snooze failed")
            return rx.toast.error("Could not snooze right now; try again.")
        relay.notify()
        await self._show_changed()
        label = due_label(until, self.time_zone, utcnow())
        return rx.toast.success(f"Snoozed until {label}", duration=4000)

    @rx.event
    async def load(self) -> None:
        """on_load: fill the bell at once; what is already unread is not toasted again."""
        if self.user_id:
            self._primed = False
            self.apply(await unread(self.user_uuid))

    @rx.event
    async def mark_read(self, notification_id: str) -> None:
        async with session_scope() as db:
            await repo.mark_read(db, self.user_uuid, UUID(notification_id))
        await self._show_changed()

    async def _show_changed(self) -> None:
        """After this tab changed the bell: what is unread now, and when it changed."""
        self._changed_at = time.time()
        self.apply(await unread(self.user_uuid))

    @rx.event
    async def mark_all_read(self) -> None:
        async with session_scope() as db:
            await repo.mark_read(db, self.user_uuid)
        self._changed_at = time.time()
        self.items = []
