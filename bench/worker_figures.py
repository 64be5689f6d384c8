"""The worker's figures: reminders handled, next occurrences, throughput (reminder lateness
is bench/storm.py's).

"Handled" is read from what the worker wrote (its per-message log line, the next task,
the notification), "published" from Kafka's record timestamp: one clock, as everything runs on
this machine."""

import asyncio
import re
import time
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

from bench import api, cpu
from bench.kafka_watch import KafkaWatcher, cloudevent_id
from bench.stats import Figure
from devstack import processes
from devstack import stack as devstack_stack
from devstack.config import StackConfig


def _db(cfg: StackConfig) -> psycopg.Connection:
    return psycopg.connect(cfg.database_url("postgresql"), autocommit=True)


async def _create_many(
    client: httpx.AsyncClient, bodies: list[dict], concurrency: int = 8
) -> list[dict]:
    sem = asyncio.Semaphore(concurrency)

    async def one(body: dict) -> dict:
        async with sem:
            resp = await client.post("/api/tasks", json=body)
            resp.raise_for_status()
            return resp.json()

    return list(await asyncio.gather(*(one(b) for b in bodies)))


async def _create_paced(
    client: httpx.AsyncClient, bodies: list[dict], per_second: float
) -> list[dict]:
    """Creates started at a steady rate (each on its own), as users would send them."""

    async def one(i: int, body: dict) -> dict:
        await asyncio.sleep(i / per_second)
        resp = await client.post("/api/tasks", json=body)
        resp.raise_for_status()
        return resp.json()

    return list(await asyncio.gather(*(one(i, b) for i, b in enumerate(bodies))))


def _wait_rows(cfg: StackConfig, sql: str, params: tuple, want: int, timeout: float) -> list[tuple]:
    deadline = time.monotonic() + timeout
    rows: list[tuple] = []
    with _db(cfg) as conn:
        while time.monotonic() < deadline:
            rows = conn.execute(sql, params).fetchall()
            if len(rows) >= want:
                break
            time.sleep(0.5)
    return rows


_HANDLED = re.compile(r"^(\S+ \S+) \|.* event topic=\S+ type=\S+ event_id=(\S+) outcome=success")


def _wait_handled(cfg: StackConfig, event_ids: set[str], timeout: float) -> dict[str, float]:
    """event id -> when the worker logged handling it (epoch seconds)."""
    log = cfg.log_dir / "todo-worker.log"
    deadline = time.monotonic() + timeout
    found: dict[str, float] = {}
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            m = _HANDLED.match(line)
            if m and m.group(2) in event_ids and m.group(2) not in found:
                local = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f")
                found[m.group(2)] = local.astimezone().timestamp()  # loguru logs local time
        if event_ids <= found.keys():
            break
        time.sleep(1)
    return found


async def _warm_up(cfg: StackConfig, n: int, per_second: float) -> None:
    """The same work for another user first, not measured: pooled connections, prepared
    statements and gRPC channels are in use by then, as in a running system."""
    client = await api.sign_up(cfg)
    try:
        await _create_paced(client, [api.task_with_reminder(i) for i in range(n)], per_second)
    finally:
        await client.aclose()
    await asyncio.sleep(2)


# A steady rate the whole stack sustains on this machine with room to spare (the API's
# create costs ~11 ms of web CPU): latency, not queueing. The burst figure shows the other.
PACED_PER_SECOND = 50


