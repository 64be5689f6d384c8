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

from todo_core.language.dates import context
from todo_core.language.recurrence import take_repeat
from todo_core.language.spelling import correct
from todo_core.language.task_phrase import ParsedTask, parse_task
from todo_core.language.text import MAX_CHARS, Phrase, check_length
from todo_core.language.words import NUMBER, ORDINAL_WORDS, number
from todo_core.models import Priority, Status
from todo_core.timezones import get_zone

Intent = Literal[
    "add", "list", "complete", "reopen", "delete", "move", "rename", "set_priority",
    "add_tags", "remove_tags", "set_reminder", "set_recurrence", "undo", "help", "confirm",
    "deny", "select", "unknown",
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


_PUNCT = " .!?,;"
_YES = re.compile(
    r"^(?:yes|y|yeah|yep|yup|sure|ok|okay|confirm|do it|go ahead|please do)"
    r"(?:\s+(?:please|thanks|thank you|do it|go ahead|delete it|sure))?$"
)
_NO = re.compile(
    r"^(?:no|n|nope|nah|cancel|stop|don'?t|never\s*mind|abort|keep it)"
    r"(?:\s+(?:thanks|thank you|don'?t|keep it|cancel|wait))?$"
)
_HELP = re.compile(r"^(?:help|\?|what can you do|how does (?:this|it) work|commands|hi|hello)\b")
_UNDO = re.compile(r"^(?:undo|revert)(?:\s+(?:that|it|the last change|last change))?$")
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
    r"^(?:please\s+)?(?:add|create|new|todo|to-do|remember to|put|note)\b\s*:?\s*"
    r"(?:(?:a\s+)?(?:new\s+)?(?:task|todo|to-do|item|reminder)\b\s*:?\s*(?:to\s+|called\s+|named\s+)?)?"
    r"(?P<rest>.+?)(?:\s+(?:to|on)\s+(?:my|the)\s+(?:list|tasks|todo list|to-do list))?$"
)
_REMIND_ADD = re.compile(r"^(?:please\s+)?remind\s+me\s+(?!about\b|of\b)")
_LIST = re.compile(
    r"^(?:list|show|display|view|what|what's|whats|which|any|anything|do i have|give me|tell me|"
    r"my tasks|my todos|tasks|agenda)\b"
)
_COMPLETE = re.compile(
    r"^(?:complete|finish|finished|done(?:\s+with)?|check\s+off|tick\s+off|cross\s+off|"
    r"i\s+(?:have\s+|'ve\s+)?(?:finished|completed|done|did))\s+(?P<t>.+?)"
    r"(?:\s+(?:as\s+)?(?:done|complete|completed|finished))?$"
    r"|^mark\s+(?P<t2>.+?)\s+(?:as\s+)?(?:done|complete|completed|finished)$"
    r"|^(?P<t3>.+?)\s+is\s+(?:done|finished|complete|completed)$"
)
_REOPEN = re.compile(
    r"^(?:reopen|re-open|uncheck|unmark|restart)\s+(?P<t>.+)$"
    r"|^mark\s+(?P<t2>.+?)\s+(?:as\s+)?(?:not\s+done|undone|open|incomplete|to\s*do)$"
)
_DELETE = re.compile(r"^(?:delete|remove|drop|trash|erase|get rid of|bin)\s+(?P<t>.+)$")
_MOVE = re.compile(
    r"^(?:move|postpone|reschedule|push(?:\s+back)?|defer|snooze|delay|shift|change the due date of"
    r"|change the date of|set the due date of)\s+(?P<t>.+?)"
    r"(?:\s+(?:to|until|till|for|by|until|on)\s+(?P<when>.+))?$"
)
_SHIFT = re.compile(
    rf"^(?:by\s+)?(?:(?P<n>{NUMBER})\s+)?(?P<unit>minutes?|hours?|days?|weeks?|months?)$"
)
_RENAME = re.compile(
    r"^(?:rename|retitle|call)\s+(?P<t>.+?)\s+(?:to|as|into)\s+(?P<new>.+)$"
    r"|^change\s+(?:the\s+)?(?:title|name)\s+of\s+(?P<t2>.+?)\s+to\s+(?P<new2>.+)$"
)
_PRIORITY = re.compile(
    r"^(?:set|change)\s+(?:the\s+)?priority\s+(?:of|for|on)\s+(?P<t>.+?)\s+to\s+(?P<p>high|medium|"
    r"normal|low|p[1-3])$"
    r"|^make\s+(?P<t2>.+?)\s+(?:a\s+)?(?P<p2>high|medium|normal|low|top|p[1-3])(?:[\s-]+priority)?$"
    r"|^(?P<verb>prioriti[sz]e|deprioriti[sz]e)\s+(?P<t3>.+)$"
)
_TAG = re.compile(
    r"^tag\s+(?P<t>.+?)\s+(?:with|as)\s+(?P<tags>.+)$"
    r"|^tag\s+(?P<t2>.+?)\s+(?P<tags2>(?:#[\w-]+\s*)+)$"
    r"|^add\s+(?:the\s+)?tags?\s+(?P<tags3>.+?)\s+to\s+(?P<t3>.+)$"
)
_UNTAG = re.compile(
    r"^untag\s+(?P<t>.+?)\s+(?P<tags>(?:#[\w-]+\s*)+)$"
    r"|^remove\s+(?:the\s+)?tags?\s+(?P<tags2>.+?)\s+from\s+(?P<t2>.+)$"
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
    lower = original.lower()
    for check in (_simple, _edits, _add, _listing):
        command = check(original, lower, time_zone, now)
        if command is not None:
            return command
    parsed = parse_task(original, time_zone, now)
    if any(chip.kind in ("due", "repeat") for chip in parsed.chips) and parsed.title:
        return Command("add", task=parsed)
    return Command("unknown")


def _simple(original: str, lower: str, tz: str, now: datetime) -> Command | None:
    del original, tz, now
    if _SELECT.match(lower):
        return Command("select", choice=_position(_SELECT.match(lower)))  # type: ignore[arg-type]
    for pattern, intent in ((_YES, "confirm"), (_NO, "deny"), (_HELP, "help"), (_UNDO, "undo")):
        if pattern.match(lower) and len(lower.split()) <= 4:
            return Command(intent)  # type: ignore[arg-type]
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
    return Target(text=re.sub(r"^(?:the\s+)?(?:task\s+)?", "", words, flags=re.IGNORECASE))


def _group(match: re.Match[str], *names: str) -> str | None:
    groups = match.groupdict()
    return next((groups[n] for n in names if groups.get(n)), None)


def _edits(original: str, lower: str, tz: str, now: datetime) -> Command | None:
    """Changes to tasks that exist; matched on the lowercase text, titles from the original."""
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


def _complete(m: re.Match[str], original: str, tz: str, now: datetime) -> Command:
    return Command("complete", target=target_of(_span(m, original, "t", "t2", "t3")))


def _reopen(m: re.Match[str], original: str, tz: str, now: datetime) -> Command:
    return Command("reopen", target=target_of(_span(m, original, "t", "t2")))


def _delete(m: re.Match[str], original: str, tz: str, now: datetime) -> Command | None:
    if re.match(r"^(?:the\s+)?tags?\b", m.group("t")):
        return None  # "remove tag …" is an untag
    return Command("delete", target=target_of(_span(m, original, "t")))


def _move(m: re.Match[str], original: str, tz: str, now: datetime) -> Command:
    target = target_of(_span(m, original, "t"))
    when = m.group("when")
    if when is None:
        return Command("move", target=target, shift=relativedelta(days=1))
    shift = _SHIFT.match(when)
    if shift is not None and (shift.group("n") or when.startswith("by")):
        count = number(shift.group("n")) if shift.group("n") else 1
        unit = shift.group("unit").rstrip("s") + "s"
        return Command("move", target=target, shift=relativedelta(**{unit: count}))
    parsed = parse_task(when, tz, now)
    if parsed.due is None:
        return Command("move", target=target, notes=[f"I could not read a date in “{when}”"])
    return Command("move", target=target, due=parsed.due)


def _rename(m: re.Match[str], original: str, tz: str, now: datetime) -> Command:
    target = target_of(_span(m, original, "t", "t2"))
    return Command("rename", target=target, title=_clean(_span(m, original, "new", "new2")))


_PRIORITY_WORDS = {"high": Priority.HIGH, "top": Priority.HIGH, "p1": Priority.HIGH,
                   "medium": Priority.MEDIUM, "normal": Priority.MEDIUM, "p2": Priority.MEDIUM,
                   "low": Priority.LOW, "p3": Priority.LOW}  # fmt: skip


def _priority(m: re.Match[str], original: str, tz: str, now: datetime) -> Command:
    verb = m.groupdict().get("verb")
    if verb:
        level = Priority.LOW if verb.startswith("de") else Priority.HIGH
    else:
        level = _PRIORITY_WORDS[_group(m, "p", "p2") or "medium"]
    target = target_of(_span(m, original, "t", "t2", "t3"))
    return Command("set_priority", target=target, priority=level)


def _tags(text: str) -> list[str]:
    words = re.findall(r"#?([\w-]{1,40})", text.lower())
    return [w for w in dict.fromkeys(words) if w not in ("and", "tag", "tags", "with")]


def _tag(m: re.Match[str], original: str, tz: str, now: datetime) -> Command:
    target = target_of(_span(m, original, "t", "t2", "t3"))
    return Command("add_tags", target=target, tags=_tags(_group(m, "tags", "tags2", "tags3") or ""))


def _untag(m: re.Match[str], original: str, tz: str, now: datetime) -> Command:
    target = target_of(_span(m, original, "t", "t2"))
    return Command("remove_tags", target=target, tags=_tags(_group(m, "tags", "tags2") or ""))


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
    parsed = parse_task(spec, tz, now)
    if parsed.due is None:
        return Command(
            "set_reminder", target=target, notes=[f"I could not read a time in “{spec}”"]
        )
    return Command(
        "set_reminder", target=target, reminder={"kind": "at", "at": parsed.due.isoformat()}
    )


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
    r"|done|completed|finished|open|left|pending|agenda|p[1-3])\b|#"
)


