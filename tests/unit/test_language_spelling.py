"""Keyword typos: corrected before the rules run, shown on the words as typed; real words
one edit from a keyword mean themselves."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from todo_core.language import parse_task
from todo_core.language.spelling import correct, keyword_for

ZONE = "Europe/Berlin"
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=ZoneInfo(ZONE))  # a Wednesday


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("tomorow", "tomorrow"), ("firday", "friday"), ("wendesday", "wednesday"),
     ("jnue", "june"), ("weks", "weeks"), ("evry", "every"), ("urgnet", "urgent"),
     ("hihg", "high"), ("tonite", "tonight"), ("everyday", "every day")],
)  # fmt: skip
def test_a_slip_of_a_keyword_is_read_as_the_keyword(typed: str, meant: str) -> None:
    assert keyword_for(typed) == meant


@pytest.mark.parametrize(
    "word", ["match", "sundae", "ever", "very", "task", "hour", "remote", "mode", "moth", "dog"]
)
def test_real_words_and_short_words_stay(word: str) -> None:
    assert keyword_for(word) is None


def test_the_chip_points_at_the_words_as_typed() -> None:
    text = "call the bank tomorow at 5pm"
    parsed = parse_task(text, ZONE, NOW)
    assert parsed.title == "call the bank"
    due = next(chip for chip in parsed.chips if chip.kind == "due")
    assert due.words(text) == "tomorow at 5pm"


def test_quoted_words_and_real_words_are_never_corrected() -> None:
    assert correct('"tomorow" is a typo')[0] == '"tomorow" is a typo'
    parsed = parse_task("watch the match on sunday, best day ever", ZONE, NOW)
    assert parsed.title.split() == ["watch", "the", "match", ",", "best", "day", "ever"]
    assert parsed.recurrence is None  # "ever" is not "every"
    assert parsed.due is not None and parsed.due.month == 6  # "match" is not "march"


def test_the_source_map_has_one_entry_per_corrected_character() -> None:
    fixed, sources = correct("gym evry mondy")
    assert fixed == "gym every monday"
    assert len(sources) == len(fixed)
    assert all(0 <= i < len("gym evry mondy") for i in sources)
