"""A stored RRULE opens in the recurrence builder when the builder can say it exactly."""

import pytest
from pydantic import TypeAdapter

from todo_core.recurrence import build_rrule
from todo_core.validation import RecurrenceChoice
from todo_web.rule_fields import choice_of, fields_of

CHOICE: TypeAdapter[RecurrenceChoice] = TypeAdapter(RecurrenceChoice)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("FREQ=DAILY", {"rec_kind": "daily", "rec_interval": "1", "rec_end": "never"}),
        (
            "FREQ=DAILY;INTERVAL=3;COUNT=5",
            {"rec_interval": "3", "rec_end": "count", "rec_count": "5"},
        ),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", {"rec_kind": "weekdays"}),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE", {"rec_kind": "weekly", "rec_days": ["MO", "WE"]}),
        ("FREQ=WEEKLY", {"rec_kind": "weekly", "rec_days": []}),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", {"rec_kind": "monthly_day", "rec_month_day": "-1"}),
        ("FREQ=MONTHLY", {"rec_kind": "monthly_day", "rec_month_day": "due"}),
        ("FREQ=MONTHLY;BYDAY=-1FR", {"rec_kind": "monthly_weekday", "rec_week": "-1"}),
        ("FREQ=MONTHLY;BYDAY=2TU", {"rec_week": "2", "rec_weekday": "TU"}),
        ("FREQ=YEARLY;UNTIL=20301231T235959", {"rec_end": "until", "rec_until": "2030-12-31"}),
        ("rrule:freq=weekly;byday=sa", {"rec_kind": "weekly", "rec_days": ["SA"]}),
    ],
)
def test_rules_the_builder_can_say_open_in_it(rule: str, expected: dict[str, object]) -> None:
    fields = fields_of(rule)
    assert fields is not None
    assert {key: fields[key] for key in expected} == expected


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MONTHLY;BYMONTHDAY=15",  # the builder has only the due date's day or the last
        "FREQ=MONTHLY;BYDAY=5MO",  # no "fifth" in the builder
        "FREQ=MONTHLY;BYDAY=MO,FR",
        "FREQ=WEEKLY;BYDAY=FR,MO",  # the builder would write the days in week order
        "FREQ=YEARLY;BYMONTH=3",
        "FREQ=DAILY;UNTIL=20301231",  # date-only: the builder writes T235959
        "FREQ=DAILY;UNTIL=20301231T120000Z",
        "FREQ=DAILY;INTERVAL=100",
        "FREQ=DAILY;COUNT=5000",
        "FREQ=WEEKLY;WKST=SU",
        "not a rule",
    ],
)
def test_other_rules_stay_text(rule: str) -> None:
    assert fields_of(rule) is None


@pytest.mark.parametrize(
    "rule",
    ["FREQ=DAILY;INTERVAL=2;UNTIL=20300101T235959", "FREQ=MONTHLY;BYDAY=3SU;COUNT=4"],
)
def test_opening_and_saving_unchanged_gives_the_same_rule(rule: str) -> None:
    fields = fields_of(rule)
    assert fields is not None
    assert build_rrule(CHOICE.validate_python(choice_of(fields))) == rule
