"""Snoozing a reminder in words: "snooze that for 30 minutes", "remind me again in an hour",
"postpone the dentist reminder to tomorrow morning". A row per way of saying it; each gives
the words naming the task (None = the one last talked about) and the words saying when.

The new reminder time counts from now (the reminder just went off), not from the due time.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from todo_core.language.words import NUMBER, number

DEFAULT = timedelta(minutes=10)  # "snooze": what a phone's snooze button does
LATER = timedelta(hours=1)  # "remind me later"
_WHEN = (
    r"(?:\s+(?:for|by|until|till|til|to|in|at)\s+(?P<when>.+)"
    r"|\s+(?P<dur>(?:an?|\d{1,3})\s*(?:m|mins?|minutes?|h|hrs?|hours?)))?"
)
RULES = [
    # "postpone the dentist reminder to tomorrow morning": the word "reminder" says it.
    re.compile(
        r"^(?:snooze|postpone|delay|push(?:\s+back)?|move|defer)\s+(?P<t>.+?)\s+reminder"
        + _WHEN
        + "$"
    ),
    # "snooze", "snooze 15 min", "snooze it for 10 minutes", "snooze call mom until 5pm"
    re.compile(
        r"^snooze(?:\s+(?P<t>(?!for\b|by\b|until\b|till\b|til\b|to\b|in\b|at\b|\d|an?\s).+?))?"
        + _WHEN
        + "$"
    ),
    # "remind me again in an hour", "remind me about the team lunch again in an hour"
    re.compile(
        r"^(?:not\s+now\s+)?(?:remind|ask|tell)\s+me\s+(?:about\s+(?P<t>.+?)\s+)?again"
        r"(?:\s+(?P<when>.+))?$"
    ),
    # "remind me later", "not now, remind me in 30 minutes" (no task words: the last one)
    re.compile(
        r"^(?:not\s+now\s+)?remind\s+me\s+(?P<when>later|in\s+(?:half\s+an\s+hour|"
        + NUMBER
        + r"\s+(?:minutes?|mins?|hours?|hrs?)))$"
    ),
]
_DURATION = re.compile(
    rf"^(?:in\s+|for\s+|by\s+)?(?:(?P<half>half\s+an\s+hour)|(?P<n>{NUMBER})\s*"
    r"(?P<unit>m|mins?|minutes?|h|hrs?|hours?|days?|weeks?))$"
)
_UNIT = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1),
         "w": timedelta(weeks=1)}  # fmt: skip


@dataclass(frozen=True)
class Snooze:
    target: str | None  # words naming the task; None = the task last talked about
    when: str | None  # words saying when ("in an hour", "5pm"); None = the default


def match(lower: str, original: str) -> Snooze | None:
    if "," in lower:  # "not now, remind me in 30 minutes"; same length, spans still fit
        lower = lower.replace(",", " ")
    for rule in RULES:
        found = rule.match(lower)
        if found is None:
            continue
        groups = found.groupdict()
        target = original[found.start("t") : found.end("t")] if groups.get("t") else None
        return Snooze(target, groups.get("when") or groups.get("dur"))
    return None


def duration(words: str | None, now: datetime) -> datetime | None:
    """The instant a duration ("30 minutes", "an hour", "later") ends, or None."""
    if words is None:
        return now + DEFAULT
    if words.strip() == "later":
        return now + LATER
    found = _DURATION.match(" ".join(words.split()))
    if found is None:
        return None
    if found.group("half"):
        return now + timedelta(minutes=30)
    return now + number(found.group("n")) * _UNIT[found.group("unit")[0]]
