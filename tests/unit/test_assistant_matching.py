"""The matching contract, over generated task lists: a command naming a title that is not in
the list never picks a task; naming one of two near-identical titles only by what they share
asks; naming one whole picks it."""

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from todo_core.models import Status
from todo_core.repositories.tasks import TaskName
from todo_web.assistant.matching import MARGIN, candidates, same_word

# Titles are made of these words; the names people say that match nothing, of those.
TITLE_WORDS = [
    "buy", "milk", "call", "dentist", "plumber", "report", "quarterly", "taxes", "water",
    "plants", "walk", "dog", "book", "flights", "rome", "renew", "passport", "clean",
    "garage", "pay", "rent", "phone", "bill", "mom", "birthday", "card", "gym", "laundry",
]  # fmt: skip
OTHER_WORDS = [
    "nebula", "quasar", "pulsar", "comet", "orbit", "galaxy", "meteor", "zenith", "aurora",
    "eclipse", "nova", "photon", "vortex", "magnet",
]  # fmt: skip
STATUSES = [Status.OPEN, Status.DONE]


def test_the_two_vocabularies_share_no_word_or_near_spelling() -> None:
    for said in OTHER_WORDS:
        for word in TITLE_WORDS:
            assert not same_word(said, word) and fuzz.ratio(said, word) < 85, (said, word)


title = st.lists(st.sampled_from(TITLE_WORDS), min_size=1, max_size=4).map(" ".join)
tasks = st.lists(
    st.builds(lambda t, s: TaskName(uuid.uuid4(), t, s), title, st.sampled_from(STATUSES)),
    min_size=1,
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(
    tasks,
    st.lists(st.sampled_from(OTHER_WORDS), min_size=1, max_size=3),
    st.lists(st.sampled_from(TITLE_WORDS), max_size=2),
    st.sampled_from([None, *STATUSES]),
)
def test_a_title_not_in_the_list_names_no_task(
    names: list[TaskName], strange: list[str], known: list[str], prefer: Status | None
) -> None:
    said = " ".join(["the", *known, *strange])  # a name with words no title has
    assert candidates(said, names, prefer) == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(TITLE_WORDS), min_size=1, max_size=3, unique=True),
    st.lists(st.sampled_from(TITLE_WORDS), min_size=2, max_size=2, unique=True),
    tasks,
)
def test_near_identical_titles_ask_unless_one_is_named_whole(
    shared: list[str], apart: list[str], others: list[TaskName]
) -> None:
    if set(shared) & set(apart):
        return
    # Other tasks share no word with these two: a title made only of the shared words would
    # be an exact or whole match, and rightly win.
    others = [t for t in others if not set(t.title.split()) & {*shared, *apart}]
    first = TaskName(uuid.uuid4(), " ".join([*shared, apart[0]]), Status.OPEN)
    second = TaskName(uuid.uuid4(), " ".join([*shared, apart[1]]), Status.OPEN)
    names = [first, second, *others]
    asked = candidates(" ".join(shared), names, Status.OPEN)
    assert len(asked) >= 2 or asked == [t for t in names if t.title == " ".join(shared)]
    if len(asked) >= 2:
        assert {first.id, second.id} <= {t.id for t in asked} or len(asked) == 5
    chosen = candidates(first.title, names, Status.OPEN)
    assert first in chosen and second not in chosen


def _share(said: str, title: str) -> float:
    words = [w for w in title.split() if w not in ("the", "a")]
    return sum(w in said.split() for w in words) / len(words)


@settings(max_examples=300, deadline=None)
@given(tasks, st.lists(st.sampled_from(TITLE_WORDS), min_size=1, max_size=2, unique=True))
def test_one_task_acts_only_with_a_margin_over_the_runner_up(
    names: list[TaskName], said_words: list[str]
) -> None:
    said = " ".join(said_words)
    found = candidates(said, names, None)
    exact = [n for n in names if n.title == said]
    if len(found) != 1 or exact:
        return
    covering = [n for n in names if set(said_words) <= set(n.title.split())]
    best = _share(said, found[0].title)
    for other in covering:
        if other.id != found[0].id:
            assert best - _share(said, other.title) >= MARGIN, (said, found, other)


def test_margin_examples() -> None:
    def name(title: str) -> TaskName:
        return TaskName(uuid.uuid4(), title, Status.OPEN)

    report, quarterly = name("Report"), name("Quarterly report")
    assert candidates("the report", [quarterly, report], None) == [report]
    appointment, bill = name("Dentist appointment"), name("Call dentist about bill")
    assert candidates("dentist", [bill, appointment], None) == [appointment, bill]
    contract, invoice = name("Email Anna about the contract"), name("Email Anna about the invoice")
    assert len(candidates("email anna", [contract, invoice], None)) == 2
    assert candidates("anna contract", [contract, invoice], None) == [contract]
    # Every word of both was said, one has a word more: too close to pick (1.0 vs 0.75).
    oat, today = name("Buy oat milk"), name("Buy oat milk today")
    assert len(candidates("milk oat buy", [oat, today], None)) == 2
    assert (
        candidates("milk buy", [name("Buy milk"), name("Buy milk now")], None)[0].title
        == "Buy milk"
    )
