"""What a chat message asks for: an intent and its slots.

    parse_command("move the dentist to friday 3pm", "Europe/Berlin", now)
        → Command(intent="move", target=Target(text="the dentist"), due=…)

Tasks are named by words (matched fuzzily by the assistant), by position in the last list
shown ("the second one", "number 3", "the last one"), as "it" (the task last talked
about), or as a group ("all overdue tasks", "everything tagged #work") for bulk changes.
A message that asks for nothing we know is `unknown`; one that names no action but
carries a date or repetition ("call mom tomorrow at 5") is taken as an add.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from dateutil.relativedelta import relativedelta

from todo_core.language import snooze
from todo_core.language.dates import context, take_when
from todo_core.language.priority import IN_LINE as PRIORITY_IN_LINE
from todo_core.language.priority import PHRASE as PRIORITY_PHRASE
from todo_core.language.priority import level_of
from todo_core.language.recurrence import take_repeat
from todo_core.language.spelling import correct
from todo_core.language.task_phrase import ParsedTask, parse_task
from todo_core.language.text import MAX_CHARS, Phrase, check_length
from todo_core.language.words import LEAD, NUMBER, ORDINAL_WORDS, number
from todo_core.models import Priority, Status
from todo_core.timezones import get_zone, to_utc_lenient

Intent = Literal[
    "add", "list", "complete", "reopen", "delete", "move", "rename", "set_priority",
    "add_tags", "remove_tags", "set_reminder", "set_recurrence", "undo", "help", "confirm",
    "deny", "select", "snooze", "unknown",
]  # fmt: skip
DueFilter = Literal["today", "tomorrow", "week", "overdue", "none"]


@dataclass(frozen=True)
class ListFilter:
    due: DueFilter | None = None
    tag: str | None = None
    priority: Priority | None = None
    status: Status | None = Status.OPEN
    text: str | None = None

    def describe(self) -> str:
        words = []
        if self.status == Status.DONE:
            words.append("done")
        if self.priority:
            words.append(f"{self.priority.value}-priority")
        words.append("tasks")
        if self.tag:
            words.append(f"tagged #{self.tag}")
        if self.due:
            words.append(
                {"week": "due this week", "none": "without a due date"}.get(
                    self.due, f"due {self.due}" if self.due != "overdue" else "overdue"
                )
            )
        if self.text:
            words.append(f"matching “{self.text}”")
        return " ".join(words)


@dataclass(frozen=True)
class Target:
    text: str | None = None  # words naming the task
    position: int | None = None  # 1-based place in the last list; -1 = the last one
    it: bool = False  # "it", "that": the task last talked about
    group: ListFilter | None = None  # "all overdue tasks"
    alternatives: tuple[str, ...] = ()  # other readings of the words, tried in order


@dataclass
class Command:
    intent: Intent
    target: Target | None = None
    task: ParsedTask | None = None  # add
    due: datetime | None = None  # move: the new due time (aware)
    shift: relativedelta | None = None  # postpone by
    title: str | None = None  # rename
    priority: Priority | None = None
    tags: list[str] = field(default_factory=list)
    reminder: dict[str, Any] | None = None
    recurrence: str | None = None  # "" = stop repeating
    filter: ListFilter | None = None  # list
    choice: int | None = None  # select
    notes: list[str] = field(default_factory=list)
    # move: what the new date left unsaid keeps the task's ("the 19th" keeps 14:30;
    # "1pm" keeps the day); set_reminder: a time alone is on the task's due day
    keep: Literal["time", "day"] | None = None
    # complete/delete/reminder verbs also begin tasks ("finish the slides by Monday"): the
    # task to add when no task by that name exists
    fallback: ParsedTask | None = None


_PUNCT = " .!?,;"
_YES = re.compile(
    r"^(?:yes|y|yeah|yep|yup|sure|ok|okay|confirm|do it|go ahead|please do)"
    r"(?:\s+(?:please|thanks|thank you|do it|go ahead|delete it|sure|yes))?$"
)
_NO = re.compile(
    r"^(?:no|n|nope|nah|cancel|stop|don'?t|never\s*mind|abort|keep it|forget it"
    r"|forget about it)(?:\s+(?:thanks|thank you|don'?t|keep it|cancel|wait|that|it))?$"
)
_HELP = re.compile(r"^(?:help|\?|what can you do|how does (?:this|it) work|commands|hi|hello)\b")
_UNDO = re.compile(
    r"^(?:(?:oops|oh no|sorry|whoops)\s+)?(?:undo|revert|take\s+(?:that|it)\s+back)"
    r"(?:\s+(?:that|it|the last change|last change|please))?$"
)
# Politeness around a request: "please", "can you", "could you …".
_POLITE = re.compile(r"^(?:please|pls|can you|could you|would you|can u|will you)\s+(?:please\s+)?")
_POSITION = (
    r"(?:the\s+)?(?P<ord>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth"
    r"|1st|2nd|3rd|4th|5th|6th|7th|8th|9th|10th|last)(?:\s+(?:one|task|item))?"
    r"|(?:number|no\.?|task|item|#)\s*(?P<num>\d{1,3})|(?P<bare>\d{1,3})"
)
_ORD_MORE = {"sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10}
_SELECT = re.compile(rf"^(?:{_POSITION})$")
_ALL = re.compile(r"^(?:all|every|everything)\b\s*(?:of\s+)?(?:the\s+|my\s+)?(?P<rest>.*)$")
_IT = re.compile(r"^(?:it|that|this|that one|this one|that task|this task)$")

_ADD = re.compile(
    rf"^(?:{LEAD}\s*|(?:add|create|new|todo|to-do|put|note|schedule(?:\s+an?\b)?)\b\s*:?\s*"
    r"(?:(?:a\s+)?(?:new\s+)?(?:task|todo|to-do|item|reminder)\b\s*:?\s*(?:to\s+|called\s+|named\s+)?)?)"
    r"(?P<rest>.+?)(?:\s+(?:to|on)\s+(?:my|the)\s+(?:\w+\s+)?(?:list|tasks|todo list|to-do list))?$"
)
_REMIND_ADD = re.compile(r"^(?:please\s+)?remind\s+me\s+(?!about\b|of\b)")
_LIST = re.compile(
    r"^(?:list|show|display|view|what|what's|whats|which|any|anything|do i have|give me|tell me|"
    r"my tasks|my todos|tasks|agenda|how many|how much|am i|is there|are there|what's next)\b"
)
_COMPLETE = re.compile(
    r"^(?:complete|finish|finished|close|done(?:\s+with)?:?|check\s+off|tick\s+off|cross\s+off|"
    r"i(?:\s+have|'ve)?\s+(?:just\s+)?(?:finished|completed|done|did))\s+(?P<t>.+?)"
    r"(?:\s+(?:as\s+)?(?:done|complete|completed|finished))?$"
    r"|^mark\s+(?P<t2>.+?)\s+(?:as\s+)?(?:done|complete|completed|finished)$"
    r"|^(?P<t3>.+?)(?:\s+is|'s|\s+are)?\s+(?:done|finished|complete|completed)$"
)
# "walked the dog", "I called mom", "paid the rent": the past tense of the title's verb.
_PAST = re.compile(
    r"^(?:i\s+)?(?:just\s+|already\s+)?(?P<verb>[a-z]{2,}(?<!e)ed|paid|did|bought|sent|wrote|took|made|got|went|ran|met|gave)\s+(?P<rest>.+)$"
)
_IRREGULAR = {"paid": "pay", "did": "do", "bought": "buy", "sent": "send", "wrote": "write",
              "took": "take", "made": "make", "got": "get", "went": "go", "ran": "run",
              "met": "meet", "gave": "give"}  # fmt: skip
_REOPEN = re.compile(
    r"^(?:reopen|re-open|uncheck|unmark|restart)\s+(?P<t>.+)$"
    r"|^mark\s+(?P<t2>.+?)\s+(?:as\s+)?(?:not\s+done|undone|open|incomplete|to\s*do)$"
)
_DELETE = re.compile(
    r"^(?:delete|remove|drop|trash|erase|get rid of|bin|cancel|scrap|forget about|discard)\s+"
    r"(?P<t>.+?)(?:\s+from\s+(?:my|the)\s+(?:\w+\s+)?(?:list|tasks))?$"
    r"|^i\s+(?:don'?t|do not|no longer)\s+(?:need|have)\s+to\s+(?P<t2>.+?)(?:\s+any\s*more)?$"
)
_MOVE = re.compile(
    r"^(?:move|postpone|reschedule|push(?:\s+back)?|defer|delay|shift|put\s+off|bump"
    r"|change the due date of|change the date of|set the due date of)\s+(?P<t>.+?)"
    r"(?:\s+(?:to|until|till|for|by|until|on)\s+(?P<when>.+)|\s+back\s+(?P<back>.+))?$"
    r"|^(?P<t2>.+?)\s+is\s+(?:now\s+)?due\s+(?P<when2>.+?)(?:\s+now)?$"
)
# Verbs that move by a day when no date is said; "move it" alone asks when.
_DEFER = ("postpone", "push", "defer", "delay", "put off", "bump")
_SHIFT = re.compile(
    rf"^(?:by\s+)?(?:(?P<n>{NUMBER})\s+)?(?P<unit>minutes?|hours?|days?|weeks?|months?)$"
)
_RENAME = re.compile(
    r"^(?:rename|retitle|call)\s+(?P<t>.+?)\s+(?:to|as|into)\s+(?P<new>.+)$"
    r"|^change\s+(?:the\s+)?(?:title|name)\s+of\s+(?P<t2>.+?)\s+to\s+(?P<new2>.+)$"
)
_LEVEL = rf"(?:{PRIORITY_PHRASE}|high|medium|normal|low|top)"
_PRIORITY = re.compile(
    rf"^(?:set|change)\s+(?:the\s+)?priority\s+(?:of|for|on)\s+(?P<t>.+?)\s+to\s+(?P<p>{_LEVEL})$"
    rf"|^(?:make|set|mark)\s+(?P<t2>.+?)\s+(?:to\s+|as\s+)?(?:a\s+)?(?P<p2>{_LEVEL})(?:[\s-]+priority)?$"
    r"|^(?P<verb>prioriti[sz]e|deprioriti[sz]e)\s+(?P<t3>.+)$"
    rf"|^(?P<t4>.+?)\s+is\s+(?:now\s+)?(?P<p4>{PRIORITY_PHRASE})$"
    r"|^(?P<way>lower|raise|increase|decrease|bump\s+up|reduce)\s+(?:the\s+)?priority\s+(?:of|on|for)\s+(?P<t5>.+)$"
    rf"|^change\s+(?P<t6>.+?)'s\s+priority\s+to\s+(?P<p6>{_LEVEL})$"
)
_TAG = re.compile(
    r"^tag\s+(?P<t>.+?)\s+(?:with|as)\s+(?P<tags>.+)$"
    r"|^tag\s+(?P<t2>.+?)\s+(?P<tags2>(?:#[\w-]+\s*)+)$"
    r"|^add\s+(?:the\s+)?tags?\s+(?P<tags3>.+?)\s+to\s+(?P<t3>.+)$"
    r"|^add\s+(?P<tags4>#[\w-]+(?:\s+#[\w-]+)*)\s+to\s+(?P<t4>.+)$"
)
_UNTAG = re.compile(
    r"^untag\s+(?P<t>.+?)\s+(?P<tags>(?:#[\w-]+\s*)+)$"
    r"|^remove\s+(?:the\s+)?tags?\s+(?P<tags2>.+?)\s+from\s+(?P<t2>.+)$"
    r"|^remove\s+(?:the\s+)?(?P<tags3>#?[\w-]+)\s+tag\s+from\s+(?P<t3>.+)$"
)
_REMINDER = re.compile(
    r"^(?:remind\s+me\s+(?:about|of)|set\s+(?:a\s+)?reminder\s+(?:for|on)|add\s+(?:a\s+)?reminder"
    r"\s+(?:to|for))\s+(?P<t>.+?)\s+(?P<spec>(?:" + NUMBER + r")\s+(?:minutes?|mins?|hours?|days?"
    r"|weeks?)\s+(?:before|early|ahead)|at\s+.+|in\s+.+|tomorrow.*|today.*|tonight.*|on\s+.+"
    r"|next\s+.+)$"
)
_REPEAT = re.compile(
    r"^(?:make|set)\s+(?P<t>.+?)\s+(?:to\s+)?(?:repeat|recur)(?:s|ring)?\s+(?P<spec>.+)$"
    r"|^repeat\s+(?P<t2>.+?)\s+(?P<spec2>(?:every|each|daily|weekly|fortnightly|monthly|yearly"
    r"|annually|on\s+).*)$"
    r"|^(?P<t3>.+?)\s+(?:should\s+)?(?:repeats?|recurs?)\s+(?P<spec3>.+)$"
)
_STOP_REPEAT = re.compile(
    r"^(?:stop\s+repeating|don'?t\s+repeat|make\s+(?P<t2>.+?)\s+not\s+repeat)\s*(?P<t>.*)$"
)


def _clean(text: str) -> str:
    # Whitespace runs become one space: the anchored rules above have adjacent optional
    # spaces (regexploit flags them on a long run of spaces), harmless once no run is longer
    # than one (tests/unit/test_language_cost.py).
    return " ".join(text.strip().strip(_PUNCT).split())


def parse_command(text: str, time_zone: str, now: datetime) -> Command:
    """The intent of one chat message (the original casing is kept for titles)."""
    check_length(text)
    original = _clean(text)
    corrected = correct(original)[0]
    # "tmr" → "tomorrow" lengthens the text; a text already at the cap is read as typed.
    original = corrected if len(corrected) <= MAX_CHARS else original
    polite = _POLITE.match(original.lower())
    if polite and polite.end() < len(original):
        original = original[polite.end() :]
    lower = original.lower()
    for check in (_simple, _edits, _add, _listing):
        command = check(original, lower, time_zone, now)
        if command is not None:
            return command
    parsed = parse_task(original, time_zone, now)
    if any(chip.kind in ("due", "repeat") for chip in parsed.chips) and parsed.title:
        return Command("add", task=parsed)
    return Command("unknown")


_ANSWERS: tuple[tuple[re.Pattern[str], Intent], ...] = (
    (_YES, "confirm"), (_NO, "deny"), (_HELP, "help"), (_UNDO, "undo"),
)  # fmt: skip


def _simple(original: str, lower: str, tz: str, now: datetime) -> Command | None:
    del original, tz, now
    lower = " ".join(lower.replace(",", " ").split())
    if selected := _SELECT.match(lower):
        return Command("select", choice=_position(selected))
    for pattern, intent in _ANSWERS:
        if pattern.match(lower) and len(lower.split()) <= 4:
            return Command(intent)
    return None


def _position(match: re.Match[str]) -> int:
    groups = match.groupdict()
    if groups.get("ord"):
        word = groups["ord"]
        return _ORD_MORE.get(word) or ORDINAL_WORDS.get(word) or int(re.sub(r"\D", "", word))
    return int(groups.get("num") or groups["bare"])


def target_of(words: str) -> Target:
    """Words naming one task, a position, "it", or a group."""
    words = _clean(words)
    lower = words.lower()
    selected = _SELECT.match(lower)
    if selected:
        return Target(position=_position(selected))
    if _IT.match(lower):
        return Target(it=True)
    group = _ALL.match(lower)
    if group:
        return Target(group=filter_of(group.group("rest")))
    words = words.strip("\"“”'")
    return Target(text=re.sub(r"^(?:the\s+)?(?:task\s+)?", "", words, flags=re.IGNORECASE))


def _group(match: re.Match[str], *names: str) -> str | None:
    groups = match.groupdict()
    return next((groups[n] for n in names if groups.get(n)), None)


def _edits(original: str, lower: str, tz: str, now: datetime) -> Command | None:
    """Changes to tasks that exist; matched on the lowercase text, titles from the original."""
    snoozed = _snooze(lower, original, tz, now)
    if snoozed is not None:
        return snoozed
    for pattern, build in _EDIT_RULES:
        match = pattern.match(lower)
        if match is not None:
            command = build(match, original, tz, now)
            if command is not None:
                return command
    return None


def _span(match: re.Match[str], original: str, *names: str) -> str:
    for name in names:
        if match.groupdict().get(name):
            return original[match.start(name) : match.end(name)]
    return ""


def _fallback(original: str, tz: str, now: datetime) -> ParsedTask | None:
    """The message as a new task, when it says more than a name (a date, a priority, …)."""
    added = _add(original, original.lower(), tz, now)
    parsed = added.task if added is not None else parse_task(original, tz, now)
    if parsed is None or not any(chip.kind == "due" for chip in parsed.chips):
        return None
    return parsed if parsed.title else None


_QUESTION = re.compile(r"^(?:what|which|how|have|has|did|do|does|is|are|am|who|when|why)\b")


def _complete(m: re.Match[str], original: str, tz: str, now: datetime) -> Command | None:
    if m.group("t3") and _QUESTION.match(m.group("t3")):
        return None  # "what have I finished?" asks for a list
    target = target_of(_span(m, original, "t", "t2", "t3"))
    if m.group("t3") and target.group is not None:
        return None  # "all done" says the person is finished, not which tasks are
    return Command("complete", target=target, fallback=_fallback(original, tz, now))


def _past(m: re.Match[str], original: str, tz: str, now: datetime) -> Command | None:
    """ "walked the dog" → complete "walk the dog" (only if a task has those words)."""
    verb = m.group("verb")
    base = _IRREGULAR.get(verb) or (verb[:-3] + "y" if verb.endswith("ied") else verb[:-2])
    rest = original[m.start("rest") : m.end("rest")]
    return Command("complete", target=Target(text=f"{base} {rest}", alternatives=(rest,)))


def _reopen(m: re.Match[str], original: str, tz: str, now: datetime) -> Command:
    return Command("reopen", target=target_of(_span(m, original, "t", "t2")))


def _delete(m: re.Match[str], original: str, tz: str, now: datetime) -> Command | None:
    if m.group("t") and re.match(r"^(?:the\s+)?tags?\b", m.group("t")):
        return None  # "remove tag …" is an untag
    target = target_of(_span(m, original, "t", "t2"))
    return Command("delete", target=target, fallback=_fallback(original, tz, now))


def _move(m: re.Match[str], original: str, tz: str, now: datetime) -> Command:
    target = target_of(_span(m, original, "t", "t2"))
    when = _group(m, "when", "when2", "back")
    if when is None:
        if m.group(0).startswith(_DEFER):  # "postpone it": to the next day
            return Command("move", target=target, shift=relativedelta(days=1))
        return Command("move", target=target, notes=["Move it to when? Say a day or a time"])
    shift = _SHIFT.match(when)
    if shift is not None and (shift.group("n") or when.startswith("by") or m.group("back")):
        count = number(shift.group("n")) if shift.group("n") else 1
        unit = shift.group("unit").rstrip("s") + "s"
        amount: dict[str, Any] = {unit: count}  # one of relativedelta's keywords
        return Command("move", target=target, shift=relativedelta(**amount))
    due, keep = when_of(when, tz, now)
    if due is None:
        return Command("move", target=target, notes=[f"I could not read a date in “{when}”"])
    return Command("move", target=target, due=due, keep=keep)


def when_of(
    words: str, tz: str, now: datetime
) -> tuple[datetime | None, Literal["time", "day"] | None]:
    """A new due time, and what of the old one it keeps: a day alone keeps the time of day,
    a time alone keeps the day."""
    phrase = Phrase(words)
    ctx = context(get_zone(tz), now)
    found = take_when(phrase, ctx)
    due = found.resolve(ctx)
    if due is None or (found.day is not None and found.day.exact is not None):
        return due, None
    timed = found.at is not None or (found.day is not None and found.day.at is not None)
    if found.day is None:
        return due, "day"
    return due, None if timed else "time"


def moved_due(due: datetime, keep: str | None, old: datetime | None, zone: str) -> datetime:
    """The due time a move lands on, keeping what the person did not say (see `when_of`)."""
    if old is None or keep is None:
        return due
    tz = get_zone(zone)
    new, before = due.astimezone(tz), old.astimezone(tz)
    if keep == "time":
        local = datetime.combine(new.date(), before.time().replace(tzinfo=None))
    else:
        local = datetime.combine(before.date(), new.time().replace(tzinfo=None))
    return to_utc_lenient(local, tz).astimezone(tz)


def _rename(m: re.Match[str], original: str, tz: str, now: datetime) -> Command:
    target = target_of(_span(m, original, "t", "t2"))
    return Command("rename", target=target, title=_clean(_span(m, original, "new", "new2")))


_PRIORITY_WORDS = {"high": Priority.HIGH, "top": Priority.HIGH, "p1": Priority.HIGH,
                   "medium": Priority.MEDIUM, "normal": Priority.MEDIUM, "p2": Priority.MEDIUM,
                   "low": Priority.LOW, "p3": Priority.LOW}  # fmt: skip
_RAISE = ("raise", "increase", "bump")


def _priority(m: re.Match[str], original: str, tz: str, now: datetime) -> Command:
    verb, way = m.groupdict().get("verb"), m.groupdict().get("way")
    if verb:
        level = Priority.LOW if verb.startswith("de") else Priority.HIGH
    elif way:
        level = Priority.HIGH if way.startswith(_RAISE) else Priority.LOW
    else:
        words = _group(m, "p", "p2", "p4", "p6") or "medium"
        level = _PRIORITY_WORDS.get(words) or level_of(words) or Priority.MEDIUM
    target = target_of(_span(m, original, "t", "t2", "t3", "t4", "t5", "t6"))
    return Command("set_priority", target=target, priority=level)


def _tags(text: str) -> list[str]:
    words = re.findall(r"#?([\w-]{1,40})", text.lower())
    return [w for w in dict.fromkeys(words) if w not in ("and", "tag", "tags", "with")]


def _tag(m: re.Match[str], original: str, tz: str, now: datetime) -> Command:
    target = target_of(_span(m, original, "t", "t2", "t3", "t4"))
    words = _group(m, "tags", "tags2", "tags3", "tags4") or ""
    return Command("add_tags", target=target, tags=_tags(words))


def _untag(m: re.Match[str], original: str, tz: str, now: datetime) -> Command:
    target = target_of(_span(m, original, "t", "t2", "t3"))
    words = _group(m, "tags", "tags2", "tags3") or ""
    return Command("remove_tags", target=target, tags=_tags(words))


def _reminder(m: re.Match[str], original: str, tz: str, now: datetime) -> Command:
    target = target_of(_span(m, original, "t"))
    spec = m.group("spec")
    before = re.match(rf"^(?P<n>{NUMBER})\s+(?P<unit>\w+)\s+", spec)
    if before is not None and spec.split()[-1] in ("before", "early", "ahead"):
        unit = before.group("unit")[0]
        minutes = number(before.group("n")) * {"m": 1, "h": 60, "d": 1440, "w": 10080}[unit]
        return Command(
            "set_reminder", target=target, reminder={"kind": "before", "minutes": minutes}
        )
    due, keep = when_of(spec, tz, now)
    if due is None:
        return Command(
            "set_reminder", target=target, notes=[f"I could not read a time in “{spec}”"]
        )
    reminder = {"kind": "at", "at": due.isoformat()}
    fallback = _fallback(original, tz, now)
    return Command("set_reminder", target=target, reminder=reminder, keep=keep, fallback=fallback)


def _snooze(lower: str, original: str, tz: str, now: datetime) -> Command | None:
    found = snooze.match(lower, original)
    if found is None:
        return None
    target = target_of(found.target) if found.target else Target(it=True)
    until = snooze.duration(found.when, now)
    if until is None and found.when is not None:
        words = f"at {found.when}" if found.when.isdigit() else found.when
        until = parse_task(words, tz, now).due
    if until is None:
        return Command(
            "snooze", target=target, notes=[f"I could not read a time in “{found.when}”"]
        )
    return Command("snooze", target=target, due=until.astimezone(get_zone(tz)))


def _repeat(m: re.Match[str], original: str, tz: str, now: datetime) -> Command | None:
    spec = _group(m, "spec", "spec2", "spec3") or ""
    phrase = Phrase(spec)
    repeat = take_repeat(phrase, context(get_zone(tz), now))
    if repeat is None:
        return None
    target = target_of(_span(m, original, "t", "t2", "t3"))
    return Command("set_recurrence", target=target, recurrence=repeat.rrule)


def _stop_repeat(m: re.Match[str], original: str, tz: str, now: datetime) -> Command | None:
    words = _span(m, original, "t2", "t")
    return Command("set_recurrence", target=target_of(words), recurrence="") if words else None


_EDIT_RULES = [
    (_STOP_REPEAT, _stop_repeat),
    (_REMINDER, _reminder),
    (_UNTAG, _untag),
    (_TAG, _tag),
    (_REOPEN, _reopen),
    (_COMPLETE, _complete),
    (_DELETE, _delete),
    (_RENAME, _rename),
    (_PRIORITY, _priority),
    (_REPEAT, _repeat),
    (_MOVE, _move),
    (_PAST, _past),
]


def _add(original: str, lower: str, tz: str, now: datetime) -> Command | None:
    if _REMIND_ADD.match(lower):
        return Command("add", task=parse_task(original, tz, now))
    match = _ADD.match(lower)
    if match is None:
        return None
    rest = original[match.start("rest") : match.end("rest")]
    return Command("add", task=parse_task(rest, tz, now))


_ABOUT_TASKS = re.compile(
    r"\b(?:tasks?|todos?|to-dos?|list|due|overdue|late|today|tonight|tomorrow|week|priority"
    r"|done|completed|finished|open|left|pending|agenda|p[1-3]|next|urgent|important|coming up"
    r"|plate|behind|forgot|things|anything|get done)\b|#"
)


def _listing(original: str, lower: str, tz: str, now: datetime) -> Command | None:
    if not _LIST.match(lower):
        return None
    if lower.startswith(("what", "which", "any", "tell me")) and not _ABOUT_TASKS.search(lower):
        return None  # "what is the meaning of life" is not a question about the list
    return Command("list", filter=filter_of(lower))


_FILTER_DUE: list[tuple[re.Pattern[str], DueFilter]] = [
    (re.compile(r"\boverdue|late|past due|behind|forgot|forget|missed\b"), "overdue"),
    (re.compile(r"\btomorrow\b"), "tomorrow"),
    (re.compile(r"\btoday|tonight\b"), "today"),
    (re.compile(r"\b(?:this|the)\s+week|next\s+7\s+days|coming\s+week\b"), "week"),
    (re.compile(r"\b(?:no|without(?:\s+a)?)\s+(?:due\s+)?date\b"), "none"),
]


_NOT_TAGS = (
    r"(?!(?:today|tonight|tomorrow|this|next|the|me|now|later|open|done|all|overdue|high"
    r"|low|medium|completed|finished|remaining|pending|upcoming|current|other|own)\b)"
)
_FILTER_TAG = re.compile(
    r"#([\w-]{1,40})|\btagged\s+(?:with\s+)?([\w-]{1,40})"
    rf"|\bmy\s+{_NOT_TAGS}([\w-]{{1,40}})\s+(?:list|tasks|todos)\b|\bfor\s+{_NOT_TAGS}([a-z][\w-]{{0,39}})$"
)


def filter_of(text: str) -> ListFilter:
    """ "overdue tasks tagged #work", "high priority", "done tasks" → a ListFilter."""
    text = text.lower()
    due = next((value for pattern, value in _FILTER_DUE if pattern.search(text)), None)
    tag_match = _FILTER_TAG.search(text)
    tag = next((g for g in tag_match.groups() if g), None) if tag_match else None
    level = re.search(PRIORITY_IN_LINE, text)
    priority = level_of(level.group()) if level else None
    status: Status | None = Status.OPEN
    if re.search(r"\b(?:done|completed|finished|get done|got done)\b", text):
        status = Status.DONE
    elif re.search(r"\beverything\b|\ball\s+(?:my\s+)?tasks\b.*\b(?:including|and)\s+done", text):
        status = None
    return ListFilter(due=due, tag=tag, priority=priority, status=status)


def shift_due(due: datetime, shift: relativedelta) -> datetime:
    return due + shift if shift else due + timedelta(days=1)
