"""Recurrence: summaries, and next occurrences in the user's wall-clock time."""

from datetime import UTC, datetime

import pytest

from todo_core.recurrence import (
    RecurrenceError,
    advance,
    next_occurrence,
    normalize_rule,
    summarize,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[arg-type, misc]  # args: y, m, d[, …]


# ---- summaries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "start", "text"),
    [
        ("FREQ=DAILY", datetime(2026, 1, 5, 9), "every day at 09:00"),
        ("FREQ=DAILY;INTERVAL=3", datetime(2026, 1, 5, 9), "every 3 days at 09:00"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", datetime(2026, 1, 5, 9), "every weekday at 09:00"),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE",
            datetime(2026, 1, 5, 9),
            "every 2 weeks on Monday and Wednesday at 09:00",
        ),
        ("FREQ=WEEKLY", datetime(2026, 1, 7, 18, 30), "every week on Wednesday at 18:30"),
        (
            "FREQ=WEEKLY;BYDAY=FR,MO,WE",
            datetime(2026, 1, 5, 9),
            "every week on Monday, Wednesday and Friday at 09:00",
        ),
        (
            "FREQ=MONTHLY;BYDAY=-1FR",
            datetime(2026, 1, 30, 17),
            "monthly on the last Friday at 17:00",
        ),
        (
            "FREQ=MONTHLY;BYDAY=2TU",
            datetime(2026, 1, 13, 8),
            "monthly on the second Tuesday at 08:00",
        ),
        ("FREQ=MONTHLY", datetime(2026, 1, 15, 8), "monthly on day 15 at 08:00"),
        (
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=-1",
            datetime(2026, 1, 31, 8),
            "every 3 months on the last day at 08:00",
        ),
        ("FREQ=YEARLY", datetime(2026, 3, 14, 7), "every year on 14 Mar at 07:00"),
        ("FREQ=DAILY;COUNT=5", datetime(2026, 1, 5, 9), "every day at 09:00, 5 times"),
        ("FREQ=DAILY;COUNT=1", datetime(2026, 1, 5, 9), "every day at 09:00, once"),
        (
            "FREQ=DAILY;UNTIL=20261231T235959",
            datetime(2026, 1, 5, 9),
            "every day at 09:00 until 31 Dec 2026",
        ),
        (
            "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1",
            datetime(2026, 1, 5, 9),
            "custom schedule (FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1) at 09:00",
        ),
    ],
)
def test_summaries(rule: str, start: datetime, text: str) -> None:
    assert summarize(rule, start) == text


def test_malformed_rules_are_refused() -> None:
    for bad in ["", "FREQ=", "BYDAY=MO", "FREQ=DAILY;FREQ=DAILY", "FREQ=MINUTELY", "nonsense"]:
        with pytest.raises(RecurrenceError):
            normalize_rule(bad)


# ---- next occurrence across DST (wall-clock stays put) -------------------------------------


def test_daily_0900_berlin_across_spring_forward() -> None:
    # Sat 28 Mar 2026 09:00 CET = 08:00 UTC; Sun 29 Mar 09:00 CEST = 07:00 UTC.
    assert next_occurrence("FREQ=DAILY", utc(2026, 3, 28, 8), BERLIN, utc(2026, 3, 28, 8)) == utc(
        2026, 3, 29, 7
    )


def test_daily_0900_berlin_across_fall_back() -> None:
    # Sat 24 Oct 09:00 CEST = 07:00 UTC; Sun 25 Oct 09:00 CET = 08:00 UTC.
    assert next_occurrence("FREQ=DAILY", utc(2026, 10, 24, 7), BERLIN, utc(2026, 10, 24, 7)) == (
        utc(2026, 10, 25, 8)
    )


def test_weekly_new_york_across_spring_forward() -> None:
    # Mon 2 Mar 2026 09:00 EST = 14:00 UTC; DST starts 8 Mar; Mon 9 Mar 09:00 EDT = 13:00 UTC.
    rule = "FREQ=WEEKLY;BYDAY=MO"
    assert next_occurrence(rule, utc(2026, 3, 2, 14), NEW_YORK, utc(2026, 3, 2, 15)) == utc(
        2026, 3, 9, 13
    )


def test_time_in_the_dst_gap_moves_forward_by_the_gap() -> None:
    # 02:30 does not exist on 29 Mar 2026 in Berlin: it becomes 03:30 CEST (01:30 UTC).
    previous = utc(2026, 3, 28, 1, 30)  # Sat 02:30 CET
    assert next_occurrence("FREQ=DAILY", previous, BERLIN, previous) == utc(2026, 3, 29, 1, 30)


def test_repeated_time_takes_the_first_instance() -> None:
    previous = utc(2026, 10, 24, 0, 30)  # Sat 02:30 CEST
    assert next_occurrence("FREQ=DAILY", previous, BERLIN, previous) == utc(2026, 10, 25, 0, 30)


