"""Quick add's reading of the box, and its chips: what the parser recognised, and taking one
back.

A chip is removed by quoting its words in the box, which the parser keeps in the title
("pay rent "every 1st"" is a task called "pay rent every 1st" that does not repeat).

In Today, a task typed without a date is due today, as in Todoist and TickTick (else it would
vanish from the view it was added in): read as if the box ended with "today", so the time is
the parser's for "today" (09:00, or the end of the day once 09:00 has passed). Its chip has no
words in the box, so it has no ×: adding the task in another view leaves it without a date.
"""

from dataclasses import dataclass

from todo_core.language import Chip, ParsedTask, parse_task
from todo_core.models import utcnow
from todo_web.states.navigation import TODAY

# The box's own max_length; the server checks it again, since the preview parses the text on
# every keystroke and anyone can send a longer one over the websocket.
QUICK_ADD_MAX = 500
TOO_LONG = f"Quick add takes up to {QUICK_ADD_MAX} characters."

ICONS = {
    "due": "calendar",
    "repeat": "repeat",
    "priority": "flag",
    "tag": "tag",
    "reminder": "bell",
}


@dataclass
class ChipView:
    kind: str = ""
    label: str = ""  # what was understood
    words: str = ""  # what was typed
    icon: str = "calendar"


def parse_quick(text: str, time_zone: str, view: str) -> ParsedTask:
    """The task quick add makes of `text` in `view` (the browser's current view)."""
    now = utcnow()
    parsed = parse_task(text, time_zone, now)
    if view != TODAY or parsed.due is not None or not text.strip():
        return parsed
    today = parse_task(f"{text} today", time_zone, now)
    if today.title == parsed.title:  # "remind me to call the bank": its reminder too
        return today
    # The last words took "today" with them ("report due", "every"): the title as typed.
    parsed.due = due = parse_task("today", time_zone, now).due
    if due is not None:
        parsed.chips.append(Chip("due", f"{due:%a %-d %b %Y %H:%M}", ()))
    return parsed


def quick_chips(text: str, time_zone: str, view: str = "") -> list[ChipView]:
    if not text.strip() or len(text) > QUICK_ADD_MAX:
        return []
    parsed = parse_quick(text, time_zone, view)
    return [ChipView(c.kind, c.label, c.words(text), ICONS[c.kind]) for c in parsed.chips]


def unchip(text: str, time_zone: str, index: int) -> str:
    """The text with the words of chip `index` quoted."""
    if len(text) > QUICK_ADD_MAX:
        return text
    chips = parse_task(text, time_zone, utcnow()).chips
    if not 0 <= index < len(chips):
        return text
    for start, end in sorted(chips[index].spans, reverse=True):
        if '"' not in text[start:end]:
            text = f'{text[:start]}"{text[start:end]}"{text[end:]}'
    return text
