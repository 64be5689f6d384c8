"""Which task(s) a command means, from the names the user has, the last list shown and the
task last talked about: pure logic, shared by the engine and the phrase corpus.

One id acts; several ask with numbered choices; none changes nothing (`reason` says why).
Groups ("all overdue tasks") are a database query and stay in the engine.
"""

from dataclasses import dataclass, field
from uuid import UUID

from todo_core.language import Command, ParsedTask
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
    found = candidates(words, names, _PREFER.get(command.intent, Status.OPEN))
    if not found:
        return Resolution(reason=f"I couldn't find a task called “{words}”; nothing changed.")
    return Resolution(ids=[n.id for n in found])
