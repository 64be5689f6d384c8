"""Which task a message names: fuzzy title matching with rapidfuzz.

An exact title (ignoring case) wins outright; otherwise the best matches above a cut-off
are candidates, and one is chosen only when it stands clear of the next. Tasks in the
state the action expects (open ones to complete, done ones to reopen) come first.
"""

from rapidfuzz import fuzz, process, utils

from todo_core.models import Status
from todo_core.repositories.tasks import TaskName

CUTOFF = 70.0
CLEAR_LEAD = 10.0  # points ahead of the runner-up to count as the one meant
MAX_CHOICES = 5


def candidates(words: str, names: list[TaskName], prefer: Status | None) -> list[TaskName]:
    """The tasks `words` may mean, best first: one when it is clear, several to ask about."""
    pool = [n for n in names if prefer is None or n.status == prefer] or names
    wanted = words.casefold().strip()
    exact = [n for n in pool if n.title.casefold().strip() == wanted]
    if exact:
        return exact
    scored = process.extract(
        words,
        {i: n.title for i, n in enumerate(pool)},
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=CUTOFF,
        limit=MAX_CHOICES,
    )
    if not scored:
        return []
    best = scored[0][1]
    if len(scored) == 1 or best - scored[1][1] >= CLEAR_LEAD:
        return [pool[scored[0][2]]]
    return [pool[key] for _, score, key in scored if best - score < CLEAR_LEAD]
