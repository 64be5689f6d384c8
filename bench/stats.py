"""A measured figure: raw samples in milliseconds, summarised as percentiles."""

from dataclasses import dataclass, field
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
        return out
