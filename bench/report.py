"""results.json, RESULTS.md and the latency chart.

Each figure is reported beside its ratio to the run's calibration (bench/calibration.py):
targets are judged on the ratios, the absolute figures are kept for the record. Hand-written
analyses in bench/notes/*.md are appended to RESULTS.md verbatim, so regenerating it keeps
them."""

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on CI or here
import matplotlib.pyplot as plt  # noqa: E402

from bench import calibration as calib  # noqa: E402
from bench.calibration import Calibration, Comparison, Reference, Verdict  # noqa: E402
from bench.cpu import PARTS  # noqa: E402
from bench.stats import Figure  # noqa: E402

HERE = Path(__file__).resolve().parent
NOTES_DIR = HERE / "notes"


def _verdicts(
    figures: list[Figure], cal: Calibration | None, ref: Reference | None
) -> list[Verdict]:
    out = []
    for f in figures:
        s = f.summary()
        out += [calib.judge(s, t, cal, ref) for t in calib.targets_of(s, ref)]
    return out


def _comparisons(
    figures: list[Figure], cal: Calibration | None, ref: Reference | None
) -> list[Comparison]:
    if ref is None:
        return []
    return [c for f in figures for c in calib.compare(f.summary(), cal, ref)]


def write_json(
    meta: dict[str, Any],
    figures: list[Figure],
    extra: dict[str, Any],
    calibration: Calibration | None = None,
    reference: Reference | None = None,
    path: Path | None = None,
) -> Path:
    out = path or HERE / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    summaries = []
    for f in figures:
        s = f.summary()
        ratios = calib.figure_ratios(s, calibration)
        summaries.append({**s, "ratios": ratios} if ratios else s)
    body: dict[str, Any] = {**meta, "figures": summaries, **extra}
    if calibration is not None:
        body["calibration"] = calibration.to_json()
    if reference is not None:
        body["reference"] = {
            "date": reference.date,
            "comparable": reference.comparable(calibration),
            "comparisons": [
                {**vars(c), "change": c.change, "better_by": c.better_by}
                for c in _comparisons(figures, calibration, reference)
            ],
        }
    verdicts = _verdicts(figures, calibration, reference)
    if verdicts:
        body["ratio_targets"] = [
            {
                "key": v.key,
                "target": v.target.describe(),
                "ratio": v.ratio,
                "met": v.met,
                "why": v.why,
            }
            for v in verdicts
        ]
    out.write_text(json.dumps(body, indent=2) + "\n")
    return out


