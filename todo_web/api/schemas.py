"""What the API returns. Times are UTC (ISO 8601); the client shows them in the user's zone."""

from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from todo_core.models import Notification, Task, TaskActivity, User
from todo_core.recurrence import summarize


class UserOut(BaseModel):
    id: UUID
    email: str
    display_name: str
    time_zone: str

    @classmethod
    def of(cls, user: User) -> "UserOut":
        return cls(
            id=user.id, email=user.email, display_name=user.display_name, time_zone=user.time_zone
        )


class TokenOut(BaseModel):
    token: str
    user: UserOut


class TaskOut(BaseModel):
    id: UUID
    title: str
    description: str
    priority: str
    tags: list[str]
    status: str
    due_at: datetime | None
    remind_at: datetime | None
    reminder: dict[str, Any]
    recurrence: str | None
    recurrence_summary: str | None
    series_id: UUID | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, task: Task, time_zone: str) -> "TaskOut":
        summary = None
        if task.recurrence and task.due_at:
            summary = summarize(task.recurrence, task.due_at.astimezone(ZoneInfo(time_zone)))
        return cls(
            id=task.id,
            title=task.title,
            description=task.description,
            priority=str(task.priority.value),
            tags=list(task.tags),
            status=str(task.status.value),
            due_at=task.due_at,
            remind_at=task.remind_at,
            reminder=task.reminder,
            recurrence=task.recurrence,
            recurrence_summary=summary,
            series_id=task.series_id,
            completed_at=task.completed_at,
            created_at=task.created_at,
            updated_at=task.updated_at,
            version=task.version,
        )


class TaskPageOut(BaseModel):
    items: list[TaskOut]
    next_cursor: str | None


class NotificationOut(BaseModel):
    id: UUID
    task_id: UUID
    title: str
    remind_at: datetime
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, n: Notification) -> "NotificationOut":
        return cls(
            id=n.id,
            task_id=n.task_id,
            title=n.title,
            remind_at=n.remind_at,
            created_at=n.created_at,
            read_at=n.read_at,
        )


class ActivityOut(BaseModel):
    event_type: str
    occurred_at: datetime

    @classmethod
    def of(cls, a: TaskActivity) -> "ActivityOut":
        return cls(event_type=a.event_type, occurred_at=a.occurred_at)


class FieldChange(BaseModel):
    field: str  # status, title, priority, tags, due, reminder, recurrence
    before: str  # as shown to the user ("none" when empty)
    after: str


class ChatAction(BaseModel):
    kind: str  # created, completed, reopened, deleted, updated, restored
    task_id: UUID
    title: str
    changes: list[FieldChange] = []  # what an update, completion or reopening changed


class ChatTurnOut(BaseModel):
    role: str  # user or assistant
    text: str
    at: datetime
    actions: list[ChatAction] = []
    parsed: dict[str, Any] | None = None  # what the parser read from an add
    options: list[str] = []  # answers the assistant offers (a confirmation, a choice)

    @classmethod
    def of(cls, turn: dict[str, Any]) -> "ChatTurnOut":
        return cls.model_validate({k: v for k, v in turn.items() if k in cls.model_fields})


class ChatOut(BaseModel):
    conversation_id: UUID
    reply: str
    actions: list[ChatAction]
    parsed: dict[str, Any] | None
    options: list[str]
    pending: bool  # a question waits for an answer


class ConversationSummaryOut(BaseModel):
    id: UUID
    title: str
    created: datetime
    updated: datetime
    turns: int


class ConversationOut(BaseModel):
    id: UUID
    title: str
    created: datetime
    updated: datetime
    turns: list[ChatTurnOut]
    pending: bool
