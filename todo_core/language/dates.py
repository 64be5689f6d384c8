"""Dates and times in a phrase, resolved in the user's zone against a given "now".

A first pass of our own handles what general date libraries get wrong or do not know
("this/next/last Friday", "tonight", "end of week", "in 2 hours", "at 5"); only fragments
that look like calendar dates ("15 March", "3/4", "March 15th 2027") go to `dateparser`,
always with the user's zone and the current time passed in.

Defaults, so every phrase yields a complete due time:
  - a day without a time → 09:00; today without a time once 09:00 has passed → 23:59;
  - a time without a day → today, or tomorrow when that time has passed;
  - "at 5" (an hour from 1 to 6, no minutes, no am/pm) → 17:00; "at 5:00" / "at 05" 24h;
  - "tonight" → 20:00, "morning" 09:00, "afternoon" 15:00, "evening" 19:00;
  - "next week" → its Monday, "next month" → its 1st, "the weekend" → Saturday;
  - "end of day/week/month" → 23:59 of today / Sunday / the month's last day;
  - a bare weekday or "this Friday" → the next such day (today for "this" when it is that
    day); "next Friday" → the Friday of next week; "last Friday" → the one before today.
Wall-clock times DST skips move forward by the gap; repeated times take the first instance.
Numeric dates read day first (31/12), except in zones under America/ (12/31).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import dateparser
from dateutil.relativedelta import relativedelta

from todo_core.language.text import Phrase
from todo_core.language.words import (
    MONTH_ANY,
    MONTH_WORDS,
    NUMBER,
    WEEKDAY_ANY,
    WEEKDAY_FULL,
    WEEKDAY_WORDS,
    number,
)
from todo_core.timezones import to_utc_lenient

DEFAULT_TIME = time(9, 0)
END_OF_DAY = time(23, 59)
PARTS_OF_DAY = {
    "morning": time(9), "afternoon": time(15), "evening": time(19), "tonight": time(20),
    "night": time(20), "first thing": time(9), "after lunch": time(13), "lunchtime": time(12),
}  # fmt: skip
# Named times of day: a row per phrase.
NAMED_TIMES = {
    "noon": time(12), "midday": time(12), "midnight": time(23, 59), "cob": time(17),
    "eob": time(17), "close of business": time(17), "end of business": time(17),
}  # fmt: skip
# Words that lead a date and go with it ("due friday", "deadline: june 30").
_LEAD = r"(?:(?:due|by|on|from|starting|deadline:?|no\s+later\s+than)\s+)?"


@dataclass(frozen=True)
class Context:
    now: datetime  # aware
    zone: ZoneInfo

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.zone).replace(tzinfo=None)

    @property
    def today(self) -> date:
        return self.local_now.date()

    @property
    def day_first(self) -> bool:
        return not self.zone.key.startswith("America/")


@dataclass(frozen=True)
class Found:
    """One recognised fragment: a day, a time of day, or an exact instant."""

    start: int
    end: int
    day: date | None = None
    at: time | None = None
    exact: datetime | None = None  # aware; "in 2 hours"
    soft_time: bool = False  # a time implied by a word ("tonight"), an explicit one wins
    bare: bool = False  # "at 9": an hour without am/pm or minutes


def _group(match: re.Match[str], *names: str) -> str | None:
    """The first of the named groups that matched (a rule may spell one thing two ways)."""
    groups = match.groupdict()
    return next((groups[n] for n in names if groups.get(n)), None)


# ---- days -----------------------------------------------------------------------------------


def _weekday(match: re.Match[str], ctx: Context) -> Found:
    which, name = _group(match, "which"), _group(match, "wd", "wd2")
    assert name is not None  # every weekday rule captures the day's name
    target = WEEKDAY_WORDS[name]
    today = ctx.today
    ahead = (target - today.weekday()) % 7
    if which == "next":
        monday_next = today + timedelta(days=7 - today.weekday())
        day = monday_next + timedelta(days=target)
    elif which == "last":
        day = today - timedelta(days=(today.weekday() - target) % 7 or 7)
    elif which == "this":
        day = today + timedelta(days=ahead)
    else:
        day = today + timedelta(days=ahead or 7)
    return Found(match.start(), match.end(), day=day)


def _day_word(match: re.Match[str], ctx: Context) -> Found:
    word = " ".join(match.group("w").split()).removeprefix("the ")
    offsets = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "yesterday": -1}
    offset = offsets.get(word, 2)  # "day after tomorrow"
    soft = PARTS_OF_DAY["tonight"] if word == "tonight" else None
    day = ctx.today + timedelta(days=offset)
    return Found(match.start(), match.end(), day=day, at=soft, soft_time=soft is not None)


def _end_of(match: re.Match[str], ctx: Context) -> Found:
    unit = match.group("unit") or {"eod": "day", "eow": "week", "eom": "month"}[match.group("abbr")]
    ahead = 1 if match.group("next") else 0
    today = ctx.today
    if unit == "day":
        day = today + timedelta(days=ahead)
    elif unit == "week":
        day = today + timedelta(days=6 - today.weekday() + 7 * ahead)
    elif unit == "month":
        day = today + relativedelta(months=ahead, day=31)
    else:
        day = date(today.year + ahead, 12, 31)
    return Found(match.start(), match.end(), day=day, at=END_OF_DAY, soft_time=True)


def _period(match: re.Match[str], ctx: Context) -> Found:
    which, unit = _group(match, "which") or "this", _group(match, "unit", "unit2")
    today = ctx.today
    if unit == "weekend":
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() == 6:
            saturday = today  # on a Sunday, "this weekend" is today
        day = saturday + timedelta(days=7) if which == "next" else saturday
    elif unit == "week":
        day = today + timedelta(days=7 - today.weekday())  # next week's Monday
    elif unit == "month":
        day = today + relativedelta(months=1, day=1)
    else:
        day = date(today.year + 1, 1, 1)
    return Found(match.start(), match.end(), day=day)


def _relative(match: re.Match[str], ctx: Context) -> Found:
    if match.group("half"):
        exact = (ctx.now + timedelta(minutes=30)).astimezone(ctx.zone)
        return Found(match.start(), match.end(), exact=exact)
    count, unit = number(match.group("n")), match.group("unit")
    if unit.startswith(("min", "h")):
        delta = timedelta(minutes=count) if unit.startswith("min") else timedelta(hours=count)
        return Found(match.start(), match.end(), exact=(ctx.now + delta).astimezone(ctx.zone))
    step = {"d": relativedelta(days=count), "w": relativedelta(weeks=count)}.get(unit[0])
    if step is None:
        step = relativedelta(months=count) if unit.startswith("mo") else relativedelta(years=count)
    return Found(match.start(), match.end(), day=ctx.today + step)


YEARS = range(1970, 2200)  # what a task's date can be; outside, the words stay in the title


def _iso(match: re.Match[str], _: Context) -> Found | None:
    try:
        day = date.fromisoformat(match.group("iso").replace("/", "-"))
    except ValueError:
        return None
    return Found(match.start(), match.end(), day=day) if day.year in YEARS else None


def _calendar(match: re.Match[str], ctx: Context) -> Found | None:
    """A calendar date in words or digits: dateparser reads it, we keep the day."""
    text = " ".join(match.group("cal").split())
    parsed = _dateparser(text, ctx.local_now.replace(second=0, microsecond=0), ctx.day_first)
    if parsed is None or parsed.year not in YEARS:
        return None
    return Found(match.start(), match.end(), day=parsed.date())


def _day_of_month(match: re.Match[str], ctx: Context) -> Found | None:
    """ "the 15th": this month's, or next month's once it has passed."""
    day_number, today = int(match.group("dom")), ctx.today
    for months_ahead in range(0, 3):
        first = today + relativedelta(months=months_ahead, day=1)
        candidate = first + relativedelta(day=day_number)
        if candidate.day == day_number and candidate >= today:
            return Found(match.start(), match.end(), day=candidate)
    return None


@lru_cache(maxsize=4096)
def _dateparser(text: str, base: datetime, day_first: bool) -> datetime | None:
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": base,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "DATE_ORDER": "DMY" if day_first else "MDY",
        "REQUIRE_PARTS": ["day", "month"],
    }
    return dateparser.parse(text, languages=["en"], settings=settings)


Rule = tuple[re.Pattern[str], Callable[[re.Match[str], Context], Found | None]]

_ORD = r"(?:st|nd|rd|th)?"
DAY_RULES: list[Rule] = [
    (re.compile(rf"\b{_LEAD}(?P<iso>\d{{4}}([-/])\d{{2}}\2\d{{2}})\b"), _iso),
    (
        re.compile(
            rf"\b{_LEAD}(?:the\s+)?(?P<cal>\d{{1,2}}{_ORD}\s+(?:of\s+)?{MONTH_ANY}\.?(?:,?\s+\d{{4}})?"
            rf"|{MONTH_ANY}\.?\s+(?:the\s+)?\d{{1,2}}{_ORD}(?:,?\s+\d{{4}})?"
            r"|\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{1,2}\.\d{1,2}\.(?:\d{4})?)(?![\w/])"
        ),
        _calendar,
    ),
    (
        re.compile(rf"\b{_LEAD}the\s+(?P<dom>\d{{1,2}}){_ORD}\b(?!\s*(?:of\s+)?{MONTH_ANY})"),
        _day_of_month,
    ),
    (
        re.compile(
            r"\bin\s+(?:(?P<half>half\s+an\s+hour)|(?P<n>"
            + NUMBER
            + r")\s+(?P<unit>minutes?|mins?|hours?|hrs?|h|days?|weeks?|months?|years?))\b"
        ),
        _relative,
    ),
    (
        re.compile(
            rf"\b{_LEAD}(?P<w>(?:the\s+)?day\s+after\s+tomorrow|tomorrow|tmrw|tmr|today|tonight"
            r"|yesterday)\b"
        ),
        _day_word,
    ),
    (
        re.compile(
            rf"\b{_LEAD}(?:(?:the\s+)?end\s+of\s+(?:the\s+)?(?P<next>next\s+)?(?P<unit>day|week|month|year)"
            r"|(?P<abbr>eod|eow|eom))\b"
        ),
        _end_of,
    ),
    (
        re.compile(
            rf"\b{_LEAD}(?:(?P<which>next|this)\s+(?P<unit>week|month|year|weekend)"
            r"|(?:over\s+|on\s+)?the\s+(?P<unit2>weekend))\b"
        ),
        _period,
    ),
    (
        re.compile(
            rf"\b{_LEAD}(?:(?:(?P<which>this|next|last|coming)\s+(?P<wd>{WEEKDAY_ANY}))"
            rf"|(?P<wd2>{WEEKDAY_FULL}))\b"
        ),
        _weekday,
    ),
    (
        re.compile(rf"\b(?:due|by|on)\s+(?P<wd>{WEEKDAY_ANY})\b"),
        _weekday,
    ),
    # "sat 10am": an abbreviation counts when a time follows it.
    (re.compile(rf"\b(?P<wd>{WEEKDAY_ANY})\b(?=\s+(?:at\s+)?\d)"), _weekday),
]


# ---- times ----------------------------------------------------------------------------------


def _clock(hour: int, minute: int, meridiem: str | None) -> time | None:
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _ampm(match: re.Match[str], _: Context) -> Found | None:
    hour, minute = int(match.group("h")), int(_group(match, "m") or 0)
    at = _clock(hour, minute, _group(match, "ap"))
    return Found(match.start(), match.end(), at=at) if at else None


def _bare_hour(match: re.Match[str], _: Context) -> Found | None:
    """ "at 5": 1-6 without am/pm are afternoon hours (nobody means 05:00 by "at 5")."""
    hour = int(match.group("h"))
    afternoon = len(match.group("h")) == 1 and 1 <= hour <= 6
    at = time(hour + 12 if afternoon else hour)
    return Found(match.start(), match.end(), at=at, bare=True)


# "half past two", "quarter to five": minutes from the hour, a row per phrase.
PAST_TO = {"half past": 30, "quarter past": 15, "quarter to": -15}
_HOUR_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
               "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}  # fmt: skip


def _past_to(match: re.Match[str], _: Context) -> Found | None:
    word = match.group("h")
    hour = int(word) if word.isdigit() else _HOUR_WORDS[word]
    offset = PAST_TO[" ".join(match.group("rel").split())]
    hour = (hour - 1 or 12) if offset < 0 else hour  # "quarter to one" is 12:45
    if match.group("ap"):
        at = _clock(hour % 12 or 12, offset % 60, match.group("ap"))
    else:  # like "at 5": the afternoon for 1-6
        at = time(hour + 12 if 1 <= hour <= 6 else hour % 24, offset % 60)
    return Found(match.start(), match.end(), at=at) if at else None


def _named_time(match: re.Match[str], _: Context) -> Found:
    return Found(match.start(), match.end(), at=NAMED_TIMES[" ".join(match.group("name").split())])


def _part_of_day(match: re.Match[str], _: Context) -> Found:
    part = " ".join(match.group("part").split())
    return Found(match.start(), match.end(), at=PARTS_OF_DAY[part], soft_time=True)


TIME_RULES: list[Rule] = [
    # first: "half past 2pm" holds a time the am/pm rule would read alone
    (
        re.compile(
            r"\b(?:at\s+|by\s+)?(?P<rel>half\s+past|quarter\s+past|quarter\s+to)\s+"
            r"(?P<h>1[0-2]|[1-9]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
            r"(?:\s*(?P<ap>am|pm))?\b"
        ),
        _past_to,
    ),
    (
        re.compile(
            r"(?:\b(?:at|by|from)\s+|@\s*|\b)(?P<h>\d{1,2})(?:[:.](?P<m>[0-5]\d))?\s*"
            r"(?P<ap>am|pm|a\.m\.|p\.m\.)(?!\w)"
        ),
        _ampm,
    ),
    (
        re.compile(r"(?:\b(?:at|by|from)\s+|@\s*|\b)(?P<h>[01]?\d|2[0-3])[:h](?P<m>[0-5]\d)\b"),
        _ampm,
    ),
    (
        re.compile(r"\b(?:at|by)\s+(?P<h>[01]?\d|2[0-3])\.(?P<m>[0-5]\d)\b(?!\.\d)"),
        _ampm,
    ),
    (
        re.compile(r"(?:\b(?:at|by)\s+|@\s*)(?P<h>[01]?\d|2[0-3])\b(?![:./]\d|\s*%)"),
        _bare_hour,
    ),
    (
        re.compile(
            r"\b(?:at\s+|by\s+)?(?P<name>noon|midday|midnight|cob|eob|close\s+of\s+business"
            r"|end\s+of\s+business)\b"
        ),
        _named_time,
    ),
    (
        re.compile(
            r"\b(?:in\s+the\s+|this\s+|at\s+)?(?P<part>morning|afternoon|evening|night"
            r"|first\s+thing|after\s+lunch|lunchtime)\b"
        ),
        _part_of_day,
    ),
]


# ---- the phrase ----------------------------------------------------------------------------


@dataclass(frozen=True)
class When:
    """What a phrase says about when: a day, a time, or both; or an exact instant."""

    day: Found | None = None
    at: Found | None = None

    @property
    def spans(self) -> list[tuple[int, int]]:
        return [(f.start, f.end) for f in (self.day, self.at) if f is not None]

    def resolve(self, ctx: Context) -> datetime | None:
        """The aware due time in the user's zone, with the defaults of the module doc."""
        if self.day is None and self.at is None:
            return None
        if self.day is not None and self.day.exact is not None:
            return self.day.exact
        local = datetime.combine(self._day(ctx), self._time(ctx))
        return to_utc_lenient(local, ctx.zone).astimezone(ctx.zone)

    def _day(self, ctx: Context) -> date:
        if self.day is not None and self.day.day is not None:
            return self.day.day
        at = self.at.at if self.at and self.at.at else DEFAULT_TIME
        passed = datetime.combine(ctx.today, at) <= ctx.local_now
        return ctx.today + timedelta(days=1) if passed else ctx.today

    def _time(self, ctx: Context) -> time:
        if self.at is not None and self.at.at is not None:
            return self.at.at
        if self.day is not None and self.day.at is not None:
            return self.day.at
        if self.day is not None and self.day.day == ctx.today:
            passed = datetime.combine(ctx.today, DEFAULT_TIME) <= ctx.local_now
            return END_OF_DAY if passed else DEFAULT_TIME
        return DEFAULT_TIME


