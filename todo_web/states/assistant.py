"""The assistant panel: its turns, the message box, and answers given by button. The
conversation itself lives in the Dapr state store (todo_web.assistant), not in this state:
a reload or a server restart shows it again from there."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import reflex as rx
from loguru import logger
from pydantic import ValidationError

from todo_core.db import session_scope
from todo_core.models import User
from todo_core.repositories.errors import QuotaReached
from todo_core.repositories.users import get_user
from todo_core.validation import ChatMessage, field_errors
from todo_web.assistant import service
from todo_web.assistant.conversations import Conversation
from todo_web.dapr_state import SidecarUnavailable, StateConflict
from todo_web.states.auth import AuthState
from todo_web.states.tasks import TasksState
from todo_web.states.views import DB_ERRORS

INPUT_ID = "assistant-input"
GREETING = (
    "Tell me what to do, e.g. “remind me to call mom tomorrow at 5pm” or “what's due "
    "today?”. Say “help” for more."
)


@dataclass
class ActionView:
    kind: str = ""
    task_id: str = ""
    title: str = ""
    linked: bool = True  # a deleted task has nothing to open
    changes: list[str] = field(default_factory=list)  # "priority: medium → high"


@dataclass
class TurnView:
    role: str = "assistant"
    text: str = ""
    options: list[str] = field(default_factory=list)
    actions: list[ActionView] = field(default_factory=list)
    understood: list[str] = field(default_factory=list)  # what the parser read from an add
    undoable: bool = False  # the newest change, which "undo" takes back


def turn_views(conversation: Conversation) -> list[TurnView]:
    last = len(conversation.turns) - 1
    return [
        TurnView(
            role=turn["role"],
            text=turn["text"],
            # Only the newest question can still be answered by a button.
            options=list(turn.get("options") or []) if i == last and conversation.pending else [],
            actions=[
                ActionView(
                    a["kind"],
                    a["task_id"],
                    a["title"],
                    a["kind"] != "deleted",
                    [f"{c['field']}: {c['before']} → {c['after']}" for c in a.get("changes", [])],
                )
                for a in turn.get("actions") or []
            ],
            understood=[c["label"] for c in (turn.get("parsed") or {}).get("chips", [])],
            undoable=i == last and bool(conversation.undo) and bool(turn.get("actions")),
        )
        for i, turn in enumerate(conversation.turns)
    ]


class AssistantState(AuthState):
    open: bool = False
    conversation_id: str = ""
    turns: list[TurnView] = []
    error: str = ""
    sending: bool = False

    @rx.event
    async def toggle(self) -> Any:
        self.open = not self.open
        if self.open and not self.conversation_id:
            await self._resume()
        return rx.set_focus(INPUT_ID) if self.open else None

    @rx.event
    def start_over(self) -> Any:
        self.conversation_id, self.turns, self.error = "", [], ""
        return rx.set_focus(INPUT_ID)

    async def _resume(self) -> None:
        """Show the newest conversation again (after a reload or a restart)."""
        try:
            found = await service.list_for(self.user_uuid)
        except SidecarUnavailable:
            return
        if found:
            self.conversation_id, self.turns = found[0].id, turn_views(found[0])

    @rx.event
    async def send(self, form: dict[str, Any]) -> AsyncIterator[Any]:
        async for update in self._send(str(form.get("message", "")), clear=True):
            yield update

    @rx.event
    async def answer(self, option: str) -> AsyncIterator[Any]:
        async for update in self._send(option, clear=False):
            yield update

    async def _current_user(self) -> User:
        async with session_scope() as db:
            user = await get_user(db, self.user_uuid)
        if user is None:
            raise service.UnknownConversation("the account is gone")
        return user

    async def _send(self, text: str, clear: bool) -> AsyncIterator[Any]:
        try:
            message = ChatMessage.model_validate({"message": text})
        except ValidationError as exc:
            problem = field_errors(exc).get("message", "not a message")
            self.error = f"Message: {problem}"
            return  # the box keeps what was typed
        self.sending = True
        yield
        try:
            conversation = UUID(self.conversation_id) if self.conversation_id else None
            exchange = await service.send(
                self.user_uuid, self._current_user, message.message, conversation
            )
        except QuotaReached as exc:
            self.error = f"{str(exc).capitalize()}."
            return
        except service.UnknownConversation:
            self.conversation_id, self.turns = "", []
            self.error = "That conversation has expired; send the message again to start anew."
            return
        except (SidecarUnavailable, StateConflict, *DB_ERRORS):
            logger.exception("assistant message failed")
            self.error = "The assistant is unavailable right now; your message is kept, try again."
            return
        finally:
            self.sending = False
        self.error = ""
        self.conversation_id = exchange.conversation.id
        self.turns = turn_views(exchange.conversation)
        tasks = await self.get_state(TasksState)
        await tasks.reload(keep_shown=True)
        if clear:
            yield rx.set_value(INPUT_ID, "")
        yield rx.scroll_to("assistant-end")


SHORTCUT_SCRIPT = """
if (!window.__assistantShortcut) {
  window.__assistantShortcut = true;
  document.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === '/') {
      const toggle = document.querySelector('[data-testid="assistant-toggle"]');
      if (toggle) { e.preventDefault(); toggle.click(); }
    }
  });
}
"""
