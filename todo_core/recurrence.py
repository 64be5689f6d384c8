"""Recurrence rules (RFC 5545 RRULE text): building, describing and advancing them.

Anchoring: the next occurrence is computed from the task being completed. Its due date,
as wall-clock time in the user's zone, is the rule's DTSTART, so "every day at 09:00" stays
at 09:00 across DST, and a series completed late does not drift (the anchor is the previous
due date, never the completion time). Occurrences already in the past when the task is
completed are skipped: the next task is the first occurrence after max(previous due, now).

COUNT: a task's rule carries the number of occurrences REMAINING in the series, the task
itself included. Advancing by k occurrences (k - 1 of them skipped as past) writes
COUNT = remaining - k into the next task's rule; when nothing remains the series is over.
So a rule never needs the series' original start, and summaries of a later task say how
many are left ("…, 3 times").

UNTIL: rules we build carry a floating local UNTIL at the end of the chosen day
(UNTIL=20261231T235959). A raw rule's UTC UNTIL (…Z) or date-only UNTIL is converted to
that zone's wall clock before evaluation.

Times the rule lands on inside a DST gap move forward by the gap; repeated times take the
first instance (see timezones.to_utc_lenient).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from todo_core.timezones import get_zone, to_local_naive, to_utc_lenient

if TYPE_CHECKING:
    from todo_core.validation import RecurrenceChoice, RecurrenceEnd

# Where a scan may end at the latest, whatever a stored date says (dates are validated
# to 1970-2199; older rows may hold more).
_LATEST = datetime(2200, 1, 1, tzinfo=UTC)
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = dict(
    zip(
        WEEKDAY_CODES,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
WORKDAYS = ("MO", "TU", "WE", "TH", "FR")
# A todo list repeats daily at the finest; the time of day comes from the due date, so
# BYHOUR/BYMINUTE/BYSECOND are refused too.
ALLOWED_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
ALLOWED_PARTS = (
    "FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH",
    "BYYEARDAY", "BYWEEKNO", "BYSETPOS", "WKST", "COUNT", "UNTIL",
)  # fmt: skip
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MAX_STEPS = 100_000  # bound on iteration: a daily rule completed 270 years late
# How far dateutil may look for the next occurrence. A rule can be valid and still never
# occur (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30): unbounded, dateutil scans day by day to year
# 9999 (2.7 s). 30 years holds every real rule (a Monday 29 February comes every 28 years);
# validation refuses a rule with no occurrence within it (occurs_within_horizon).
HORIZON_YEARS = 30
HORIZON = timedelta(days=366 * HORIZON_YEARS)


class RecurrenceError(ValueError):
    """The RRULE text is malformed or uses something we do not support."""


@dataclass(frozen=True)
class NextOccurrence:
    due_at: datetime  # UTC
    rrule: str  # the rule for the next task (COUNT decremented)


# ---- parsing and formatting -------------------------------------------------------------


def parse_rule(text: str) -> dict[str, str]:
    """RRULE text → {PART: value}; raises RecurrenceError naming what is wrong."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    if not body or any(c in body for c in "\r\n"):
        raise RecurrenceError("a recurrence rule is one line like FREQ=WEEKLY;BYDAY=MO")
    parts: dict[str, str] = {}
    for item in body.split(";"):
        key, sep, value = item.partition("=")
        key = key.strip().upper()
        if not sep or not key or not value.strip():
            raise RecurrenceError(f"malformed rule part {item!r}")
        if key not in ALLOWED_PARTS:
            raise RecurrenceError(f"unsupported rule part {key}")
        if key in parts:
            raise RecurrenceError(f"rule part {key} appears twice")
        parts[key] = value.strip().upper()
    _check_parts(parts)
    return parts


