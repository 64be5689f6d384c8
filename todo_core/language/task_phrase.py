"""A task described in one line → its fields, and what was recognised (the chips).

    parse_task("pay rent every 1st at 10 #home p1 remind me 1 hour before",
               "Europe/Berlin", now)

Slots are taken in a fixed order (tags, priority, reminder, repetition, when); what is
left is the title. A chip names the words it came from (spans of the original text): the
quick-add field removes a chip by quoting those words, which keeps them in the title.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from dateutil.rrule import rrulestr

from todo_core.language.dates import (
    DEFAULT_TIME,
    TIME_RULES,
    Context,
    Found,
    When,
    context,
    take_when,
)
from todo_core.language.priority import IN_LINE as PRIORITY_IN_LINE
from todo_core.language.priority import level_of
from todo_core.language.recurrence import Repeat, take_repeat
from todo_core.language.text import Phrase
from todo_core.language.words import NUMBER, number, strip_lead
from todo_core.models import Priority
from todo_core.recurrence import format_rule, summarize
from todo_core.timezones import get_zone, to_utc_lenient

ChipKind = Literal["due", "repeat", "priority", "tag", "reminder"]

# "#work", and Todoist's labels "@home" (never an address: pam@example.com).
_TAG = re.compile(
    r"(?<![\w#&])#(?P<tag>\w[\w-]{0,39})(?![\w-])|(?<![\w@.])@(?P<label>[^\W\d_][\w-]{0,39})(?![\w.@-])"
)
_REMIND = r"(?:and\s+)?(?:remind\s+me|with\s+(?:a\s+)?reminder|reminder)"
_REMIND_BEFORE = re.compile(
    rf"\b{_REMIND}\s+(?:(?P<half>half\s+an\s+hour)|the\s+(?P<the>day|night|week)"
    rf"|(?P<n>{NUMBER})\s*(?P<unit>minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w))\s+"
    r"(?:before|early|earlier|ahead|prior)\b"
)
_REMIND_AT = re.compile(rf"\b{_REMIND}\s+(?=at\s|@)")
_REMIND_FLAG = re.compile(
    r"^\s*(?:please\s+)?remind\s+me\s+(?:to\s+|about\s+|that\s+)?"
    r"|\b(?:and\s+)?(?:remind\s+me|with\s+(?:a\s+)?reminder)\b(?:\s+(?:to|about|that)\b)?"
)
_JOINER = re.compile(r"\s+(?:to|about|that)(?=\s)")
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 24 * 60, "w": 7 * 24 * 60}


@dataclass(frozen=True)
class Chip:
    kind: ChipKind
    label: str  # what was understood: "Tue 3 Mar 17:00", "every weekday at 09:00", "#work"
    spans: tuple[tuple[int, int], ...]  # where it was said, in the original text

    def words(self, text: str) -> str:
        return " ".join(text[a:b] for a, b in self.spans)


@dataclass
class ParsedTask:
    title: str
    due: datetime | None = None  # aware, in the user's zone
    recurrence: str | None = None  # RRULE text
    priority: Priority | None = None
    tags: list[str] = field(default_factory=list)
    reminder: dict[str, Any] | None = None  # a ReminderChoice in input shape
    chips: list[Chip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was said but could not be used

    def task_input(self) -> dict[str, Any]:
        """The fields in TaskCreate's input shape (validate with task_create)."""
        data: dict[str, Any] = {"title": self.title, "tags": list(self.tags)}
        if self.priority is not None:
            data["priority"] = self.priority.value
        if self.due is not None:
            data["due"] = self.due.isoformat()
        if self.recurrence is not None:
            data["recurrence"] = {"kind": "rrule", "rrule": self.recurrence}
        if self.reminder is not None:
            data["reminder"] = self.reminder
        return data


def parse_task(text: str, time_zone: str, now: datetime) -> ParsedTask:
    """Pull a task's slots out of `text`, read in `time_zone` at the instant `now`."""
    ctx = context(get_zone(time_zone), now)
    phrase = Phrase(text)
    chips: list[Chip] = []
    tags = _take_tags(phrase, chips)
    priority = _take_priority(phrase, chips)
    reminder = _take_reminder(phrase, ctx)
    repeat = take_repeat(phrase, ctx)
    when = take_when(phrase, ctx)
    if reminder is not None and reminder.at is not None and not _has_time(when):
        # "remind me at 4pm to call mom tomorrow": 4pm is when it is due, too.
        when = When(day=when.day, at=Found(0, 0, at=reminder.at))
    parsed = ParsedTask(title=strip_lead(phrase.title()), priority=priority, tags=tags, chips=chips)
    parsed.due = _due(when, repeat, ctx)
    if repeat is not None and parsed.due is not None:
        parsed.recurrence = repeat.rrule
        start = parsed.due.replace(tzinfo=None)
        chips.append(Chip("repeat", summarize(repeat.rrule, start), tuple(repeat.spans)))
    if parsed.due is not None and when.spans:
        chips.append(Chip("due", f"{parsed.due:%a %-d %b %Y %H:%M}", tuple(when.spans)))
    _settle_reminder(parsed, reminder, ctx)
    chips.sort(key=lambda chip: chip.spans[0])
    # Chips point at the words as typed (a corrected typo is shown where it was typed).
    chips[:] = [
        Chip(c.kind, c.label, tuple(phrase.typed_span(span) for span in c.spans)) for c in chips
    ]
    return parsed