def _listing(original: str, lower: str, tz: str, now: datetime) -> Command | None:
    if not _LIST.match(lower):
        return None
    if lower.startswith(("what", "which", "any", "tell me")) and not _ABOUT_TASKS.search(lower):
        return None  # "what is the meaning of life" is not a question about the list
    return Command("list", filter=filter_of(lower))


_FILTER_DUE = [
    (re.compile(r"\boverdue|late|past due\b"), "overdue"),
    (re.compile(r"\btomorrow\b"), "tomorrow"),
    (re.compile(r"\btoday|tonight\b"), "today"),
    (re.compile(r"\b(?:this|the)\s+week|next\s+7\s+days|coming\s+week\b"), "week"),
    (re.compile(r"\b(?:no|without(?:\s+a)?)\s+(?:due\s+)?date\b"), "none"),
]


def filter_of(text: str) -> ListFilter:
    """ "overdue tasks tagged #work", "high priority", "done tasks" → a ListFilter."""
    text = text.lower()
    due = next((value for pattern, value in _FILTER_DUE if pattern.search(text)), None)
    tag_match = re.search(r"#([\w-]{1,40})|\btagged\s+(?:with\s+)?([\w-]{1,40})", text)
    tag = (tag_match.group(1) or tag_match.group(2)) if tag_match else None
    level = re.search(r"\b(high|medium|low|top)[\s-]+priority|\b(p[1-3])\b", text)
    priority = _PRIORITY_WORDS[level.group(1) or level.group(2)] if level else None
    status: Status | None = Status.OPEN
    if re.search(r"\b(?:done|completed|finished)\b", text):
        status = Status.DONE
    elif re.search(r"\beverything\b|\ball\s+(?:my\s+)?tasks\b.*\b(?:including|and)\s+done", text):
        status = None
    return ListFilter(due=due, tag=tag, priority=priority, status=status)  # type: ignore[arg-type]


def shift_due(due: datetime, shift: relativedelta) -> datetime:
    return due + shift if shift else due + timedelta(days=1)
