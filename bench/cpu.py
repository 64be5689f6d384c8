"""CPU time used by the stack's processes, read from /proc: what one event costs each part.

Wall-clock rates on this shared 2-core machine move with whatever else runs; CPU seconds
per event do not, so they say where the time goes and what a faster part would buy."""

import os
from pathlib import Path

from bench.stats import Figure
from devstack.config import MAX_WORKER_REPLICAS, StackConfig, worker_name

PARTS = ("todo-worker", "todo-worker-dapr", "scheduler", "kafka", "postgres")
_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int | str) -> tuple[float, int]:
    """(user + system CPU seconds, parent pid); (0, 0) for a process that is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0, 0
    return (int(fields[11]) + int(fields[12])) / _TICKS, int(fields[1])


def _pid(cfg: StackConfig, part: str) -> int | None:
    try:
        return int((cfg.run_dir / f"{part}.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def parts(cfg: StackConfig) -> list[str]:
    """PARTS, with the extra worker replicas this stack has started (todo-worker-2 and its
    todo-worker-2-dapr, …) beside the first worker's."""
    replicas = [
        f"{worker_name(k)}{suffix}"
        for k in range(2, MAX_WORKER_REPLICAS + 1)
        for suffix in ("", "-dapr")
        if _pid(cfg, f"{worker_name(k)}{suffix}")
    ]
    return [*PARTS[:2], *replicas, *PARTS[2:]]


def snapshot(cfg: StackConfig) -> dict[str, dict[int, float]]:
    """CPU seconds so far per part and pid; PostgreSQL counts its backends (one per
    connection) too, by pid, so a backend that ends between two snapshots is not
    subtracted from the others."""
    out: dict[str, dict[int, float]] = {}
    for part in parts(cfg):
        pid = _pid(cfg, part)
        out[part] = {pid: _stat(pid)[0]} if pid else {}
    postmaster = _pid(cfg, "postgres")
    for entry in os.listdir("/proc"):
        if entry.isdigit() and postmaster:
            seconds, parent = _stat(entry)
            if parent == postmaster:
                out["postgres"][int(entry)] = seconds
    return out


def per_event_ms(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], events: int
) -> dict[str, float]:
    """CPU ms per event of each part, and their "total". CPU of a process that ended in
    between is lost (an underestimate, never a negative)."""
    costs = {
        part: sum(t - before[part].get(pid, 0.0) for pid, t in after[part].items())
        * 1000
        / max(events, 1)
        for part in before
    }
    return {**costs, "total": sum(costs.values())}


def per_event(
    before: dict[str, dict[int, float]],
    after: dict[str, dict[int, float]],
    events: int,
    *,
    into: Figure | None = None,
    per: str = "event",
) -> str:
    """'CPU per event: todo-worker 2.77 ms, … (total 5.4 ms)', the note for a figure.
    With `into`, also the numbers on that figure (cpu_ms, cpu_per = `per`, e.g.
    "reminder"), which the report divides by the calibration."""
    costs = per_event_ms(before, after, events)
    if into is not None:
        into.cpu_ms = costs
        into.cpu_per = per
    parts = ", ".join(f"{part} {ms:.2f} ms" for part, ms in costs.items() if part != "total")
    return f"CPU per {per}: {parts} (total {costs['total']:.2f} ms)"
