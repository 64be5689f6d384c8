"""The `task-events` topic: the task's history, and its reminder kept in step.

Trust: the reminder to arm is the one the task row holds (repositories.tasks.task_by_id),
not the event's."""

from todo_core.db import SessionFactory, session_scope
from todo_core.events import TaskEvent
from todo_core.repositories.activity import append_activity
from todo_core.repositories.tasks import snapshot_of, task_by_id
from worker.handlers.reminders import Reminders


class TaskEvents:
    def __init__(self, sessions: SessionFactory, reminders: Reminders) -> None:
        self._sessions = sessions
        self._reminders = reminders

    async def on_event(self, event: TaskEvent) -> str:
        async with session_scope(self._sessions) as session:
            appended = await append_activity(session, event)  # once per event_id
            task = await task_by_id(session, event.task.id)
            stored = snapshot_of(task) if task is not None else None
        reminder = await self._reminders.follow(event, stored)
        return f"{'recorded' if appended else 'duplicate'}, reminder {reminder}"
