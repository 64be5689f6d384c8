"""Event contracts: round trips, topics, and parse errors that send messages to the DLQ."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from todo_core import events as ev
from todo_core.models import Priority, Status

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def snapshot() -> ev.TaskSnapshot:
    return ev.TaskSnapshot(
        id=uuid4(),
        user_id=uuid4(),
        title="t",
        description="",
        priority=Priority.HIGH,
        tags=["a"],
        status=Status.OPEN,
        due_at=NOW,
        remind_at=None,
        reminder={"kind": "none"},
        recurrence="FREQ=DAILY",
        series_id=None,
        completed_at=None,
        created_at=NOW,
        updated_at=NOW,
        version=1,
    )


def all_events() -> list[ev.Event]:
    task = snapshot()
    reminder = {"user_id": task.user_id, "task_id": task.id, "task_version": 2}
    timed = {**reminder, "remind_at": NOW, "due_at": NOW, "title": "t"}
    return [
        ev.TaskCreated(user_id=task.user_id, task=task),
        ev.TaskUpdated(user_id=task.user_id, task=task),
        ev.TaskCompleted(user_id=task.user_id, task=task),
        ev.TaskDeleted(user_id=task.user_id, task=task),
        ev.ReminderScheduled(**timed),
        ev.ReminderCancelled(**reminder),
        ev.ReminderDue(**timed),
        ev.RecurringCompleted(user_id=task.user_id, task=task, time_zone="Europe/Berlin"),
    ]


@pytest.mark.parametrize("event", all_events(), ids=lambda e: e.type)
def test_round_trip_through_json(event: ev.Event) -> None:
    data = ev.to_json_dict(event)
    assert data["schema_version"] == 1 and data["type"] == event.type
    parsed = ev.parse_event(ev.topic_of(event), data)
    assert parsed == event and type(parsed) is type(event)


def test_topics_and_partition_keys() -> None:
    events = all_events()
    task_id = str(events[0].task.id)  # type: ignore[union-attr]  # the first is a task event
    assert {ev.topic_of(e) for e in events} == {"task-events", "reminders", "recurring-task"}
    assert {e.partition_key for e in events} == {task_id}
    assert ev.dead_letter_topic(ev.REMINDERS) == "reminders-dlq" == ev.REMINDERS_DLQ
    assert (ev.TASK_EVENTS_DLQ, ev.RECURRING_TASK_DLQ) == ("task-events-dlq", "recurring-task-dlq")


def test_unknown_fields_are_ignored_for_forward_compatibility() -> None:
    event = all_events()[5]
    data = {**ev.to_json_dict(event), "added_in_a_later_release": True}
    assert ev.parse_event(ev.REMINDERS, data) == event


@pytest.mark.parametrize(
    ("topic", "change", "message"),
    [
        ("reminders", {"type": "reminder.exploded"}, "unknown event type"),
        ("reminders", {"type": ["reminder.due"]}, "unknown event type"),  # not a str
        ("reminders", {"type": {}}, "unknown event type"),
        ("task-events", {}, "unknown event type"),  # a reminder event on the wrong topic
        ("reminders", {"schema_version": 2}, "schema_version 2"),
        ("reminders", {"schema_version": None}, "schema_version"),
        ("reminders", {"remind_at": "soon"}, "remind_at"),
        ("reminders", {"task_id": None}, "task_id"),
        ("reminders", {"occurred_at": "2026-05-01T12:00:00"}, "occurred_at"),  # naive time
    ],
)
def test_parse_errors_say_why(topic: str, change: dict, message: str) -> None:
    data = {**ev.to_json_dict(all_events()[4]), **change}
    with pytest.raises(ev.EventParseError, match=message):
        ev.parse_event(topic, data)


def test_data_that_is_not_an_object_is_refused() -> None:
    for data in (None, [], "text", 7):  # type: ignore[var-annotated]
        with pytest.raises(ev.EventParseError):
            ev.parse_event(ev.TASK_EVENTS, data)


def test_missing_snapshot_field_is_named() -> None:
    data = ev.to_json_dict(all_events()[0])
    del data["task"]["title"]
    with pytest.raises(ev.EventParseError, match="task.title"):
        ev.parse_event(ev.TASK_EVENTS, data)
