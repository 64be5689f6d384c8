"""The assistant's intents as tools for a language model.

Each tool call becomes one plain-language command that the embedded parser reads, and the
engine carries out as if the user had typed it: the same confirmations, questions and
repositories. The user is never a tool argument (the engine is bound to the signed-in user),
and dates and repetitions are passed as phrases that our parser resolves in the user's zone.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_TASK = {"type": "string", "description": "the task's title, or 'the second one', or 'it'"}
_WHEN = {"type": "string", "description": "a date phrase, e.g. 'tomorrow at 5pm', 'next Monday'"}
_REPEAT = {"type": "string", "description": "e.g. 'every weekday', 'every other Tuesday'"}
_PRIORITY = {"type": "string", "enum": ["high", "medium", "low"]}
_FILTERS = "e.g. 'due today', 'overdue', '#work', 'high priority', 'done'"
_TAGS = {"type": "array", "items": {"type": "string"}}


class BadArguments(ValueError):
    """The model's arguments are not a JSON object of the tool's parameters."""


def _words(value: Any) -> str:
    # Quotes delimit literal words for our parser; a stray one in an argument would not.
    return " ".join(str(value).replace('"', "").split())


def _add(a: dict[str, Any]) -> str:
    parts = [f'add "{_words(a["title"])}"', _words(a.get("when", ""))]
    parts.append(_words(a.get("repeat", "")))
    if a.get("priority"):
        parts.append(f"{_words(a['priority'])} priority")
    parts += [f"#{_words(t).replace(' ', '-')}" for t in a.get("tags") or []]
    reminder = _words(a.get("reminder", ""))
    if reminder:
        parts.append("with a reminder" if reminder == "at due" else f"remind me {reminder}")
    return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    required: tuple[str, ...]
    phrase: Callable[[dict[str, Any]], str]

    def schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": self.parameters,
            "required": list(self.required),
            "additionalProperties": False,
        }

    def command(self, arguments: str) -> str:
        """The command the call stands for; BadArguments when they do not fit."""
        try:
            values = json.loads(arguments or "{}")
        except json.JSONDecodeError as exc:
            raise BadArguments(f"arguments are not JSON: {exc.msg}") from exc
        if not isinstance(values, dict):
            raise BadArguments("arguments must be a JSON object")
        unknown = set(values) - set(self.parameters)
        missing = [name for name in self.required if not values.get(name)]
        if unknown or missing:
            raise BadArguments(f"unknown {sorted(unknown)}, missing {missing}")
        return self.phrase(values)


TOOLS = [
    Tool(
        "add_task",
        "Add a task.",
        {"title": {"type": "string"}, "when": _WHEN, "repeat": _REPEAT, "priority": _PRIORITY,
         "tags": _TAGS,
         "reminder": {"type": "string", "description": "'at due' or e.g. '30 minutes before'"}},
        ("title",),
        _add,
    ),
    Tool(
        "list_tasks",
        "List tasks, optionally filtered.",
        {"filter": {"type": "string", "description": _FILTERS}},
        (),
        lambda a: f"show {_words(a.get('filter', ''))} tasks".replace("  ", " "),
    ),
    Tool("complete_task", "Mark a task done.", {"task": _TASK}, ("task",),
         lambda a: f"complete {_words(a['task'])}"),
    Tool("reopen_task", "Mark a done task open again.", {"task": _TASK}, ("task",),
         lambda a: f"reopen {_words(a['task'])}"),
    Tool("delete_task", "Delete a task (the user is asked to confirm).", {"task": _TASK},
         ("task",), lambda a: f"delete {_words(a['task'])}"),
    Tool("move_task", "Change a task's due date.", {"task": _TASK, "when": _WHEN},
         ("task", "when"), lambda a: f"move {_words(a['task'])} to {_words(a['when'])}"),
    Tool("rename_task", "Rename a task.", {"task": _TASK, "new_title": {"type": "string"}},
         ("task", "new_title"),
         lambda a: f"rename {_words(a['task'])} to {_words(a['new_title'])}"),
    Tool("set_priority", "Set a task's priority.", {"task": _TASK, "priority": _PRIORITY},
         ("task", "priority"),
         lambda a: f"set priority of {_words(a['task'])} to {_words(a['priority'])}"),
    Tool("tag_task", "Add tags to a task.", {"task": _TASK, "tags": _TAGS}, ("task", "tags"),
         lambda a: f"tag {_words(a['task'])} with "
         + " ".join(f"#{_words(t).replace(' ', '-')}" for t in a["tags"])),
    Tool("set_reminder", "Set a task's reminder.",
         {"task": _TASK, "when": {"type": "string",
                                  "description": "e.g. '30 minutes before', 'at 4pm tomorrow'"}},
         ("task", "when"), lambda a: f"remind me about {_words(a['task'])} {_words(a['when'])}"),
    Tool("snooze_reminder", "Snooze a task's reminder: by a duration or to a time.",
         {"task": _TASK, "when": {"type": "string",
                                  "description": "e.g. 'for 30 minutes', 'until 5pm'"}},
         ("task",), lambda a: f"snooze {_words(a['task'])} {_words(a.get('when', ''))}".strip()),
    Tool("set_repeat", "Make a task repeat.", {"task": _TASK, "repeat": _REPEAT},
         ("task", "repeat"), lambda a: f"make {_words(a['task'])} repeat {_words(a['repeat'])}"),
    Tool("undo", "Take back the last change.", {}, (), lambda a: "undo"),
    Tool("answer", "Answer the assistant's pending question.",
         {"answer": {"type": "string", "description": "'yes', 'no', or a number"}},
         ("answer",), lambda a: _words(a["answer"])),
]  # fmt: skip
BY_NAME = {tool.name: tool for tool in TOOLS}
