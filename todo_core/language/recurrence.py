"""Repetition phrases → RRULE parts that todo_core.recurrence understands.

The grammar (a phrase matches at most one rule; the first in this order wins):
  every first/last Friday (of the month), the last Friday of every month,
      every second Tuesday of the month, monthly on the 2nd Tuesday     BYDAY=-1FR …
  every last day (of the month), the last day of every month            BYMONTHDAY=-1
  every 15th, the 15th of every month, monthly on the 15th              BYMONTHDAY=15
  every March 15, every 15 March, every year on 3 Jan, annually on …    YEARLY (due on it)
  every weekday / workday / business day, on weekdays                   BYDAY=MO,…,FR
  every weekend, on weekends                                            BYDAY=SA,SU
  every Mon and Fri, every other Tuesday, every 3rd Wednesday, mondays  WEEKLY;BYDAY=…
  every day/week/month/year, every other week, every 3 days,
      every 2 weeks on Mon and Thu                                      FREQ (+INTERVAL)
  daily, weekly, fortnightly, biweekly, monthly, yearly, annually
and for any of them an end: "until 31 Dec", "until Friday" → UNTIL (end of that day,
floating local time, as the recurrence module builds it); "for 5 times", "10 times" → COUNT.
"every second Tuesday" means every two weeks; "every second Tuesday of the month" is
monthly. Hourly and finer repetition is not supported by tasks and stays in the title.
"""

import re
from dataclasses import dataclass, field
from datetime import date, time

from todo_core.language.dates import Context, leading_day
from todo_core.language.text import Phrase
from todo_core.language.words import (
    MONTH_ANY,
    MONTH_WORDS,
    NUMBER,
    ORDINAL,
    ORDINAL_WORDS,
    WEEKDAY_ANY,
    WEEKDAY_CODES,
    WEEKDAY_WORDS,
    number,
)
from todo_core.recurrence import format_rule

_EVERY = r"(?:every|each)\s+"
_OF_MONTH = r"\s+of\s+(?:the|every|each)\s+month"
_DAY_S = rf"{WEEKDAY_ANY}s?"
# Between two weekdays: spaces, then maybe a connector; or a connector alone. Possessive
# quantifiers (*+, ++) never give back what they took, and the two alternatives cannot start
# alike, so a long run of spaces is read once instead of split every possible way (the old
# nested optional spaces cost cubic time in the run's length).
_JOIN = r"(?:,\s*+(?:and\s++)?|&\s*+|/\s*+)"
_DAYS_SEP = rf"(?:\s++(?:and\s++|{_JOIN})?|{_JOIN})"
_DAYS = rf"{_DAY_S}(?:{_DAYS_SEP}{_DAY_S})*+"
_SUFFIX = r"(?:st|nd|rd|th)"
_PLURAL_DAYS = r"(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)"
WORKDAYS = "MO,TU,WE,TH,FR"


@dataclass
class Repeat:
    parts: dict[str, str]
    spans: list[tuple[int, int]] = field(default_factory=list)
    on_date: date | None = None  # yearly dates: the first due day
    at: time | None = None  # "every evening": the time of day it implies

    @property
    def rrule(self) -> str:
        return format_rule(self.parts)

    @property
    def has_by_parts(self) -> bool:
        return any(key.startswith("BY") for key in self.parts)


def _codes(text: str) -> list[str]:
    """ "mon, wed and fridays" → ["MO", "WE", "FR"] in week order."""
    found = {
        WEEKDAY_WORDS[word.rstrip("s") if word.rstrip("s") in WEEKDAY_WORDS else word]
        for word in re.findall(WEEKDAY_ANY + "s?", text)
    }
    return [WEEKDAY_CODES[i] for i in sorted(found)]


def _group(match: re.Match[str], *names: str) -> str | None:
    groups = match.groupdict()
    return next((groups[n] for n in names if groups.get(n)), None)


def _monthly_weekday(match: re.Match[str], _: Context) -> Repeat | None:
    ordinal = ORDINAL_WORDS[_group(match, "o1", "o2", "o3", "o4") or "first"]
    codes = _codes(_group(match, "d1", "d2", "d3", "d4") or "")
    return Repeat({"FREQ": "MONTHLY", "BYDAY": f"{ordinal}{codes[0]}"})


def _last_day(_: re.Match[str], __: Context) -> Repeat:
    return Repeat({"FREQ": "MONTHLY", "BYMONTHDAY": "-1"})


