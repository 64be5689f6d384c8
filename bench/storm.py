"""A reminder storm — N reminders due at the same second for one user — on 1, 2 and 3 worker
replicas in one run: lateness (notification.created_at − remind_at) and CPU per reminder.

Every replica is a worker beside its own daprd with the app id `todo-worker`, so the
scheduler hands the app's job triggers to all of them and the Kafka consumer group spreads
the topics' three partitions over them. Each round reads from the replicas' logs how many job
triggers and notifications each one handled: the proof that the storm was split. Everything
is driven through the REST API and observed in PostgreSQL and the logs, whatever the worker
does inside."""

import asyncio
import re
import time
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import api, cpu
from bench.stats import Figure
from bench.worker_figures import _create_many, _wait_rows
from devstack import stack as devstack_stack
from devstack.config import StackConfig, worker_name

TARGET = "p99 ≤ 1.5 s"
ROUNDS = (1, 2, 3)  # worker replicas per round, started between the rounds

_TRIGGER = re.compile(r" job name=\S+ outcome=success")


def figure_key(workers: int) -> str:
    return "reminder_lateness" if workers == 1 else f"reminder_lateness_{workers}w"


def _title(n: int, workers: int) -> str:
    who = "1 worker" if workers == 1 else f"{workers} worker replicas"
    return f"Lateness of {n:,} reminders due at the same second, {who} (notification − remind_at)"


def _due_second(n: int) -> datetime:
    """The first whole minute (the API takes minutes) after the tasks can all be written:
    ~30 s plus what n creates take on this machine, with room."""
    at = datetime.now(UTC) + timedelta(seconds=30 + 0.1 * n)
    return (at + timedelta(minutes=1)).replace(second=0, microsecond=0)


def _log_sizes(cfg: StackConfig, workers: int) -> dict[str, int]:
    logs = {worker_name(k): cfg.log_dir / f"{worker_name(k)}.log" for k in range(1, workers + 1)}
    return {name: path.stat().st_size if path.exists() else 0 for name, path in logs.items()}


def _log_since(path: Path, offset: int) -> str:
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read().decode(errors="replace")


def _handled_per_replica(cfg: StackConfig, offsets: dict[str, int], user_id: str) -> str:
    """'todo-worker 3 triggers / 340 notifications, todo-worker-2 …' since `offsets`."""
    pushed = re.compile(rf" notification\.sent user={re.escape(user_id)} ")
    parts = []
    for name, offset in offsets.items():
        text = _log_since(cfg.log_dir / f"{name}.log", offset)
        triggers, notes = len(_TRIGGER.findall(text)), len(pushed.findall(text))
        parts.append(f"{name} {triggers} job triggers / {notes} notifications")
    return ", ".join(parts)


def _summed_over_replicas(costs: dict[str, float]) -> dict[str, float]:
    """The per-process CPU keyed as for one worker: every replica's worker under
    `todo-worker`, every replica's daprd under `todo-worker-dapr`, so the report's CPU table
    compares 1, 2 and 3 workers column by column."""
    out: dict[str, float] = {}
    for part, ms in costs.items():
        if part.startswith("todo-worker"):
            part = "todo-worker-dapr" if part.endswith("-dapr") else "todo-worker"
        out[part] = out.get(part, 0.0) + ms
    return out


async def storm(cfg: StackConfig, n: int, workers: int) -> Figure:
    fig = Figure(figure_key(workers), _title(n, workers), "ms", "—", TARGET, expected=n)
    client = await api.sign_up(cfg)
    at = _due_second(n)
    body = {
        "due": api.local_minute(at + timedelta(hours=1)),
        "reminder": {"kind": "at", "at": api.local_minute(at)},
    }
    await _create_many(client, [{"title": f"storm {i}", **body} for i in range(n)])
    user_id = (await client.get("/api/me")).json()["id"]
    await client.aclose()
    if time.time() > at.timestamp() - 2:
        raise RuntimeError("the storm's tasks were still being written at its due time")
    await asyncio.sleep(max(0.0, at.timestamp() - time.time() - 1))
    offsets = _log_sizes(cfg, workers)
    before = cpu.snapshot(cfg)
    rows = _wait_rows(
        cfg,
        "SELECT created_at, remind_at FROM notification WHERE user_id = %s",
        (user_id,),
        n,
        timeout=180,
    )
    await asyncio.sleep(1)  # what follows the last row (the push lines, triggers answered)
    after = cpu.snapshot(cfg)
    fig.samples = [(c - r).total_seconds() * 1000 for c, r in rows]
    per_process = cpu.per_event(before, after, len(rows), per="reminder")
    fig.cpu_ms = _summed_over_replicas(cpu.per_event_ms(before, after, len(rows)))
    fig.cpu_per = "reminder"
    fig.notes.append(
        f"{n:,} tasks of one user with a reminder at the same minute, created through the API "
        "8 at a time before it; lateness is the notification row's created_at − remind_at; CPU "
        "from 1 s before the due second to 1 s after the last notification row"
    )
    if workers > 1:
        per_process += f"; the CPU table sums the {workers} replicas' workers and daprds"
    fig.notes.append(per_process)
    fig.notes.append(f"handled per replica: {_handled_per_replica(cfg, offsets, user_id)}")
    return fig


def run_all(cfg: StackConfig, quick: bool) -> list[Figure]:
    """One storm per replica count, a fresh user each; back to one worker at the end."""
    n = 100 if quick else 1000
    figures = []
    try:
        for workers in ROUNDS:
            try:
                devstack_stack.scale_workers(cfg, workers)
                figures.append(asyncio.run(storm(cfg, n, workers)))
            except Exception as exc:  # one broken round must not lose the others
                traceback.print_exc()
                key, title, error = figure_key(workers), _title(n, workers), repr(exc)[:300]
                figures.append(Figure(key, title, "ms", "—", TARGET, error=error))
    finally:
        devstack_stack.scale_workers(cfg, 1)
    return figures
