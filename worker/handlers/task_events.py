"""The `task-events` topic: the task's history, and its reminder kept in step.

Trust: the event names a task; the history's owner and the reminder to arm are read from
PostgreSQL (repositories.activity, repositories.tasks.task_by_id). An event the database
contradicts is dropped with a WARNING that says why, and arms nothing."""

from loguru import logger

from todo_core.db import SessionFactory, session_scope
from todo_core.events import TaskEvent
from todo_core.repositories.activity import append_activity
from todo_core.repositories.errors import Untrusted
from todo_core.repositories.tasks import snapshot_of, task_by_id
from worker.handlers.reminders import Reminders


class TaskEvents:
    def __init__(self, sessions: SessionFactory, reminders: Reminders) -> None:
        self._sessions = sessions
        self._reminders = reminders

    async def on_event(self, event: TaskEvent) -> str:
        try:
            async with session_scope(self._sessions) as session:
                appended = await append_activity(session, event)  # once per event_id
                task = await task_by_id(session, event.task.id)  # the same row, no query
                stored = snapshot_of(task) if task is not None else None
        except Untrusted as exc:
            logger.warning("task event {} {} dropped: {}", event.type, event.event_id, exc)
            return f"dropped: {exc}"
        reminder = await self._reminders.follow(event, stored)
        return f"{'recorded' if appended else 'duplicate'}, reminder {reminder}"