def _month_day(match: re.Match[str], _: Context) -> Repeat | None:
    day = int(_group(match, "n1", "n2", "n3", "n4") or 0)
    if not 1 <= day <= 31:
        return None
    return Repeat({"FREQ": "MONTHLY", "BYMONTHDAY": str(day)})


def _yearly_date(match: re.Match[str], ctx: Context) -> Repeat | None:
    text = _group(match, "cal", "cal2") or ""
    day = int(re.findall(r"\d{1,2}", text)[0])
    month = MONTH_WORDS[re.findall(MONTH_ANY, text)[0]]
    today = ctx.today
    for year in range(today.year, today.year + 9):  # 29 Feb: the next leap year
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return Repeat({"FREQ": "YEARLY"}, on_date=candidate)
    return None


def _workdays(match: re.Match[str], _: Context) -> Repeat:
    byday = "SA,SU" if "weekend" in match.group(0) else WORKDAYS
    return Repeat({"FREQ": "WEEKLY", "BYDAY": byday})


def _interval_word(match: re.Match[str]) -> int:
    if _group(match, "other"):
        return 2
    nth = _group(match, "nth")
    if nth:
        return ORDINAL_WORDS.get(nth, 0) if not nth[0].isdigit() else int(nth[:-2])
    count = _group(match, "n")
    return number(count) if count else 1


def _with_interval(parts: dict[str, str], interval: int) -> dict[str, str]:
    return {**parts, "INTERVAL": str(interval)} if interval > 1 else parts


def _weekly_days(match: re.Match[str], _: Context) -> Repeat | None:
    interval = _interval_word(match)
    if interval < 1:
        return None
    parts = {"FREQ": "WEEKLY", "BYDAY": ",".join(_codes(match.group("days")))}
    return Repeat(_with_interval(parts, interval))


def _every_unit(match: re.Match[str], _: Context) -> Repeat | None:
    interval = _interval_word(match)
    if interval < 1:
        return None
    unit = match.group("unit")
    freq = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}[unit]
    parts = {"FREQ": freq}
    if unit == "week" and _group(match, "days"):
        parts["BYDAY"] = ",".join(_codes(match.group("days")))
    return Repeat(_with_interval(parts, interval))


# A row per word: the repetition it says.
ADVERBS = {
    "daily": {"FREQ": "DAILY"}, "nightly": {"FREQ": "DAILY"}, "weekly": {"FREQ": "WEEKLY"},
    "fortnightly": {"FREQ": "WEEKLY", "INTERVAL": "2"},
    "biweekly": {"FREQ": "WEEKLY", "INTERVAL": "2"}, "monthly": {"FREQ": "MONTHLY"},
    "quarterly": {"FREQ": "MONTHLY", "INTERVAL": "3"}, "yearly": {"FREQ": "YEARLY"},
    "annually": {"FREQ": "YEARLY"},
    "every quarter": {"FREQ": "MONTHLY", "INTERVAL": "3"},
}  # fmt: skip


# "every morning": daily, at that part of the day (an explicit time still wins).
PARTS = {"morning": time(9), "afternoon": time(15), "evening": time(19), "night": time(20)}


def _adverb(match: re.Match[str], _: Context) -> Repeat:
    part = match.group("part")
    if part:
        return Repeat({"FREQ": "DAILY"}, at=PARTS[part])
    return Repeat(dict(ADVERBS[" ".join(match.group("adv").split())]))


def _plural_days(match: re.Match[str], _: Context) -> Repeat:
    return Repeat({"FREQ": "WEEKLY", "BYDAY": ",".join(_codes(match.group("days")))})


