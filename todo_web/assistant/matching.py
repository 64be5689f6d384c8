"""Which task a message names, word by word: never a task nobody named.

The contract: every word that carries meaning in what the person said ("dentist", not "the")
must be found in the task's title, exactly or as a near spelling of it (a plural, or one
slip in a long word: "dentsit"). A task that lacks one of the words is not a candidate:
"the car wash" never means "Card for mom", "quarterly taxes" never means "Finish quarterly
report". That is the threshold. Among the candidates, an exact title wins outright; otherwise
each scores the share of its title's words that were said, and the best acts alone only
with a margin of MARGIN over the runner-up ("report" picks "Report" over "Quarterly
report": 1.0 against 0.5); candidates closer than that become a numbered question.
Tasks in the state the action expects (open ones to complete, done ones to reopen) come
first.
"""

import re

from rapidfuzz import fuzz

from todo_core.models import Status
from todo_core.repositories.tasks import TaskName

MAX_CHOICES = 5
# Words that name no task: articles, possessives, the words people wrap a title in.
STOPWORDS = frozenset(
    "a an the my our your this that these those to for of on in at with and task tasks "
    "todo item called named one".split()
)
_WORD = re.compile(r"[\w']+")
_NEAR_SPELLING = 85.0  # fuzz.ratio between two words of five letters or more
# How far ahead of the runner-up the best candidate must score to act without asking: about a
# third of the title ("dentist" is as likely "Dentist appointment" (0.5) as "Call dentist
# about bill" (0.33), so that asks).
MARGIN = 0.3


def words_of(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold()) if w not in STOPWORDS]


def same_word(said: str, title_word: str) -> bool:
    if said == title_word or title_word in (said + "s", said + "es") or said == title_word + "s":
        return True
    return min(len(said), len(title_word)) >= 5 and fuzz.ratio(said, title_word) >= _NEAR_SPELLING


def _covers(said: list[str], title: list[str]) -> tuple[bool, float]:
    """(every said word is in the title, the share of the title's words that were said)."""
    if not said or not all(any(same_word(s, t) for t in title) for s in said):
        return False, 0.0
    named = sum(any(same_word(s, t) for s in said) for t in title)
    return True, named / max(len(title), 1)


def candidates(words: str, names: list[TaskName], prefer: Status | None) -> list[TaskName]:
    """The tasks `words` may mean, best first: one when it is clear, several to ask about,
    none when no task has every word that was said."""
    pool = [n for n in names if prefer is None or n.status == prefer] or names
    wanted = " ".join(words.casefold().split())
    exact = [n for n in pool if " ".join(n.title.casefold().split()) == wanted]
    if exact:
        return exact
    said = words_of(words)
    scored = []
    for name in pool:
        covered, share = _covers(said, words_of(name.title))
        if covered:
            scored.append((share, name))
    scored.sort(key=lambda pair: -pair[0])
    if not scored:
        return []
    best = scored[0][0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best - runner_up >= MARGIN:
        return [scored[0][1]]
    return [name for share, name in scored[:MAX_CHOICES] if best - share < MARGIN]
