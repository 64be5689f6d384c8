"""Quick add in Today: a task typed without a date is due today, read as the parser reads
"today"; in any other view it keeps no date (todo_web/states/quick_add.py)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from todo_web.states.navigation import ALL, TODAY, UPCOMING
from todo_web.states.quick_add import parse_quick, quick_chips, unchip

ZONE = "Europe/Berlin"


def _today() -> datetime:
    return datetime.now(ZoneInfo(ZONE))


def test_in_today_a_task_without_a_date_is_due_today() -> None:
    parsed = parse_quick("buy milk #home", ZONE, TODAY)
    assert parsed.title == "buy milk" and parsed.tags == ["home"]
    assert parsed.due is not None and parsed.due.date() == _today().date()


def test_elsewhere_a_task_without_a_date_keeps_none() -> None:
    for view in (ALL, UPCOMING, "tag:home", ""):
        assert parse_quick("buy milk", ZONE, view).due is None


def test_a_date_typed_in_today_wins() -> None:
    parsed = parse_quick("call mom tomorrow at 5pm", ZONE, TODAY)
    assert parsed.due is not None and parsed.due.hour == 17
    assert (parsed.due.date() - _today().date()).days == 1
    assert parse_quick("water plants every 3 days", ZONE, TODAY).recurrence == (
        "FREQ=DAILY;INTERVAL=3"
    )


def test_a_reminder_asked_in_today_is_set_for_today() -> None:
    parsed = parse_quick("remind me to call the bank", ZONE, TODAY)
    assert parsed.title == "call the bank" and parsed.due is not None
    assert parsed.reminder is not None


def test_todays_own_chip_has_no_words_and_comes_last() -> None:
    text = "pay rent #home p1"
    chips = quick_chips(text, ZONE, TODAY)
    assert [c.kind for c in chips] == ["tag", "priority", "due"]
    assert chips[-1].words == ""  # nothing in the box to quote: the UI offers no ×
    # The typed chips keep their indexes, so × on one quotes that one's words.
    assert unchip(text, ZONE, 1) == 'pay rent #home "p1"'
    assert [c.kind for c in quick_chips(text, ZONE, ALL)] == ["tag", "priority"]


def test_an_empty_box_has_no_chips_in_today() -> None:
    assert quick_chips("   ", ZONE, TODAY) == []
    assert parse_quick("", ZONE, TODAY).due is None


def test_words_that_would_swallow_today_stay_in_the_title() -> None:
    """ "report due" + "today" reads as a date phrase: the title stays as typed, due today."""
    for text in ("report due", "every", "meet at"):
        parsed = parse_quick(text, ZONE, TODAY)
        assert parsed.title == text
        assert parsed.due is not None and parsed.due.date() == _today().date()
        assert [c.kind for c in parsed.chips] == ["due"] and parsed.chips[0].spans == ()
