"""Whatever is typed, the parser answers (a title, maybe slots) and never raises; what it
gives always passes the input rules or fails them by field, never by crashing."""

from datetime import UTC, datetime

import hypothesis.strategies as st
from hypothesis import given, settings
from pydantic import ValidationError

from todo_core.language import parse_command, parse_task
from todo_core.validation import task_create

WORDS = st.sampled_from(
    "every other last first 15th day week month year mon friday tomorrow today tonight next "
    "this in at on by until for times 2 31 0 999 9999-12-31 0001-01-01 2/30 31.02. noon 5pm "
    "25:00 p1 p9 #a # high priority remind me before hours minutes the of and \" ' quarterly "
    "daily weekly monthly yearly weekday weekend end eod feb 29 march 2 half an hour".split()
)
PHRASES = st.one_of(st.text(max_size=80), st.lists(WORDS, max_size=12).map(" ".join))
ZONES = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Pacific/Kiritimati"])
NOWS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))


@settings(max_examples=400, deadline=None)
@given(text=PHRASES, zone=ZONES, now=NOWS)
def test_any_text_parses_and_validates_or_names_a_field(
    text: str, zone: str, now: datetime
) -> None:
    moment = now.replace(tzinfo=UTC)
    parsed = parse_task(text, zone, moment)
    try:
        task_create(parsed.task_input(), zone)
    except ValidationError as exc:
        assert all(err["loc"] for err in exc.errors())
    parse_command(text, zone, moment)
