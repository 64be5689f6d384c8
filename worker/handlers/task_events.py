"""The `task-events` topic: the task's history, and its reminder kept in step."""

from todo_core.db import SessionFactory, session_scope
from todo_core.events import TaskEvent
from todo_core.repositories.activity import append_activity
from worker.handlers.reminders import Reminders


class TaskEvents:
    def __init__(self, sessions: SessionFactory, reminders: Reminders) -> None:
        self._sessions = sessions
        self._reminders = reminders

    async def on_event(self, event: TaskEvent) -> str:
        async with session_scope(self._sessions) as session:
            appended = await append_activity(session, event)  # once per event_id
        reminder = await self._reminders.follow(event)
        return f"{'recorded' if appended else 'duplicate'}, reminder {reminder}"