def _first(phrase: Phrase, rules: list[Rule], ctx: Context) -> Found | None:
    for pattern, resolve in rules:
        for match in phrase.find(pattern):
            found = resolve(match, ctx)
            if found is not None:
                phrase.take(found.start, found.end)
                return found
    return None


_BEFORE = re.compile(r"\bbefore\s+")
_END_OF = re.compile(r"(?:the\s+)?end\s+of\b|eo[dwm]\b")


def _before(phrase: Phrase, ctx: Context) -> Found | None:
    """ "before friday": the end of the day before it (a deadline, not an appointment)."""
    for match in phrase.find(_BEFORE):
        rest = phrase.work[match.end() :]
        found = leading_day(rest, ctx)
        if found is not None:
            day, length = found
            end = match.end() + length
            phrase.take(match.start(), end)
            # "before the end of the month" is a deadline on its last day, not the day before
            if not _END_OF.match(rest):
                day -= timedelta(days=1)
            return Found(match.start(), end, day=day, at=END_OF_DAY)
    return None


def take_when(phrase: Phrase, ctx: Context) -> When:
    """Consume the first day and the first time of day found in the phrase."""
    day = _before(phrase, ctx) or _first(phrase, DAY_RULES, ctx)
    if day is not None and day.exact is not None:
        return When(day=day)
    at = _first(phrase, TIME_RULES, ctx)
    if day is not None and day.at is not None and day.at.hour >= 18 and at and at.bare:
        # "tonight at 9": an evening's bare hour is in the evening.
        hour = at.at.hour if at.at else 0
        at = replace(at, at=time(hour + 12)) if hour < 12 else at
    if day is not None and day.soft_time and at is not None and at.soft_time:
        at = None  # "tonight" beats "evening" only when nothing explicit was said
    return When(day=day, at=at)


def leading_day(text: str, ctx: Context) -> tuple[date, int] | None:
    """A day at the very start of `text` ("31 dec and more…" → (Dec 31, 6)), for "until …"."""
    for pattern, resolve in DAY_RULES:
        match = pattern.match(text)
        if match is None:
            continue
        found = resolve(match, ctx)
        if found is not None and found.day is not None:
            return found.day, found.end
    return None


def context(zone: ZoneInfo, now: datetime) -> Context:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return Context(now=now.astimezone(UTC), zone=zone)


def warm_up() -> None:
    """dateparser loads its language data on first use (~0.3 s); do it at start-up."""
    _dateparser("15 march", datetime(2000, 1, 1), True)


__all__ = ["Context", "When", "context", "leading_day", "take_when", "warm_up", "MONTH_WORDS"]
