"""`python -m bench` (`make bench`): a fresh stack, every figure, the report, the stack down.

--only a,b   run only these steps (names below)     --keep  reuse a running bench stack
--quick      small sample counts, to try the bench itself quickly
--out DIR    write results.json and RESULTS.md there instead of bench/ (trial runs)
--reference  the run to compare with (default bench/reference.json)

The calibration (bench/calibration.py) runs at the start and at the end of every run, so
each figure can be reported as a ratio to it; `--only calibration` runs nothing else.
"""

import argparse
import asyncio
import os
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import (
    assistant,
    bounded,
    calibration,
    language,
    machine,
    page_load,
    profiling,
    publish_path,
    recovery,
    report,
    state_store,
    storm,
    tracing_overhead,
    views,
    worker_figures,
)
from bench import list_tasks as list_bench
from bench.stack import fresh_stack
from bench.stats import Figure
from devstack.config import StackConfig

Step = Callable[[StackConfig, bool], list[Figure]]


def _publish(cfg: StackConfig, quick: bool) -> list[Figure]:
    n = 30 if quick else 300
    baseline = publish_path.kafka_baseline(cfg, n)
    dapr = asyncio.run(publish_path.dapr_publish(cfg, n))
    api_fig = asyncio.run(publish_path.api_to_reminders(cfg, n))
    return [api_fig, dapr, baseline]


def _state(cfg: StackConfig, quick: bool) -> list[Figure]:
    return list(asyncio.run(state_store.save_and_get(cfg, 50 if quick else 1000)))


def _page(cfg: StackConfig, quick: bool) -> list[Figure]:
    return [page_load.first_load(cfg, 3 if quick else 20)]


def _list(cfg: StackConfig, quick: bool) -> list[Figure]:
    main, search, _ = asyncio.run(list_bench.list_latency(cfg, 10 if quick else 100))
    return [main, search]


PROFILE: dict[str, str] = {}


def _profile(cfg: StackConfig, quick: bool) -> list[Figure]:
    tree, per_request = profiling.profile_create(cfg, 50 if quick else 300)
    PROFILE["create"] = (
        f"A task create with a reminder, in-process under pyinstrument: {per_request:.1f} ms "
        "per request (mean).\n\n```text\n" + "\n".join(tree.splitlines()[:60]) + "\n```"
    )
    return []


def _assistant(cfg: StackConfig, quick: bool) -> list[Figure]:
    parser = assistant.parser_per_phrase(5 if quick else 50)
    return [parser, *asyncio.run(assistant.chat_server_time(cfg, 30 if quick else 300))]


def _bounded(cfg: StackConfig, quick: bool) -> list[Figure]:
    parser = bounded.parse_adversarial(2 if quick else 20)
    return [parser, asyncio.run(bounded.poison_partition(cfg, 5 if quick else 20))]


def _language(cfg: StackConfig, quick: bool) -> list[Figure]:
    del cfg, quick  # in-process, and the whole corpus every time: it is one number
    return language.corpus_accuracy()


STEPS: dict[str, Step] = {
    "publish": _publish,
    "state": _state,
    "page": _page,
    "views": views.views,
    "list": _list,
    "worker": worker_figures.run_all,
    "storm": storm.run_all,
    "recovery": recovery.recovery,
    "profile": _profile,
    "assistant": _assistant,
    "bounded": _bounded,
    "language": _language,
    "tracing": tracing_overhead.overhead,
}


def _ratios(figures: list[Figure]) -> dict[str, str]:
    by_key = {f.key: f.summary() for f in figures}
    base = by_key.get("baseline_kafka")
    if not base or "p50" not in base:
        return {}
    out = {}
    for key in ("dapr_publish", "api_to_reminders", "reminders_to_worker"):
        s = by_key.get(key)
        if s and "p50" in s:
            out[key] = (
                f"p50 {s['p50'] / base['p50']:.1f}× and p95 {s['p95'] / base['p95']:.1f}× "
                f"the baseline (baseline p50 {base['p50']:.2f} ms, p95 {base['p95']:.2f} ms)"
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", default=",".join(STEPS))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--out", type=Path, default=report.HERE)
    parser.add_argument("--reference", type=Path, default=report.HERE / "reference.json")
    args = parser.parse_args()
    keep = args.keep or os.environ.get("TODO_BENCH_KEEP_STACK") == "1"
    # "calibration" is not a step: it always runs, around whatever steps were asked for.
    names = [n for n in args.only.split(",") if n and n != "calibration"]
    if unknown := [n for n in names if n not in STEPS]:
        parser.error(f"unknown steps {unknown}; known: calibration, {', '.join(STEPS)}")
    figures: list[Figure] = []
    timings: dict[str, float] = {}
    cal = calibration.Calibration()

    def calibrate(cfg: StackConfig, when: str) -> None:
        started = time.monotonic()
        print(f"[bench] calibration ({when}) …", flush=True)
        try:
            figures.extend(calibration.run(cfg, cal, when, args.quick))
        except Exception as exc:  # without it the figures stay absolute; keep them
            traceback.print_exc()
            figures.append(
                Figure(
                    f"calibration_{when}",
                    f"calibration ({when})",
                    "ms",
                    "—",
                    "—",
                    error=repr(exc)[:300],
                )
            )
        timings[f"calibration_{when}"] = round(time.monotonic() - started, 1)

    with fresh_stack(keep=keep) as cfg:
        meta = machine.describe()
        calibrate(cfg, "start")
        for name in names:
            started = time.monotonic()
            print(f"[bench] {name} …", flush=True)
            try:
                figures += STEPS[name](cfg, args.quick)
            except Exception as exc:  # one broken step must not lose the others' figures
                traceback.print_exc()
                figures.append(Figure(name, f"step {name}", "ms", "—", "—", error=repr(exc)[:300]))
            timings[name] = round(time.monotonic() - started, 1)
            print(f"[bench] {name} done in {timings[name]} s", flush=True)
        calibrate(cfg, "end")
    reference = calibration.load_reference(args.reference)
    args.out.mkdir(parents=True, exist_ok=True)
    extra: dict[str, Any] = {
        "ratios": _ratios(figures),
        "step_seconds": timings,
        "quick": args.quick,
        "profile": "\n\n".join(PROFILE.values()),
    }
    print(report.write_json(meta, figures, extra, cal, reference, args.out / "results.json"))
    print(report.write_markdown(meta, figures, extra, cal, reference, path=args.out / "RESULTS.md"))


if __name__ == "__main__":
    main()