_CAL = rf"\d{{1,2}}{_SUFFIX}?\s+(?:of\s+)?{MONTH_ANY}|{MONTH_ANY}\s+\d{{1,2}}{_SUFFIX}?"
_RULES = [
    (
        rf"\b(?:{_EVERY}(?P<o1>first|1st|last)\s+(?P<d1>{WEEKDAY_ANY})(?:{_OF_MONTH})?"
        rf"|{_EVERY}(?P<o2>{ORDINAL})\s+(?P<d2>{WEEKDAY_ANY}){_OF_MONTH}"
        rf"|(?:on\s+)?the\s+(?P<o3>{ORDINAL})\s+(?P<d3>{WEEKDAY_ANY})\s+of\s+(?:every|each)\s+month"
        rf"|(?:monthly|{_EVERY}month)\s+on\s+the\s+(?P<o4>{ORDINAL})\s+(?P<d4>{WEEKDAY_ANY}))\b",
        _monthly_weekday,
    ),
    (
        rf"\b(?:{_EVERY}last\s+day(?:{_OF_MONTH})?"
        r"|(?:on\s+)?the\s+last\s+day\s+of\s+(?:the\s+month\s+)?(?:every|each)\s+month"
        rf"|(?:monthly|{_EVERY}month)\s+on\s+the\s+last\s+day)\b",
        _last_day,
    ),
    (
        rf"\b(?:{_EVERY}(?P<n1>\d{{1,2}}){_SUFFIX}(?!\s+{WEEKDAY_ANY}\b)(?:\s+day)?(?:{_OF_MONTH})?"
        rf"|(?:on\s+)?(?:the\s+)?(?P<n2>\d{{1,2}}){_SUFFIX}\s+(?:of\s+)?(?:every|each)\s+month"
        rf"|(?:on\s+)?the\s+(?P<n4>\d{{1,2}})\s+of\s+(?:every|each)\s+month"
        rf"|(?:monthly|{_EVERY}month)\s+on\s+the\s+(?P<n3>\d{{1,2}}){_SUFFIX}?)\b",
        _month_day,
    ),
    (
        rf"\b(?:{_EVERY}(?:year\s+on\s+)?(?P<cal>{_CAL})"
        rf"|(?:yearly|annually)\s+on\s+(?:the\s+)?(?P<cal2>{_CAL}))\b",
        _yearly_date,
    ),
    (
        rf"\b(?:{_EVERY}(?:weekday|workday|work\s+day|business\s+day|weekend)"
        r"|on\s+(?:weekdays|workdays|weekends))\b",
        _workdays,
    ),
    (
        rf"\b{_EVERY}(?:(?P<other>other)\s+|(?P<nth>second|third|fourth|2nd|3rd|4th)\s+)?"
        rf"(?P<days>{_DAYS})\b",
        _weekly_days,
    ),
    (
        rf"\b{_EVERY}(?:(?P<other>other)\s+|(?P<nth>second|third|fourth|2nd|3rd|4th)\s+"
        rf"|(?P<n>{NUMBER})\s+)?(?P<unit>day|week|month|year)s?"
        rf"(?:\s+on\s+(?P<days>{_DAYS}))?\b",
        _every_unit,
    ),
    (
        r"\b(?P<adv>daily|nightly|weekly|fortnightly|biweekly|monthly|quarterly|yearly|annually"
        r"|every\s+quarter)\b|\b(?:every|each)\s+(?P<part>morning|afternoon|evening|night)\b",
        _adverb,
    ),
    (
        rf"\b(?:on\s++)?(?P<days>{_PLURAL_DAYS}(?:\s*+(?:,|and|&)\s*+{_PLURAL_DAYS})*+)\b",
        _plural_days,
    ),
]
RULES = [(re.compile(pattern), build) for pattern, build in _RULES]
_UNTIL = re.compile(r"\b(?:until|till|til|through|thru|ending(?:\s+on)?)\s+")
_COUNT = re.compile(rf"\b(?:for\s+)?(?P<n>{NUMBER})\s+times\b")


def take_repeat(phrase: Phrase, ctx: Context) -> Repeat | None:
    """Consume a repetition phrase and its end ("until …", "N times"), if there is one."""
    for pattern, build in RULES:
        for match in phrase.find(pattern):
            repeat = build(match, ctx)
            if repeat is None:
                continue
            phrase.take(match.start(), match.end())
            repeat.spans.append((match.start(), match.end()))
            _take_end(phrase, repeat, ctx)
            return repeat
    return None


def _take_end(phrase: Phrase, repeat: Repeat, ctx: Context) -> None:
    for match in phrase.find(_UNTIL):
        found = leading_day(phrase.work[match.end() :], ctx)
        if found is not None:
            until, length = found
            end = match.end() + length
            phrase.take(match.start(), end)
            repeat.parts["UNTIL"] = f"{until:%Y%m%d}T235959"
            repeat.spans.append((match.start(), end))
            return
    for match in phrase.find(_COUNT):
        count = number(match.group("n"))
        if 1 <= count <= 1000:
            phrase.take(match.start(), match.end())
            repeat.parts["COUNT"] = str(count)
            repeat.spans.append((match.start(), match.end()))
            return