# ---- monthly patterns ------------------------------------------------------------------------


def test_monthly_last_friday() -> None:
    # Fri 27 Mar 2026 17:00 CET (16:00 UTC) → last Friday of April: 24 Apr 17:00 CEST.
    rule = "FREQ=MONTHLY;BYDAY=-1FR"
    assert next_occurrence(rule, utc(2026, 3, 27, 16), BERLIN, utc(2026, 3, 27, 16)) == utc(
        2026, 4, 24, 15
    )


def test_monthly_on_the_31st_skips_short_months() -> None:
    rule = "FREQ=MONTHLY;BYMONTHDAY=31"
    assert next_occurrence(rule, utc(2026, 1, 31, 8), BERLIN, utc(2026, 1, 31, 8)) == utc(
        2026, 3, 31, 7
    )


def test_every_two_weeks_keeps_its_rhythm_when_reanchored() -> None:
    rule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE"
    monday = utc(2026, 1, 5, 8)  # Mon 09:00 CET
    wednesday = next_occurrence(rule, monday, BERLIN, monday)
    assert wednesday == utc(2026, 1, 7, 8)
    assert next_occurrence(rule, wednesday, BERLIN, wednesday) == utc(2026, 1, 19, 8)


# ---- late completion, COUNT, UNTIL ------------------------------------------------------------


def test_late_completion_skips_past_occurrences_without_drift() -> None:
    previous = utc(2026, 1, 5, 8)  # Mon 09:00 CET
    now = utc(2026, 1, 8, 12)  # completed Thursday afternoon
    assert next_occurrence("FREQ=DAILY", previous, BERLIN, now) == utc(2026, 1, 9, 8)


def test_early_completion_gives_the_next_occurrence_after_the_due_date() -> None:
    previous = utc(2026, 1, 5, 8)
    now = utc(2026, 1, 1, 12)  # done days before it was due
    assert next_occurrence("FREQ=DAILY", previous, BERLIN, now) == utc(2026, 1, 6, 8)


def test_count_is_decremented_and_ends_the_series() -> None:
    start = utc(2026, 1, 5, 8)
    second = advance("FREQ=DAILY;COUNT=3", start, BERLIN, start)
    assert second is not None and second.rrule == "FREQ=DAILY;COUNT=2"
    third = advance(second.rrule, second.due_at, BERLIN, second.due_at)
    assert third is not None and third.rrule == "FREQ=DAILY;COUNT=1"
    assert third.due_at == utc(2026, 1, 7, 8)
    assert advance(third.rrule, third.due_at, BERLIN, third.due_at) is None


def test_skipped_occurrences_use_up_the_count() -> None:
    start = utc(2026, 1, 5, 8)
    late = advance("FREQ=DAILY;COUNT=5", start, BERLIN, utc(2026, 1, 7, 12))
    assert late is not None and late.due_at == utc(2026, 1, 8, 8)
    assert late.rrule == "FREQ=DAILY;COUNT=2"  # the 8th and the 9th remain
    assert advance("FREQ=DAILY;COUNT=3", start, BERLIN, utc(2026, 1, 9, 12)) is None


def test_until_is_inclusive_of_its_day_and_ends_the_series() -> None:
    rule = "FREQ=DAILY;UNTIL=20260107T235959"
    assert next_occurrence(rule, utc(2026, 1, 6, 8), BERLIN, utc(2026, 1, 6, 8)) == utc(
        2026, 1, 7, 8
    )
    assert next_occurrence(rule, utc(2026, 1, 7, 8), BERLIN, utc(2026, 1, 7, 8)) is None


def test_raw_utc_and_date_only_until_are_understood() -> None:
    assert next_occurrence("FREQ=DAILY;UNTIL=20260107T080000Z", utc(2026, 1, 6, 8), BERLIN,
                           utc(2026, 1, 6, 8)) == utc(2026, 1, 7, 8)  # fmt: skip
    assert next_occurrence("FREQ=DAILY;UNTIL=20260107", utc(2026, 1, 6, 8), BERLIN,
                           utc(2026, 1, 6, 8)) == utc(2026, 1, 7, 8)  # fmt: skip
    assert next_occurrence("FREQ=DAILY;UNTIL=20260107T075959Z", utc(2026, 1, 6, 8), BERLIN,
                           utc(2026, 1, 6, 8)) is None  # fmt: skip


def test_a_due_date_off_the_rule_moves_to_the_next_matching_day() -> None:
    # Due on a Wednesday, rule says Mondays: the next task is the following Monday.
    rule = "FREQ=WEEKLY;BYDAY=MO;COUNT=2"
    found = advance(rule, utc(2026, 1, 7, 8), BERLIN, utc(2026, 1, 7, 8))
    assert found is not None and found.due_at == utc(2026, 1, 12, 8)
    assert found.rrule.endswith("COUNT=1")
