"""A phrase being taken apart: what is still free text, and what has been recognised.

Positions always refer to the original text. Quoted fragments ("monthly report") are
masked before any rule runs, so nothing inside quotes is ever taken for a date, a tag or
a priority; the quotes themselves are dropped from the title.
"""

import re
from dataclasses import dataclass, field

from todo_core.language.spelling import correct

_QUOTED = re.compile(r"\"([^\"]*)\"|“([^”]*)”|'([^']*)'(?!\w)")
_MASK = "\x01"
_CONNECTORS = {"at", "on", "by", "due", "in", "from", "and", "for", "to", "with", "every"}
# The longest text the parser reads: a chat message's limit. Every rule is linear or close to
# it (tests/unit/test_language_cost.py), and this cap keeps one parse within a few ms.
MAX_CHARS = 2000


class TextTooLong(ValueError):
    """A text longer than MAX_CHARS was handed to the parser."""


def check_length(text: str) -> None:
    if len(text) > MAX_CHARS:
        raise TextTooLong(f"the text has {len(text)} characters; at most {MAX_CHARS} are read")


@dataclass
class Phrase:
    original: str
    work: str = ""  # lowercased; consumed and quoted characters replaced
    quotes: list[tuple[int, int]] = field(default_factory=list)  # spans of the quote marks
    typed: str = ""  # the text as typed; `original` has keyword typos corrected
    sources: list[int] = field(default_factory=list)  # original index -> typed index

    def __post_init__(self) -> None:
        check_length(self.original)
        self.typed = self.original
        self.original, self.sources = correct(self.original)
        chars = list(self.original.lower())
        for match in _QUOTED.finditer(self.original):
            if match.start() > 0 and self.original[match.start() - 1].isalnum():
                continue  # an apostrophe inside a word ("mom's"), not a quote
            for i in range(match.start(), match.end()):
                chars[i] = _MASK
            self.quotes += [(match.start(), match.start() + 1), (match.end() - 1, match.end())]
        self.work = "".join(chars)

    def typed_span(self, span: tuple[int, int]) -> tuple[int, int]:
        """Where a span of the corrected text was typed."""
        start, end = span
        if end <= start:
            return span
        return self.sources[start], self.sources[end - 1] + 1

    def take(self, start: int, end: int) -> str:
        """Mark [start, end) as recognised; returns the original words."""
        self.work = self.work[:start] + " " * (end - start) + self.work[end:]
        return self.original[start:end]

    def find(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        return list(pattern.finditer(self.work))

    def title(self) -> str:
        """What is left: unrecognised words, quotes removed, dangling connectors dropped."""
        quote_marks = {i for start, end in self.quotes for i in range(start, end)}
        kept = [
            ch if (self.work[i] != " " or ch.isspace()) and i not in quote_marks else " "
            for i, ch in enumerate(self.original)
        ]
        quoted = {i for i, ch in enumerate(self.work) if ch == _MASK}
        taken = [
            i for i, ch in enumerate(self.work) if ch == " " and not self.original[i].isspace()
        ]
        words = [m for m in re.finditer(r"\S+", "".join(kept))]

        def dangling(word: re.Match[str], after: bool) -> bool:
            # A connector left behind by a slot: "call mom at [5pm]", "[every day] at 9".
            near = (
                any(i >= word.end() for i in taken)
                if after
                else any(i < word.start() for i in taken)
            )
            text = word.group().lower().strip(",;:")
            return near and word.start() not in quoted and text in _CONNECTORS

        while words and dangling(words[-1], after=True):
            words.pop()
        while words and dangling(words[0], after=False):
            words.pop(0)
        return " ".join(word.group() for word in words).strip(" ,;:-")
