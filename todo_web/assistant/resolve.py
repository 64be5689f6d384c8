"""Which task(s) a command means, from the names the user has, the last list shown and the
task last talked about: pure logic, shared by the engine and the phrase corpus.

One id acts; several ask with numbered choices; none changes nothing (`reason` says why).
Groups ("all overdue tasks") are a database query and stay in the engine.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from todo_core.language import Command, ParsedTask, parse_task
from todo_core.language.intents import Target
from todo_core.models import Status
from todo_core.repositories.tasks import TaskName
from todo_web.assistant.matching import candidates

_PREFER = {"reopen": Status.DONE}


@dataclass
class Resolution:
    ids: list[UUID] = field(default_factory=list)
    reason: str | None = None  # why nothing matched, in words for the reply
    add: ParsedTask | None = None  # the message was a new task after all


def resolve_words(
    command: Command, names: list[TaskName], last_list: list[str], last_task: str | None
) -> Resolution:
    target = command.target or Target()
    if target.position is not None:
        if not last_list:
            return Resolution(reason="I haven't shown you a list yet; try “show my tasks”.")
        index = target.position - 1 if target.position > 0 else len(last_list) + target.position
        if not 0 <= index < len(last_list):
            return Resolution(
                reason=f"The last list had {len(last_list)} task(s); "
                f"there is no number {target.position}."
            )
        return Resolution(ids=[UUID(last_list[index])])
    if target.it:
        if last_task is None:
            return Resolution(reason="Which task do you mean?")
        return Resolution(ids=[UUID(last_task)])
    words = target.text or ""
    prefer = _PREFER.get(command.intent, Status.OPEN)
    for reading in _readings(words, target.alternatives):
        found = candidates(reading, names, prefer)
        if found:
            return Resolution(ids=[n.id for n in found])
    if command.fallback is not None:
        # "finish the slides by Monday" with no task called "slides": a new task.
        return Resolution(add=command.fallback)
    return Resolution(reason=f"I couldn't find a task called “{words}”; nothing changed.")


_ANY_ZONE, _ANY_NOW = "UTC", datetime(2000, 1, 1, tzinfo=UTC)


def _readings(words: str, alternatives: tuple[str, ...]) -> list[str]:
    """The words as said, other readings, then without a date ("the report by friday")."""
    return list(dict.fromkeys(w for w in (words, *alternatives, _without_date(words)) if w))


_DANGLING = re.compile(r"\s+(?:by|on|at|due|for|before|until)$", re.IGNORECASE)


def _without_date(words: str) -> str:
    """The words minus the date or time in them (only that: "quarterly" stays a word)."""
    if not words:
        return ""
    parsed = parse_task(words, _ANY_ZONE, _ANY_NOW)
    spans = sorted(span for chip in parsed.chips if chip.kind == "due" for span in chip.spans)
    if not spans:
        return ""
    kept, last = [], 0
    for start, end in spans:
        kept.append(words[last:start])
        last = max(last, end)
    kept.append(words[last:])
    return _DANGLING.sub("", " ".join("".join(kept).split()))
