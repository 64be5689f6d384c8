"""The phrase corpus (tests/language/corpus.yaml): at least 97 % overall, and every phrase
that must change nothing (no task named, or two that fit) changes nothing."""

from tests.language.corpus import load, score

TARGET = 0.97


def test_the_corpus_is_large_and_covers_every_kind() -> None:
    world = load()
    assert len(world.cases) >= 600
    assert len({case.kind for case in world.cases}) >= 15


def test_the_corpus_accuracy() -> None:
    result = score()
    misses = "\n".join(
        f"[{c.kind}] {c.phrase!r}: want {c.expected}, got {g}" for c, g in result.misses
    )
    assert result.accuracy("no_change") == 1.0, f"{result.table()}\n{misses}"
    assert result.accuracy() >= TARGET, f"{result.table()}\n{misses}"