def chart(figures: list[Figure], path: Path) -> None:
    """One box per latency figure, log scale: they span a millisecond to seconds."""
    shown = [f for f in figures if f.unit == "ms" and f.samples]
    if not shown:
        return
    fig, ax = plt.subplots(figsize=(11, 0.55 * len(shown) + 1.5))
    ax.boxplot(
        [f.samples for f in shown],
        orientation="horizontal",
        whis=(1, 99),  # whiskers at p1/p99; the targets are on p95/p99
        showfliers=False,
        tick_labels=[f"{f.key} (n={len(f.samples)})" for f in shown],
    )
    ax.set_xscale("log")
    ax.set_xlabel("milliseconds (log); box p25–p75, whiskers p1–p99")
    ax.set_title("make bench: latency distributions")
    ax.grid(axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _num(value: float) -> str:
    """Ratios span 0.01 to thousands: two significant figures below 10, whole above."""
    if abs(value) >= 10:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 1 else f"{value:.2f}"


def _cell(summary: dict[str, Any], key: str, cal: Calibration | None = None) -> str:
    value = summary.get(key)
    if value is None:
        return "—"
    r = calib.ratio(summary, key, cal)
    suffix = "" if r is None else f" ({_num(r)} {calib.ratio_label(summary, key)})"
    return f"{value:,.1f}{suffix}"


def figure_row(f: Figure, cal: Calibration | None) -> str:
    """One row of the main table: each number with its ratio beside it."""
    s = f.summary()
    value = "—"
    if "value" in s:
        r = calib.ratio(s, "value", cal)
        value = f"{s['value']:,.0f} {f.unit}" + (
            "" if r is None else f" ({_num(r)} {calib.ratio_label(s, 'value')})"
        )
    delivered = f"{s['delivered_pct']}%" if "delivered_pct" in s else "—"
    if f.error:
        value = f"not measured: {f.error}"
    return (
        f"| {f.title} | {f.limit} | {f.target} | {s['n']} | {_cell(s, 'p50', cal)} | "
        f"{_cell(s, 'p95', cal)} | {_cell(s, 'p99', cal)} | {value} | {delivered} |"
    )


def calibration_lines(cal: Calibration | None) -> list[str]:
    if cal is None or (cal.cpu is None and cal.kafka is None):
        return [
            "No calibration in this run: figures are absolute only and ratio targets are not",
            "judged.",
            "",
        ]

    def pair(values: list[float], digits: int) -> str:
        return " and ".join(f"{v:.{digits}f}" for v in values) or "—"

    lines = ["## Calibration", ""]
    if cal.cpu is not None:
        lines.append(
            f"- **CU**, the CPU unit: {cal.cpu:.3f} ms of CPU (mean of start and end: "
            f"{pair(cal.cpu_ms, 3)} ms), a fixed single-threaded Python workload (JSON decode "
            f"and encode, field checks, dict and string work of {cal.events_per_unit} "
            f"events; workload v{cal.workload_version}). CPU per event in CU is how many "
            "units of it the event costs; a throughput in ev/CU is events handled per unit's "
            "time (events/s × the unit's seconds), higher is better as in events/s."
        )
    if cal.kafka is not None:
        lines.append(
            f"- **RT**, the Kafka round trip: {cal.kafka:.2f} ms p50 (mean of start and end: "
            f"{pair(cal.kafka_p50_ms, 2)} ms), plain librdkafka produce → consume, one in "
            "flight. Latencies in RT are multiples of it."
        )
    lines += [
        "",
        "Figures are judged on these ratios: the same code measured on two of this project's",
        "2-core machines differed by about 2× in absolute terms.",
        "",
    ]
    return lines


def cpu_lines(figures: list[Figure], cal: Calibration | None) -> list[str]:
    """CPU ms per event by process, with each in CU: the numbers behind the notes."""
    with_cpu = [f for f in figures if f.cpu_ms and not f.error]
    if not with_cpu:
        return []
    seen = {p for f in with_cpu for p in f.cpu_ms}
    parts = [p for p in PARTS if p in seen]
    parts += sorted(seen - set(parts) - {"total"}) + (["total"] if "total" in seen else [])
    lines = [
        "## CPU per event",
        "",
        "| figure | per | " + " | ".join(parts) + " |",
        "| --- | --- | " + " | ".join("---:" for _ in parts) + " |",
    ]
    for f in with_cpu:
        s = f.summary()
        cells = []
        for part in parts:
            if part not in f.cpu_ms:
                cells.append("—")
                continue
            r = calib.ratio(s, f"cpu_ms.{part}", cal)
            cells.append(f"{f.cpu_ms[part]:.2f}" + ("" if r is None else f" ({_num(r)} CU)"))
        lines.append(f"| `{f.key}` | {f.cpu_per} | " + " | ".join(cells) + " |")
    lines += ["", "CPU milliseconds per event, each with its ratio to the CPU unit (CU).", ""]
    return lines


def _stat_text(value: float, r: float | None, label: str) -> str:
    return f"{value:,.2f}" + ("" if r is None else f" ({_num(r)} {label})")


def reference_lines(
    figures: list[Figure],
    cal: Calibration | None,
    ref: Reference | None,
    quick: bool | None = None,
) -> list[str]:
    """before (ratio) → now (ratio), change ×N, for every stat present in both runs."""
    comparisons = _comparisons(figures, cal, ref)
    if ref is None or not comparisons:
        return []
    lines = [f"## Against the reference run ({ref.date}, bench/reference.json)", ""]
    if not ref.comparable(cal):
        lines += [
            "The reference run has no calibration comparable with this one's (none, or "
            "another workload version): changes below are on the absolute figures.",
            "",
        ]
    if quick is not None and quick != ref.quick:
        lines += [
            f"One of the two runs used --quick (the reference: {ref.quick}, this run: "
            f"{quick}): their sample counts differ, so compare p95 and p99 with care.",
            "",
        ]
    lines += [
        "| figure | stat | before | now | change | better by |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for c in comparisons:
        change = "—" if c.change is None else f"×{c.change:.2f}"
        better = "—" if c.better_by is None else f"{c.better_by:.2f}×"
        lines.append(
            f"| `{c.key}` | {c.stat} | {_stat_text(c.before, c.before_ratio, c.label)} | "
            f"{_stat_text(c.now, c.now_ratio, c.label)} | {change} | {better} |"
        )
    lines += [
        "",
        "change: now ÷ before, on the ratios when both runs are calibrated; better by: how",
        "many times better now is (before ÷ now for times and CPU, now ÷ before for rates).",
        "",
    ]
    return lines


def target_lines(
    figures: list[Figure], cal: Calibration | None, ref: Reference | None
) -> list[str]:
    verdicts = _verdicts(figures, cal, ref)
    if not verdicts:
        return []
    lines = ["## Targets on ratios", ""]
    for v in verdicts:
        state = {True: "**met**", False: "**missed**", None: "not judged"}[v.met]
        lines.append(f"- `{v.key}` {v.target.describe()}: {state} ({v.why})")
    return [*lines, ""]


def notes_files(notes_dir: Path) -> list[str]:
    """bench/notes/*.md, by name, verbatim: analyses written by hand survive regeneration."""
    if not notes_dir.is_dir():
        return []
    out = []
    for path in sorted(notes_dir.glob("*.md")):
        out += [path.read_text().rstrip("\n"), ""]
    return out


def write_markdown(
    meta: dict[str, Any],
    figures: list[Figure],
    extra: dict[str, Any],
    calibration: Calibration | None = None,
    reference: Reference | None = None,
    notes_dir: Path = NOTES_DIR,
    path: Path | None = None,
) -> Path:
    out = path or HERE / "RESULTS.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    chart(figures, out.parent / "latency.png")
    m = meta["machine"]
    lines = [
        "# Benchmark results (`make bench`)",
        "",
        f"Measured {meta['date']} on {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, "
        f"Linux {m['kernel']}; Python {meta['python']}.",
        "Versions: "
        + ", ".join(f"{k} {v}" for k, v in {**meta["runtime"], **meta["packages"]}.items()),
        "",
        "All parts run on this one machine (the stack `TODO_STACK=bench`), so client, apps,",
        "sidecars, Kafka and PostgreSQL share its cores. Times are wall-clock on one clock.",
        "",
        *calibration_lines(calibration),
        "| figure | limit | target | n | p50 | p95 | p99 | value | delivered |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [figure_row(f, calibration) for f in figures]
    lines += [
        "",
        "Latencies in milliseconds; in brackets the ratio to the calibration (RT: Kafka round",
        "trips, CU: CPU units, ev/CU: events per CPU unit).",
        "",
        "![latency distributions](latency.png)",
        "",
    ]
    lines += cpu_lines(figures, calibration)
    lines += target_lines(figures, calibration, reference)
    lines += reference_lines(figures, calibration, reference, extra.get("quick"))
    if extra.get("ratios"):
        lines += ["## The Dapr path against plain Kafka", ""]
        for name, ratio in extra["ratios"].items():
            lines.append(f"- {name}: {ratio}")
        lines.append("")
    notes = [(f.key, n) for f in figures for n in f.notes]
    run_notes = calibration.drift_notes() if calibration else []
    if notes or run_notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in run_notes]
        lines += [f"- `{k}`: {n}" for k, n in notes] + [""]
    if extra.get("profile"):
        lines += ["## Where the time goes (pyinstrument)", "", extra["profile"], ""]
    lines += notes_files(notes_dir)
    out.write_text("\n".join(lines))
    return out
