"""Event contracts: the JSON `data` of every message on our topics, defined once.

Versioning: every event carries schema_version. Adding an optional field keeps version 1
(unknown fields are ignored on parse, so old readers survive new writers); renaming,
removing or changing the meaning of a field means a new version and a parser for it.
"""

from typing import Annotated, Any, Final, Literal
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from todo_core.models import Priority, Status, utcnow

SCHEMA_VERSION: Final = 1

TASK_EVENTS = "task-events"
REMINDERS = "reminders"
RECURRING_TASK = "recurring-task"
TOPICS = (TASK_EVENTS, REMINDERS, RECURRING_TASK)


def dead_letter_topic(topic: str) -> str:
    return f"{topic}-dlq"


TASK_EVENTS_DLQ = dead_letter_topic(TASK_EVENTS)
REMINDERS_DLQ = dead_letter_topic(REMINDERS)
RECURRING_TASK_DLQ = dead_letter_topic(RECURRING_TASK)


class EventParseError(ValueError):
    """The message can never be handled (unknown type, wrong version, malformed): DLQ it."""


class TaskSnapshot(BaseModel):
    """The task as it was when the event happened."""

    model_config = ConfigDict(extra="ignore")

    id: UUID
    user_id: UUID
    title: str
    description: str
    priority: Priority
    tags: list[str]
    status: Status
    due_at: AwareDatetime | None
    remind_at: AwareDatetime | None
    reminder: dict[str, Any]
    recurrence: str | None
    series_id: UUID | None
    completed_at: AwareDatetime | None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    version: int


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: UUID = Field(default_factory=uuid4)
    schema_version: Literal[1] = SCHEMA_VERSION
    occurred_at: AwareDatetime = Field(default_factory=utcnow)
    user_id: UUID


class _TaskEvent(_Event):
    task: TaskSnapshot

    @property
    def task_id(self) -> UUID:
        return self.task.id

    @property
    def partition_key(self) -> str:
        """Kafka key: all events of one task land on one partition, in order."""
        return str(self.task.id)


class TaskCreated(_TaskEvent):
    type: Literal["task.created"] = "task.created"


class TaskUpdated(_TaskEvent):
    type: Literal["task.updated"] = "task.updated"


class TaskCompleted(_TaskEvent):
    type: Literal["task.completed"] = "task.completed"


class TaskDeleted(_TaskEvent):
    type: Literal["task.deleted"] = "task.deleted"


class _ReminderEvent(_Event):
    task_id: UUID
    task_version: int

    @property
    def partition_key(self) -> str:
        """Kafka key: all events of one task land on one partition, in order."""
        return str(self.task_id)


class ReminderScheduled(_ReminderEvent):
    type: Literal["reminder.scheduled"] = "reminder.scheduled"
    remind_at: AwareDatetime
    due_at: AwareDatetime | None
    title: str


class ReminderCancelled(_ReminderEvent):
    type: Literal["reminder.cancelled"] = "reminder.cancelled"


class ReminderDue(_ReminderEvent):
    type: Literal["reminder.due"] = "reminder.due"
    remind_at: AwareDatetime
    due_at: AwareDatetime | None
    title: str


class RecurringCompleted(_TaskEvent):
    """A recurring task was completed; the snapshot carries rrule, due_at and series_id."""

    type: Literal["recurring.completed"] = "recurring.completed"
    time_zone: str  # the user's zone at completion: recurrence is wall-clock in it


TaskEvent = TaskCreated | TaskUpdated | TaskCompleted | TaskDeleted
ReminderEvent = ReminderScheduled | ReminderCancelled | ReminderDue
Event = TaskEvent | ReminderEvent | RecurringCompleted

TOPIC_OF_TYPE: dict[str, str] = {
    "task.created": TASK_EVENTS,
    "task.updated": TASK_EVENTS,
    "task.completed": TASK_EVENTS,
    "task.deleted": TASK_EVENTS,
    "reminder.scheduled": REMINDERS,
    "reminder.cancelled": REMINDERS,
    "reminder.due": REMINDERS,
    "recurring.completed": RECURRING_TASK,
}

_ADAPTER: TypeAdapter[Event] = TypeAdapter(Annotated[Event, Field(discriminator="type")])


def topic_of(event: Event) -> str:
    return TOPIC_OF_TYPE[event.type]


def to_json_dict(event: Event) -> dict[str, Any]:
    """The event as JSON-ready data (what goes into the outbox and onto the wire)."""
    return event.model_dump(mode="json")


def parse_event(topic: str, data: object) -> Event:
    """Validate a message's data for `topic`; EventParseError says why it can't be used."""
    if not isinstance(data, dict):
        raise EventParseError(f"event data must be a JSON object, got {type(data).__name__}")
    kind = data.get("type")
    # Any JSON value may stand here; one that is not a str is no type of ours (and a list or
    # an object cannot even be looked up).
    if not isinstance(kind, str) or TOPIC_OF_TYPE.get(kind) != topic:
        raise EventParseError(f"unknown event type {kind!r} on topic {topic!r}")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise EventParseError(
            f"{kind} schema_version {data.get('schema_version')!r} is not supported "
            f"(expected {SCHEMA_VERSION})"
        )
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"][1:])) or "?" for e in exc.errors())
        raise EventParseError(f"malformed {kind}: bad or missing {fields}") from exc
