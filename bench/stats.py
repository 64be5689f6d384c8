"""A measured figure: raw samples in milliseconds, summarised as percentiles."""

from dataclasses import asdict, dataclass, field
from typing import Any


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), without numpy."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass(frozen=True)
class RatioTarget:
    """A target judged on a ratio to the run's calibration (bench/calibration.py), so it
    means the same on a slow and a fast machine.

    stat: "p50", "p95", "p99", "value", or "cpu_ms.<part>" ("cpu_ms.total" for the sum).
    at_most / at_least: bounds on the ratio itself (e.g. p95 ≤ 20 RT; ≥ 0.5 ev/CU).
    better_by: the change against bench/reference.json, before ÷ now for stats where lower
        is better and now ÷ before for throughput, must be at least this (2.7 for "cut the
        CPU per reminder ≥ 2.7× against the calibration")."""

    stat: str
    at_most: float | None = None
    at_least: float | None = None
    better_by: float | None = None

    def describe(self) -> str:
        parts = []
        if self.at_most is not None:
            parts.append(f"≤ {self.at_most:g}")
        if self.at_least is not None:
            parts.append(f"≥ {self.at_least:g}")
        if self.better_by is not None:
            parts.append(f"≥ {self.better_by:g}× better than the reference")
        return f"{self.stat} " + " and ".join(parts)


@dataclass
class Figure:
    key: str
    title: str
    unit: str  # "ms", "events/s"
    limit: str  # the specification's limit, as written
    target: str  # our target, as written
    samples: list[float] = field(default_factory=list)
    expected: int | None = None  # how many samples should exist (100% delivery checks)
    value: float | None = None  # for single-value figures (throughput)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    # What the ratio divides by: "RT" (the Kafka round trip p50) or "CU" (the CPU unit);
    # None takes the unit's default (ms → RT, events/s → CU). A pure-CPU latency, such
    # as the parser's, reads better in CU.
    basis: str | None = None
    # CPU ms per event by process, plus "total": numbers for the report's ratios; cpu.py's
    # per_event(..., into=figure) fills them. cpu_per names the event ("reminder").
    cpu_ms: dict[str, float] = field(default_factory=dict)
    cpu_per: str = "event"
    ratio_targets: list[RatioTarget] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "title": self.title,
            "unit": self.unit,
            "limit": self.limit,
            "target": self.target,
            "n": len(self.samples),
            "notes": self.notes,
        }
        if self.expected is not None:
            out["expected"] = self.expected
            out["delivered_pct"] = round(100 * len(self.samples) / self.expected, 2)
        if self.samples:
            out.update(
                p50=round(percentile(self.samples, 50), 3),
                p95=round(percentile(self.samples, 95), 3),
                p99=round(percentile(self.samples, 99), 3),
                max=round(max(self.samples), 3),
            )
        if self.value is not None:
            out["value"] = round(self.value, 3)
        if self.error:
            out["error"] = self.error
        if self.basis:
            out["basis"] = self.basis
        if self.cpu_ms:
            out["cpu_ms"] = {k: round(v, 4) for k, v in self.cpu_ms.items()}
            out["cpu_per"] = self.cpu_per
        if self.ratio_targets:
            out["ratio_targets"] = [asdict(t) for t in self.ratio_targets]
        return out
