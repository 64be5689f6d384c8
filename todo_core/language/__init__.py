"""The natural-language parser shared by the assistant and the task list's quick add.

Text in the user's time zone, with the current time passed in (never the server's clock):

    parse_task("call mom tomorrow at 5pm p1 #family", "Europe/Berlin", now)
        → ParsedTask(title="call mom", due=…17:00+01:00, priority=high, tags=["family"], …)
    parse_command("move the second one to friday", …) → Command(intent="move", …)

`dates` resolves dates and times (a first pass of our own, then `dateparser`),
`recurrence` turns "every …" phrases into RRULEs that todo_core.recurrence understands,
`task_phrase` pulls a task's slots out of a phrase, `intents` finds what a chat message asks.
"""

from todo_core.language.intents import Command, parse_command
from todo_core.language.task_phrase import Chip, ParsedTask, parse_task
from todo_core.language.text import MAX_CHARS, TextTooLong

__all__ = [
    "MAX_CHARS",
    "Chip",
    "Command",
    "ParsedTask",
    "TextTooLong",
    "parse_command",
    "parse_task",
]
