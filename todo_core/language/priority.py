"""Priority words, the way people and other apps write them: a row per phrase.

Todoist's p1–p4, TickTick's "!high", Apple Reminders' "!!!", and plain words ("urgent",
"high priority", "asap", "no rush"). p4 is Todoist's "no priority": the lowest we have.
"""

import re

from todo_core.models import Priority

HIGH, MEDIUM, LOW = Priority.HIGH, Priority.MEDIUM, Priority.LOW
_LEVEL = {"high": HIGH, "top": HIGH, "1": HIGH, "medium": MEDIUM, "normal": MEDIUM, "2": MEDIUM,
          "low": LOW, "3": LOW, "4": LOW}  # fmt: skip
# (phrase as a regex fragment, its priority); spaces stand for any run of whitespace.
ROWS: list[tuple[str, Priority]] = [
    ("p1", HIGH), ("p2", MEDIUM), ("p3", LOW), ("p4", LOW),
    ("!!1", HIGH), ("!!2", MEDIUM), ("!!3", LOW), ("!1", HIGH), ("!2", MEDIUM), ("!3", LOW),
    ("!high", HIGH), ("!medium", MEDIUM), ("!low", LOW), ("!!!", HIGH), ("!!", MEDIUM),
    ("urgent", HIGH), ("urgently", HIGH), ("asap", HIGH), ("important", HIGH),
    ("very important", HIGH), ("super important", HIGH), ("critical", HIGH),
    ("not urgent", LOW), ("no rush", LOW), ("not important", LOW),
] + [
    (f"{pre}{word}{post}", level)
    for word, level in _LEVEL.items()
    if not word.isdigit()
    for pre, post in (("", " priority"), ("", "-priority"), ("", " prio"))
] + [
    (f"priority{sep}{word}", level)
    for word, level in _LEVEL.items()
    for sep in (" ", ": ", ":")
]  # fmt: skip


def _fragment(phrase: str) -> str:
    return r"\s+".join(re.escape(word) for word in phrase.split(" "))


# Longest first, so "!!!" is not read as "!!" and "not urgent" not as "urgent".
_ALTERNATIVES = "|".join(_fragment(p) for p, _ in sorted(ROWS, key=lambda r: -len(r[0])))
PHRASE = rf"(?:{_ALTERNATIVES})"
# In a task line: maybe "with"/"at" before it, any "!" after it ("urgent!!").
IN_LINE = re.compile(rf"(?<![\w!#-])(?:(?:with|at)\s+)?(?P<p>{PHRASE})!*(?![\w-])")
_LOOKUP = {" ".join(p.split()): level for p, level in ROWS}


def level_of(words: str) -> Priority | None:
    """The priority a matched phrase names ("with High  Priority" → high, "urgent!!" → high)."""
    key = re.sub(r"^(?:with|at) ", "", " ".join(words.lower().split()))
    return _LOOKUP.get(key) or _LOOKUP.get(key.rstrip("!"))
