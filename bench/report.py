"""results.json, RESULTS.md and the latency chart."""

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on CI or here
import matplotlib.pyplot as plt  # noqa: E402

from bench.stats import Figure  # noqa: E402

HERE = Path(__file__).resolve().parent


def write_json(meta: dict[str, Any], figures: list[Figure], extra: dict[str, Any]) -> Path:
    out = HERE / "results.json"
    body = {**meta, "figures": [f.summary() for f in figures], **extra}
    out.write_text(json.dumps(body, indent=2) + "\n")
    return out


def chart(figures: list[Figure], path: Path) -> None:
    """One box per latency figure, log scale: they span a millisecond to seconds."""
    shown = [f for f in figures if f.unit == "ms" and f.samples]
    fig, ax = plt.subplots(figsize=(11, 0.55 * len(shown) + 1.5))
    ax.boxplot(
        [f.samples for f in shown],
        vert=False,
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


def _cell(summary: dict[str, Any], key: str) -> str:
    value = summary.get(key)
    return "—" if value is None else f"{value:,.1f}"


def write_markdown(meta: dict[str, Any], figures: list[Figure], extra: dict[str, Any]) -> Path:
    chart_path = HERE / "latency.png"
    chart(figures, chart_path)
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
        "| figure | limit | target | n | p50 | p95 | p99 | value | delivered |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for f in figures:
        s = f.summary()
        value = f"{s['value']:,.0f} {f.unit}" if "value" in s else "—"
        delivered = f"{s['delivered_pct']}%" if "delivered_pct" in s else "—"
        if f.error:
            value = f"not measured: {f.error}"
        lines.append(
            f"| {f.title} | {f.limit} | {f.target} | {s['n']} | {_cell(s, 'p50')} | "
            f"{_cell(s, 'p95')} | {_cell(s, 'p99')} | {value} | {delivered} |"
        )
    lines += ["", "Latencies in milliseconds.", "", "![latency distributions](latency.png)", ""]
    if extra.get("ratios"):
        lines += ["## The Dapr path against plain Kafka", ""]
        for name, ratio in extra["ratios"].items():
            lines.append(f"- {name}: {ratio}")
        lines.append("")
    notes = [(f.key, n) for f in figures for n in f.notes]
    if notes:
        lines += ["## Notes", ""] + [f"- `{k}`: {n}" for k, n in notes] + [""]
    if extra.get("profile"):
        lines += ["## Where the time goes (pyinstrument)", "", extra["profile"], ""]
    out = HERE / "RESULTS.md"
    out.write_text("\n".join(lines))
    return out
