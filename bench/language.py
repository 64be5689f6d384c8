"""The phrase corpus's accuracy per kind (tests/language/corpus.yaml, issue 23): the share of
phrases whose effect is what the person meant, run in-process at the corpus's frozen clock;
and the held-out set (tests/language/heldout.yaml), written after the grammar grew and never
tuned against. No stack needed; the figures are percentages, not times."""

from bench.stats import Figure
from tests.language.corpus import HELD_OUT, score


def corpus_accuracy() -> list[Figure]:
    result = score()
    figures = [
        Figure(
            "corpus_overall",
            f"Language corpus: phrases read as meant, overall ({sum(result.total.values())})",
            "%",
            "—",
            "≥ 97 %",
            value=100 * result.accuracy(),
            notes=["per kind:\n" + result.table()],
        )
    ]
    for kind in sorted(result.total):
        target = "100 %" if kind == "no_change" else "—"
        figures.append(
            Figure(
                f"corpus_{kind}",
                f"Language corpus: {kind} ({result.passed[kind]}/{result.total[kind]})",
                "%",
                "—",
                target,
                value=100 * result.accuracy(kind),
            )
        )
    held_out = score(HELD_OUT)
    figures.append(
        Figure(
            "corpus_held_out",
            f"Language corpus, held out (never tuned against; {sum(held_out.total.values())})",
            "%",
            "—",
            "—",
            value=100 * held_out.accuracy(),
            notes=["per kind:\n" + held_out.table()],
        )
    )
    misses = [f"[{c.kind}] {c.phrase!r}" for c, _ in result.misses]
    if misses:
        figures[0].notes.append("misses: " + "; ".join(misses))
    return figures