def _check_parts(parts: dict[str, str]) -> None:
    if parts.get("FREQ") not in ALLOWED_FREQS:
        raise RecurrenceError(f"FREQ must be one of {', '.join(ALLOWED_FREQS)}")
    if "COUNT" in parts and "UNTIL" in parts:
        raise RecurrenceError("a rule has COUNT or UNTIL, not both")
    for key in ("INTERVAL", "COUNT"):
        if key in parts and not (parts[key].isdigit() and int(parts[key]) >= 1):
            raise RecurrenceError(f"{key} must be a positive whole number")
    try:
        rrulestr(format_rule(_evaluable(parts, get_zone("UTC"))), dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise RecurrenceError(f"invalid rule: {exc}") from exc


def format_rule(parts: dict[str, str]) -> str:
    """{PART: value} → canonical text, FREQ first."""
    ordered = sorted(parts.items(), key=lambda kv: ALLOWED_PARTS.index(kv[0]))
    return ";".join(f"{key}={value}" for key, value in ordered)


def normalize_rule(text: str) -> str:
    return format_rule(parse_rule(text))


def _parse_until(value: str) -> datetime:
    if len(value) == 8:  # date only: the whole day counts
        return datetime.strptime(value, "%Y%m%d") + timedelta(hours=23, minutes=59, seconds=59)
    if value.endswith("Z"):
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return datetime.strptime(value, "%Y%m%dT%H%M%S")


def _evaluable(parts: dict[str, str], zone: ZoneInfo) -> dict[str, str]:
    """The parts dateutil evaluates over naive wall-clock times: UNTIL made local, no COUNT
    (advance() counts itself, see the module docstring)."""
    result = {k: v for k, v in parts.items() if k != "COUNT"}
    if "UNTIL" in parts:
        until = _parse_until(parts["UNTIL"])
        if until.tzinfo is not None:
            until = to_local_naive(until, zone)
        result["UNTIL"] = f"{until:%Y%m%dT%H%M%S}"
    return result


def _shifted(moment: datetime, years: int) -> datetime:
    return moment.replace(year=moment.year + years)


def _occurrences(
    parts: dict[str, str], dtstart_local: datetime, zone: ZoneInfo, end_local: datetime
) -> Iterator[datetime]:
    """The rule's occurrences from `dtstart_local` up to `end_local` (and its own UNTIL).

    dateutil checks UNTIL only when a day matches, so a rule whose days never match
    (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) is scanned year by year to year 9999 (2.7 s).
    The Gregorian calendar repeats every 400 years (146,097 days, a whole number of weeks),
    so the rule is evaluated 400·k years later, with `end_local` near year 9999, and its
    occurrences moved back: the same days, and a scan of at most ~430 years.
    """
    if dtstart_local > end_local:
        return iter(())
    years = 400 * ((datetime.max.year - HORIZON_YEARS - end_local.year) // 400)
    evaluable = _evaluable(parts, zone)
    if "UNTIL" in evaluable and _parse_until(evaluable["UNTIL"]) < end_local:
        end_local = _parse_until(evaluable["UNTIL"])
    evaluable["UNTIL"] = f"{_shifted(end_local, years):%Y%m%dT%H%M%S}"
    rule = rrulestr(format_rule(evaluable), dtstart=_shifted(dtstart_local, years))
    return (_shifted(local, -years) for local in rule)


# ---- building from a choice -------------------------------------------------------------


def build_rrule(choice: RecurrenceChoice) -> str | None:
    """The RRULE text for a validated RecurrenceChoice; None for "no recurrence"."""
    if choice.kind == "none":
        return None
    if choice.kind == "rrule":
        return normalize_rule(choice.rrule)
    parts = {"FREQ": _FREQ_OF_KIND[choice.kind]}
    if choice.interval > 1:
        parts["INTERVAL"] = str(choice.interval)
    parts.update(_by_parts(choice))
    parts.update(_end_parts(choice.ends))
    return format_rule(parts)


_FREQ_OF_KIND = {
    "daily": "DAILY",
    "weekdays": "WEEKLY",
    "weekly": "WEEKLY",
    "monthly_day": "MONTHLY",
    "monthly_weekday": "MONTHLY",
    "yearly": "YEARLY",
}


def _by_parts(choice: RecurrenceChoice) -> dict[str, str]:
    if choice.kind == "weekdays":
        return {"BYDAY": ",".join(WORKDAYS)}
    if choice.kind == "weekly" and choice.days:
        return {"BYDAY": ",".join(d for d in WEEKDAY_CODES if d in choice.days)}
    if choice.kind == "monthly_day" and choice.day is not None:
        return {"BYMONTHDAY": str(choice.day)}
    if choice.kind == "monthly_weekday":
        return {"BYDAY": f"{choice.week}{choice.weekday}"}
    # weekly without days, monthly without a day, yearly: DTSTART (the due date) decides.
    return {}


def _end_parts(ends: RecurrenceEnd) -> dict[str, str]:
    if ends.kind == "count":
        return {"COUNT": str(ends.count)}
    if ends.kind == "until":
        return {"UNTIL": f"{ends.until:%Y%m%d}T235959"}
    return {}


# ---- advancing ----------------------------------------------------------------------------


def advance(
    rule_text: str, previous_due_utc: datetime, tz: str, now_utc: datetime
) -> NextOccurrence | None:
    """The next task's due date and rule, or None when the series is finished or has no
    occurrence within HORIZON of max(previous due, now)."""
    zone = get_zone(tz)
    parts = parse_rule(rule_text)
    anchor_local = to_local_naive(previous_due_utc, zone)
    after = max(previous_due_utc, now_utc)
    end_local = to_local_naive(min(after, _LATEST) + HORIZON, zone)
    remaining = int(parts["COUNT"]) - 1 if "COUNT" in parts else None
    occurrences = _occurrences(parts, anchor_local, zone, end_local)
    candidates = (o for o in occurrences if o > anchor_local)
    for step, local in enumerate(itertools.islice(candidates, _MAX_STEPS), start=1):
        if remaining is not None and step > remaining:
            return None
        due = to_utc_lenient(local, zone)
        if due > after:
            return NextOccurrence(due_at=due, rrule=_with_count(parts, remaining, step))
    return None


def _with_count(parts: dict[str, str], remaining: int | None, step: int) -> str:
    if remaining is None:
        return format_rule(parts)
    return format_rule({**parts, "COUNT": str(remaining - step + 1)})


def occurs_within_horizon(rule_text: str, due_utc: datetime, tz: str) -> bool:
    """Whether the rule, its end aside, has an occurrence after `due_utc` within HORIZON."""
    parts = {k: v for k, v in parse_rule(rule_text).items() if k not in ("COUNT", "UNTIL")}
    return advance(format_rule(parts), due_utc, tz, due_utc) is not None


def next_occurrence(
    rule_text: str, previous_due_utc: datetime, tz: str, now_utc: datetime
) -> datetime | None:
    """The first occurrence after max(previous due, now), in UTC; None when finished."""
    found = advance(rule_text, previous_due_utc, tz, now_utc)
    return found.due_at if found else None


# ---- describing -----------------------------------------------------------------------------


def summarize(rule_text: str, dtstart_local: datetime) -> str:
    """A short English description, e.g. "every 2 weeks on Monday and Wednesday at 09:00".

    dtstart_local is the task's due date as wall-clock time in the user's zone; it supplies
    the time of day and whatever the rule leaves to DTSTART (weekday, day of month).
    """
    parts = parse_rule(rule_text)
    text = f"{_pattern(parts, dtstart_local)} at {dtstart_local:%H:%M}"
    if "COUNT" in parts:
        count = int(parts["COUNT"])
        text += ", once" if count == 1 else f", {count} times"
    if "UNTIL" in parts:
        text += f" until {_human_date(_parse_until(parts['UNTIL']).date())}"
    return text


def _human_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _every(interval: int, unit: str, one: str) -> str:
    return one if interval == 1 else f"every {interval} {unit}s"


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


_SIMPLE_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL"}


def _pattern(parts: dict[str, str], start: datetime) -> str:
    freq, interval = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    extra = set(parts) - _SIMPLE_PARTS
    if freq == "DAILY" and not extra:
        return _every(interval, "day", "every day")
    if freq == "WEEKLY" and extra <= {"BYDAY"}:
        return _weekly(parts, interval, start)
    if freq == "MONTHLY" and (extra in ({"BYDAY"}, {"BYMONTHDAY"}, set())):
        return f"{_every(interval, 'month', 'monthly')} on {_month_position(parts, start)}"
    if freq == "YEARLY" and not extra:
        return f"{_every(interval, 'year', 'every year')} on {start.day} {MONTHS[start.month - 1]}"
    return f"custom schedule ({format_rule(parts)})"


def _weekly(parts: dict[str, str], interval: int, start: datetime) -> str:
    days = parts.get("BYDAY", WEEKDAY_CODES[start.weekday()]).split(",")
    if any(day not in WEEKDAY_CODES for day in days):
        return f"custom schedule ({format_rule(parts)})"
    if interval == 1 and sorted(days) == sorted(WORKDAYS):
        return "every weekday"
    names = [WEEKDAY_NAMES[d] for d in WEEKDAY_CODES if d in days]
    return f"{_every(interval, 'week', 'every week')} on {_join(names)}"


def _month_position(parts: dict[str, str], start: datetime) -> str:
    if "BYDAY" in parts:
        code = parts["BYDAY"]
        prefix, weekday = code[:-2], code[-2:]
        ordinal = int(prefix) if prefix.lstrip("+-").isdigit() else 0
        if ordinal not in ORDINALS or weekday not in WEEKDAY_NAMES:
            return f"days {code}"
        return f"the {ORDINALS[ordinal]} {WEEKDAY_NAMES[weekday]}"
    day = int(parts.get("BYMONTHDAY", start.day))
    return "the last day" if day == -1 else f"day {day}"