async def reminders_handled(cfg: StackConfig, n: int, per_second: float | None) -> Figure:
    paced = per_second is not None
    fig = Figure(
        "reminders_to_worker" if paced else "reminders_to_worker_burst",
        f"`reminders` publication → handled by the worker, {n} events"
        + (f" at {per_second:g}/s" if paced else ", burst"),
        "ms",
        "10 s, 100%",
        "p95 ≤ 100 ms, 100%" if paced else "—",
        expected=n,
    )
    client = await api.sign_up(cfg)
    watcher = KafkaWatcher(cfg.kafka_brokers, ["reminders"], cloudevent_id("event_id"))
    bodies = [api.task_with_reminder(i) for i in range(n)]
    try:
        if per_second is not None:
            await _warm_up(cfg, n // 10, per_second)
            await _create_paced(client, bodies, per_second)
        else:
            await _create_many(client, bodies)
        user_id = (await client.get("/api/me")).json()["id"]
        with _db(cfg) as conn:
            sql = (
                "SELECT event_id::text, partition_key FROM outbox "
                "WHERE topic = 'reminders' AND payload->>'user_id' = %s"
            )
            task_of: dict[str, str] = dict(conn.execute(sql, (user_id,)).fetchall())
        watcher.wait_for(set(task_of), timeout=120)
    finally:
        watcher.close()
        await client.aclose()
    # The worker logs one line per handled message, after its handler returned.
    handled = _wait_handled(cfg, set(task_of), timeout=120)
    fig.samples = [
        (handled[eid] - watcher.broker_ts[eid]) * 1000
        for eid in task_of
        if eid in handled and eid in watcher.broker_ts
    ]
    how = (
        f"tasks with a reminder created through the API at a steady {per_second:g}/s"
        if paced
        else "tasks created through the API 8 at a time, as fast as it answers (the stack "
        "saturates the machine's two cores, so this measures queueing)"
    )
    fig.notes.append(
        f"{how}; Kafka record timestamp → the worker's `outcome=success` log line for the "
        "event (ms resolution)"
    )
    return fig


async def recurring_next(cfg: StackConfig, n: int) -> Figure:
    fig = Figure(
        "recurring_next",
        f"Completing a recurring task → next task in the database, {n} events",
        "ms",
        "15 s, 100%",
        "p95 ≤ 250 ms, 100%",
        expected=n,
    )
    client = await api.sign_up(cfg)
    due = api.local_minute(datetime.now(UTC) + timedelta(days=2))
    bodies = [
        {"title": f"daily {i}", "due": due, "recurrence": {"kind": "daily"}} for i in range(n)
    ]
    tasks = await _create_many(client, bodies)
    started: dict[str, float] = {}
    for task in tasks:
        t0 = time.time()
        (await client.post(f"/api/tasks/{task['id']}/complete")).raise_for_status()
        started[task["series_id"]] = t0
        await asyncio.sleep(0.02)
    await client.aclose()
    rows = _wait_rows(
        cfg,
        "SELECT series_id::text, created_at FROM task WHERE series_id = ANY(%s::uuid[]) "
        "AND status = 'open'",
        (list(started),),
        n,
        timeout=120,
    )
    fig.samples = [(created.timestamp() - started[s]) * 1000 for s, created in rows]
    fig.notes.append("from the complete request's start to the new task's created_at")
    return fig


async def throughput(cfg: StackConfig, n_tasks: int) -> Figure:
    """A backlog built while the worker is stopped, then drained: events handled per second."""
    fig = Figure(
        "worker_throughput", "Worker throughput at saturation", "events/s", "—", "≥ 500 events/s"
    )
    # Stop the sidecar too: it is the Kafka consumer. With only the app stopped, the sidecar
    # keeps fetching and retries each partition's head with growing back-off, and the figure
    # would measure that back-off instead of the worker.
    processes.stop(cfg.run_dir, "todo-worker-dapr")
    processes.stop(cfg.run_dir, "todo-worker")
    client = await api.sign_up(cfg)
    try:
        await _create_many(client, [api.task_with_reminder(i) for i in range(n_tasks)])
        user_id = (await client.get("/api/me")).json()["id"]
    finally:
        await client.aclose()
    # The backlog must be on Kafka before the worker starts.
    _wait_rows(
        cfg,
        "SELECT 1 FROM outbox WHERE payload->>'user_id' = %s AND published_at IS NOT NULL",
        (user_id,),
        2 * n_tasks,
        timeout=300,
    )
    with _db(cfg) as conn:
        sql = (
            "SELECT event_id::text FROM outbox "
            "WHERE topic = 'reminders' AND payload->>'user_id' = %s"
        )
        scheduled = {row[0] for row in conn.execute(sql, (user_id,))}
    devstack_stack.up(cfg)
    before = cpu.snapshot(cfg)
    total = 2 * n_tasks  # task.created (→ activity row) + reminder.scheduled (→ its job)
    progress = _count_handled(cfg, user_id, scheduled, total)
    fig.notes.append(cpu.per_event(before, cpu.snapshot(cfg), progress[-1][1]))
    (t0, c0), (t1, c1) = progress[0], progress[-1]
    fig.value = (c1 - c0) / max(t1 - t0, 1e-3)
    fig.notes.append(
        f"{c1} of {total} events handled from a backlog (task.created → task_activity row, "
        "reminder.scheduled → the worker's success line; the reminders share one minute, so "
        "their jobs are one per shard); rate from the first to the last count change, polled "
        "every 0.2 s"
    )
    return fig


class _LogCounter:
    """Counts the worker's success lines for given event ids, reading only what is new."""

    def __init__(self, path: Path, event_ids: set[str]) -> None:
        self._path, self._ids, self._offset = path, event_ids, 0
        self._seen: set[str] = set()

    def count(self) -> int:
        with self._path.open("rb") as f:
            f.seek(self._offset)
            chunk = f.read()
        end = chunk.rfind(b"\n") + 1  # a half-written last line waits for the next read
        self._offset += end
        for line in chunk[:end].decode(errors="replace").splitlines():
            m = _HANDLED.match(line)
            if m and m.group(2) in self._ids:
                self._seen.add(m.group(2))
        return len(self._seen)


def _count_handled(
    cfg: StackConfig, user_id: str, scheduled: set[str], total: int
) -> list[tuple[float, int]]:
    """(time, handled so far) at each change, until all are handled (or 10 minutes)."""
    sql = "SELECT count(*) FROM task_activity WHERE user_id = %s"
    log = _LogCounter(cfg.log_dir / "todo-worker.log", scheduled)
    progress: list[tuple[float, int]] = []
    deadline = time.monotonic() + 600
    with _db(cfg) as conn:
        while time.monotonic() < deadline:
            count = conn.execute(sql, (user_id,)).fetchone()[0] + log.count()
            if count and (not progress or count != progress[-1][1]):
                progress.append((time.monotonic(), count))
            if count >= total:
                break
            time.sleep(0.2)
    return progress or [(0.0, 0), (1.0, 0)]


# (key, title, unit, limit, target) of each figure: an error row when one of them fails.
ROWS = [
    ("reminders_to_worker", "`reminders` → handled by the worker", "ms", "10 s", "p95 ≤ 100 ms"),
    ("reminders_to_worker_burst", "`reminders` → handled, burst", "ms", "10 s", "—"),
    ("recurring_next", "Complete recurring → next task in DB", "ms", "15 s", "p95 ≤ 250 ms"),
    ("worker_throughput", "Worker throughput at saturation", "events/s", "—", "≥ 500 events/s"),
]


def run_all(cfg: StackConfig, quick: bool) -> list[Figure]:
    n = 100 if quick else 1000
    runs = [
        (ROWS[0], lambda: reminders_handled(cfg, n, PACED_PER_SECOND)),
        (ROWS[1], lambda: reminders_handled(cfg, n, None)),
        (ROWS[2], lambda: recurring_next(cfg, 20 if quick else 200)),
        (ROWS[3], lambda: throughput(cfg, 300 if quick else 2500)),
    ]
    figures = []
    for row, make in runs:
        try:
            figures.append(asyncio.run(make()))
        except Exception as exc:  # one broken figure must not lose the others
            traceback.print_exc()
            figures.append(Figure(*row, error=repr(exc)[:300]))
    return figures
