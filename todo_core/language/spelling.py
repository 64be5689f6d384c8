"""Typos within one edit of a keyword ("tomorow", "firday", "hihg priority") → the keyword,
before any rule runs. Only words the rules read are corrected, and only when the slip is
unambiguous: a word of five letters or more within one edit (insert, delete, substitute or
swap two neighbours) of exactly one keyword, or a four-letter word with two neighbours
swapped ("jnue") or a letter left out of a longer keyword ("weks"). Real words that sit one
edit from a keyword ("match" / "march", "sundae" / "sunday", "ever" / "every") are never
touched; nor are words inside quotes.

`correct` returns the corrected text and, for each of its characters, the position in the
original it came from, so what the parser recognised can be shown on the words typed.
"""

import re
from functools import lru_cache

from rapidfuzz.distance import OSA

from todo_core.language.words import MONTH_WORDS, WEEKDAY_FULL_NAMES

# What the rules read. A row per word: adding a keyword is adding it here.
KEYWORDS = frozenset(
    {
        *WEEKDAY_FULL_NAMES,
        *(name + "s" for name in WEEKDAY_FULL_NAMES),
        *(name for name in MONTH_WORDS if len(name) >= 4),
        "today", "tonight", "tomorrow", "yesterday", "morning", "afternoon", "evening",
        "every", "weekday", "weekdays", "weekend", "weekends", "week", "weeks", "month",
        "months", "minutes", "hours", "days", "day", "daily", "weekly", "monthly", "yearly", "next",
        "priority", "urgent", "important", "remind", "reminder", "before",
        "complete", "completed", "delete", "remove", "reschedule", "postpone", "rename",
        "snooze", "overdue", "tasks", "show", "move", "high", "medium",
    }
)  # fmt: skip
# Slang and run-together spellings people type for a keyword phrase.
ALIASES = {
    "tonite": "tonight", "tmrw": "tomorrow", "tmr": "tomorrow", "2moro": "tomorrow",
    "2morrow": "tomorrow", "nxt": "next", "everyday": "every day", "evry": "every",
    "wknd": "weekend", "mins": "minutes", "hrs": "hours", "prio": "priority", "dya": "day",
}  # fmt: skip
# Real words one edit away from a keyword: they mean themselves.
REAL_WORDS = frozenset(
    "match marsh sundae sundry ever even mode more mover remote remover monthy tusks masks "
    "weeds shot shoe snooker deleted removed task hour movie moved hight very ours moth".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")


@lru_cache(maxsize=8192)
def keyword_for(word: str) -> str | None:
    """The keyword a typed word stands for, or None when it is not a clear slip of one."""
    lower = word.lower()
    if lower in ALIASES:
        return ALIASES[lower]
    if lower in KEYWORDS or lower in REAL_WORDS or len(lower) < 4:
        return None
    limit = 1
    near = [k for k in KEYWORDS if abs(len(k) - len(lower)) <= limit]
    near = [k for k in near if OSA.distance(lower, k, score_cutoff=limit) <= limit]
    if len(lower) == 4:  # short words: two neighbours swapped, or a letter left out
        near = [k for k in near if sorted(k) == sorted(lower) or len(k) == 5]
    return near[0] if len(near) == 1 else None


def correct(text: str) -> tuple[str, list[int]]:
    """(text with keyword typos corrected, source index of each character)."""
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    pieces: list[str] = []
    sources: list[int] = []
    last = 0
    for match in _WORD.finditer(text):
        start, end = match.span()
        if any(a <= start < b for a, b in quoted):
            continue
        fixed = keyword_for(match.group())
        if fixed is None:
            continue
        pieces.append(text[last:start])
        sources.extend(range(last, start))
        pieces.append(fixed)
        # The corrected word's characters all point into the typed word.
        sources.extend(min(start + i, end - 1) for i in range(len(fixed)))
        last = end
    pieces.append(text[last:])
    sources.extend(range(last, len(text)))
    return "".join(pieces), sources
