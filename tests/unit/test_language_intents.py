"""Chat messages → intents and slots; quick-add chips → the words they came from."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from todo_core.language import parse_command, parse_task
from todo_core.models import Priority, Status

ZONE = "Europe/Berlin"
NOW = datetime(2026, 3, 27, 14, 30, tzinfo=ZoneInfo(ZONE))  # a Friday


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("remind me to call mom tomorrow at 5pm", "add"),
        ("add buy milk #shop", "add"),
        ("call mom tomorrow at 5", "add"),
        ("what's due today?", "list"),
        ("show overdue tasks", "list"),
        ("complete the second one", "complete"),
        ("mark buy milk as done", "complete"),
        ("reopen buy milk", "reopen"),
        ("delete the dentist", "delete"),
        ("move dentist to friday 3pm", "move"),
        ("postpone it", "move"),
        ("rename buy milk to buy oat milk", "rename"),
        ("make report high priority", "set_priority"),
        ("tag report with #work", "add_tags"),
        ("untag report #work", "remove_tags"),
        ("remind me about report 30 minutes before", "set_reminder"),
        ("make standup repeat every weekday", "set_recurrence"),
        ("stop repeating standup", "set_recurrence"),
        ("undo", "undo"),
        ("help", "help"),
        ("yes", "confirm"),
        ("no thanks", "deny"),
        ("the third one", "select"),
        ("2", "select"),
        ("blah", "unknown"),
        ("what is the meaning of life", "unknown"),
        ("what do I have tomorrow?", "list"),
        ("anything overdue?", "list"),
        ("hourly chime", "unknown"),
    ],
)
def test_intent(message: str, intent: str) -> None:
    assert parse_command(message, ZONE, NOW).intent == intent


def test_targets() -> None:
    assert parse_command("complete the second one", ZONE, NOW).target.position == 2
    assert parse_command("delete the last one", ZONE, NOW).target.position == -1
    assert parse_command("postpone it", ZONE, NOW).target.it
    named = parse_command("mark Buy Milk as done", ZONE, NOW).target
    assert named.text == "Buy Milk"
    group = parse_command("delete all done tasks", ZONE, NOW).target.group
    assert group is not None and group.status == Status.DONE
    overdue = parse_command("complete all overdue tasks", ZONE, NOW).target.group
    assert overdue is not None and overdue.due == "overdue"


def test_slots() -> None:
    moved = parse_command("move dentist to friday 3pm", ZONE, NOW)
    assert moved.due == datetime(2026, 4, 3, 15, tzinfo=ZoneInfo(ZONE))
    assert parse_command("postpone report by 2 days", ZONE, NOW).shift.days == 2
    assert parse_command("rename milk to Oat Milk", ZONE, NOW).title == "Oat Milk"
    assert parse_command("set priority of report to low", ZONE, NOW).priority == Priority.LOW
    assert parse_command("tag report with #a and b", ZONE, NOW).tags == ["a", "b"]
    reminder = parse_command("remind me about report 2 hours before", ZONE, NOW).reminder
    assert reminder == {"kind": "before", "minutes": 120}
    rule = parse_command("make standup repeat every other monday", ZONE, NOW).recurrence
    assert rule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"
    listing = parse_command("show high priority tasks tagged #work due this week", ZONE, NOW)
    assert (listing.filter.priority, listing.filter.tag, listing.filter.due) == (
        Priority.HIGH, "work", "week",
    )  # fmt: skip
    added = parse_command("Add Call Mom tomorrow p1", ZONE, NOW).task
    assert (added.title, added.priority) == ("Call Mom", Priority.HIGH)


def test_chips_name_their_words_and_quoting_removes_them() -> None:
    text = "pay rent every 1st at 10 #home p1"
    parsed = parse_task(text, ZONE, NOW)
    words = {chip.kind: chip.words(text) for chip in parsed.chips}
    assert words == {"repeat": "every 1st", "due": "at 10", "tag": "#home", "priority": "p1"}
    # Removing the repeat chip = quoting its words: they stay in the title, nothing repeats.
    again = parse_task('pay rent "every 1st" at 10 #home p1', ZONE, NOW)
    assert again.title == "pay rent every 1st" and again.recurrence is None


def test_reminder_without_a_date_is_a_note_not_a_field() -> None:
    parsed = parse_task("remind me to call mom", ZONE, NOW)
    assert parsed.reminder is None and parsed.notes


def test_the_models_snooze_tool_reads_as_a_snooze() -> None:
    from todo_web.assistant.tools import BY_NAME

    tool = BY_NAME["snooze_reminder"]
    command = parse_command(tool.command('{"task": "it", "when": "for 30 minutes"}'), ZONE, NOW)
    assert command.intent == "snooze" and command.target.it
    assert command.due is not None and (command.due - NOW).total_seconds() == 30 * 60
    named = parse_command(tool.command('{"task": "the dentist", "when": "until 5pm"}'), ZONE, NOW)
    assert named.intent == "snooze" and named.target.text == "dentist"
    assert named.due is not None and named.due.hour == 17


@pytest.mark.parametrize(
    ("message", "intent"),
    [("all done", "unknown"), ("cancel that", "deny"), ("forget it", "deny"),
     ("forget about the car service", "delete"), ("move it", "move"),
     ("what have I finished?", "list"), ("I need to call the bank", "add")],
)  # fmt: skip
def test_phrases_that_look_like_a_change_but_are_not_one(message: str, intent: str) -> None:
    command = parse_command(message, ZONE, NOW)
    assert command.intent == intent
    if message == "move it":  # no date: it asks when instead of moving by a day
        assert command.notes and command.due is None and command.shift is None
