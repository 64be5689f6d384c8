"""The bell: unread reminders recorded by the worker, their count, and marking them read."""

import json
from typing import Any
from uuid import UUID

import reflex as rx
from reflex.event import EventSpec

from todo_core.db import session_scope
from todo_core.models import Notification, utcnow
from todo_core.repositories import notifications as repo
from todo_web.states.auth import AuthState
from todo_web.states.views import NotificationRow, notification_row

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

    @rx.var
    def unread_count(self) -> int:
        return sum(1 for n in self.items if n.unread)

    @rx.var
    def badge(self) -> str:
        count = self.unread_count
        return "" if count == 0 else ("99+" if count > 99 else str(count))

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
            events.append(rx.toast.info("Reminder", description=n.title, duration=10000))
            events.append(browser_notification(n.title))
        return events

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
        self.apply(await unread(self.user_uuid))

    @rx.event
    async def mark_all_read(self) -> None:
        async with session_scope() as db:
            await repo.mark_read(db, self.user_uuid)
        self.items = []