def _take_tags(phrase: Phrase, chips: list[Chip]) -> list[str]:
    tags: list[str] = []
    for match in phrase.find(_TAG):
        tag = (match.group("tag") or match.group("label")).lower()
        if tag.isdigit():
            continue  # "issue #42" names an issue, not a tag
        phrase.take(match.start(), match.end())
        if tag not in tags:
            tags.append(tag)
        chips.append(Chip("tag", f"#{tag}", ((match.start(), match.end()),)))
    return tags


def _take_priority(phrase: Phrase, chips: list[Chip]) -> Priority | None:
    for match in phrase.find(PRIORITY_IN_LINE):
        priority = level_of(match.group())
        if priority is None:
            continue
        phrase.take(match.start(), match.end())
        chips.append(
            Chip("priority", f"{priority.value} priority", ((match.start(), match.end()),))
        )
        return priority
    return None


@dataclass(frozen=True)
class _Reminder:
    choice: dict[str, Any]
    spans: tuple[tuple[int, int], ...]
    at: time | None = None  # "remind me at 16:00": that time on the due day


def _take_reminder(phrase: Phrase, ctx: Context) -> _Reminder | None:
    for match in phrase.find(_REMIND_BEFORE):
        if match.group("half"):
            minutes = 30
        elif match.group("the"):
            minutes = {"day": 1440, "night": 1440, "week": 10080}[match.group("the")]
        else:
            minutes = number(match.group("n")) * _UNIT_MINUTES[match.group("unit")[0]]
        phrase.take(match.start(), match.end())
        return _Reminder({"kind": "before", "minutes": minutes}, ((match.start(), match.end()),))
    for match in phrase.find(_REMIND_AT):
        rest = phrase.work[match.end() :]
        for pattern, resolve in TIME_RULES:
            timed = pattern.match(rest)
            found = resolve(timed, ctx) if timed else None
            if found is not None and found.at is not None:
                end = match.end() + found.end
                joiner = _JOINER.match(phrase.work, end)
                end = joiner.end() if joiner else end
                phrase.take(match.start(), end)
                return _Reminder({"kind": "at"}, ((match.start(), end),), at=found.at)
    for match in phrase.find(_REMIND_FLAG):
        phrase.take(match.start(), match.end())
        return _Reminder({"kind": "at_due"}, ((match.start(), match.end()),))
    return None


def _settle_reminder(parsed: ParsedTask, reminder: _Reminder | None, ctx: Context) -> None:
    if reminder is None:
        return
    if parsed.due is None:
        parsed.notes.append("a reminder needs a due date: say when")
        return
    choice = dict(reminder.choice)
    label = "at the due time"
    if reminder.at is not None:
        local = datetime.combine(parsed.due.date(), reminder.at)
        at = to_utc_lenient(local, ctx.zone).astimezone(ctx.zone)
        choice["at"] = at.isoformat()
        label = f"at {at:%H:%M}"
    elif choice["kind"] == "before":
        label = f"{choice['minutes']} min before"
    parsed.reminder = choice
    spans = tuple(span for span in reminder.spans if span[1] > span[0])
    parsed.chips.append(Chip("reminder", f"reminder {label}", spans))


# ---- due dates --------------------------------------------------------------------------------


def _due(when: When, repeat: Repeat | None, ctx: Context) -> datetime | None:
    if repeat is None:
        return when.resolve(ctx)
    if when.day is not None and (when.day.day is not None or when.day.exact is not None):
        return when.resolve(ctx)  # "every week starting Monday": the user chose the start
    at = _time_of(when, repeat.at or DEFAULT_TIME)
    if repeat.on_date is not None:
        return _yearly_due(repeat.on_date, at, ctx)
    return _first_occurrence(repeat, at, ctx)


def _has_time(when: When) -> bool:
    """Whether the phrase said a time of day (a word like "tonight" only suggests one)."""
    if when.at is not None:
        return True
    day = when.day
    return day is not None and (day.exact is not None or (day.at is not None and not day.soft_time))


def _time_of(when: When, default: time = DEFAULT_TIME) -> time:
    for found in (when.at, when.day):
        if found is not None and found.at is not None:
            return found.at
    return default


def _aware(day: date, at: time, ctx: Context) -> datetime:
    return to_utc_lenient(datetime.combine(day, at), ctx.zone).astimezone(ctx.zone)


def _yearly_due(day: date, at: time, ctx: Context) -> datetime:
    """The date this year, or in the next year that has it once its time has passed."""
    due = _aware(day, at, ctx)
    year = day.year
    while due <= ctx.now:
        year += 1
        try:
            due = _aware(day.replace(year=year), at, ctx)
        except ValueError:  # 29 February
            continue
    return due


def _first_occurrence(repeat: Repeat, at: time, ctx: Context) -> datetime | None:
    """The rule's first occurrence after now, at the given time of day."""
    local_now = ctx.local_now
    start = datetime.combine(ctx.today, at)
    if not repeat.has_by_parts:
        # Nothing pins the day: today at that time if still ahead, else tomorrow.
        day = ctx.today if start > local_now else ctx.today + timedelta(days=1)
        return _aware(day, at, ctx)
    # The first matching day, whatever the interval: "every other Tuesday" starts on the
    # coming Tuesday, and the interval counts from there.
    plain = {k: v for k, v in repeat.parts.items() if k not in ("COUNT", "UNTIL", "INTERVAL")}
    for local in rrulestr(format_rule(plain), dtstart=start):
        if local > local_now:
            return _aware(local.date(), at, ctx)
    return None
