"""The snooze buttons' times (todo_web/states/snooze_choices.py)."""

from datetime import UTC, datetime, timedelta

import pytest

from todo_web.states.snooze_choices import snooze_until

ZONE = "Europe/Berlin"
NOW = datetime(2026, 12, 5, 22, 30, tzinfo=UTC)  # 23:30 in Berlin


def test_relative_choices_count_from_now():
    assert snooze_until("10m", NOW, ZONE) == NOW + timedelta(minutes=10)
    assert snooze_until("1h", NOW, ZONE) == NOW + timedelta(hours=1)


def test_tomorrow_morning_is_nine_in_the_users_zone_not_utc():
    # 23:30 in Berlin: tomorrow is the 6th there, 09:00 Berlin = 08:00 UTC.
    assert snooze_until("morning", NOW, ZONE) == datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    late_utc = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)  # already the 6th in Berlin
    assert snooze_until("morning", late_utc, ZONE) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_a_picked_time_is_read_in_the_users_zone_and_must_be_ahead():
    assert snooze_until("pick", NOW, ZONE, "2026-12-06T07:15") == datetime(
        2026, 12, 6, 6, 15, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="still ahead"):
        snooze_until("pick", NOW, ZONE, "2026-12-05T20:00")
    with pytest.raises(ValueError, match="pick a date"):
        snooze_until("pick", NOW, ZONE, "")
