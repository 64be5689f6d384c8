"""Bounded work: the parser on adversarial 2,000-character texts, and how late other users'
events are on a Kafka partition while poisonous events on it are being handled.

The poisonous event is a recurring task whose reminder lies in year 9999 (written straight
into PostgreSQL, as a row from before dates were bounded could hold it): completing it
makes the worker's arithmetic overflow, and the worker dead-letters it after a few quick
tries instead of retrying it for ever.
"""

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

from bench import api
from bench.stats import Figure
from devstack.config import StackConfig
from devstack.parts import TOPICS, kafka_partition
from todo_core.language import MAX_CHARS, parse_command, parse_task
from todo_core.language.dates import warm_up

# The shapes of tests/unit/test_language_cost.py's known worst cases, and more of the kind.
ADVERSARIAL = [
    "every mon " + "#t " * 700,
    "every mon" + " " * MAX_CHARS,
    "every mon " + "mon and " * 300,
    "on mondays" + " , and " * 300,
    "remind me about " + " " * MAX_CHARS,
    "change title of x" + " to" * 700,
    "make x" + " high" * 400,
    "add reminder to x" + " at" * 700,
    '"' * MAX_CHARS,
    "'a" * 1000,
    "1/" * 1000,
    "every other tuesday at 5pm #x p1 " * 70,
    "remind me to call mom tomorrow at 5pm " * 60,
    "every 15th of every month until 31 dec " * 60,
]
PARTITIONS = TOPICS["recurring-task"]


def parse_adversarial(rounds: int) -> Figure:
    figure = Figure(
        "parse_adversarial",
        f"Parser: one adversarial text of {MAX_CHARS:,} characters (parse_task or parse_command)",
        "ms",
        "—",
        "p99 ≤ 50 ms",
        basis="CU",
    )
    warm_up()
    now = datetime.now(UTC)
    for _ in range(rounds):
        for text in ADVERSARIAL:
            for parse in (parse_task, parse_command):
                started = time.perf_counter()
                parse(text[:MAX_CHARS], "Europe/Berlin", now)
                figure.samples.append((time.perf_counter() - started) * 1000)
    figure.notes.append(
        f"{len(ADVERSARIAL)} shapes × 2 parsers × {rounds} rounds, in-process; before the fix "
        "'every mon #t #t …' took 0.26 s at 311 characters, 6.07 s at 911 (cubic)"
    )
    return figure


async def _recurring(client: httpx.AsyncClient, title: str) -> dict:
    due = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT09:00")
    body = {"title": title, "due": due, "recurrence": {"kind": "daily"}}
    resp = await client.post("/api/tasks", json=body)
    resp.raise_for_status()
    return resp.json()


async def _neighbours(cfg: StackConfig, partition: int, n: int) -> list[tuple]:
    """n users, each with a recurring task whose events land on `partition`."""
    found: list[tuple] = []
    while len(found) < n:
        client = await api.sign_up(cfg)
        task = await _recurring(client, f"neighbour {uuid.uuid4().hex[:8]}")
        if kafka_partition(task["id"], PARTITIONS) == partition:
            found.append((client, task))
        else:
            await client.aclose()
    return found


async def _next_task_seconds(client: httpx.AsyncClient, task: dict, started: float) -> float:
    """Seconds from `started` until the series' next task is listed (polled every 20 ms)."""
    while time.perf_counter() - started < 60:
        resp = await client.get("/api/tasks", params={"q": task["title"], "status": "open"})
        if any(t["title"] == task["title"] for t in resp.json()["items"]):
            return time.perf_counter() - started
        await asyncio.sleep(0.02)
    raise TimeoutError(f"no next task for {task['title']} within 60 s")


async def poison_partition(cfg: StackConfig, n: int) -> Figure:
    figure = Figure(
        "poison_neighbours",
        "Next occurrence of other users' tasks on a partition that carries poisonous events",
        "ms",
        "≤ 15 s (next occurrence)",
        "p95 ≤ 1 s",
    )
    owner = await api.sign_up(cfg)
    first = await _recurring(owner, "poison")
    partition = kafka_partition(first["id"], PARTITIONS)
    bad = [first]
    while len(bad) < n:
        task = await _recurring(owner, "poison")
        if kafka_partition(task["id"], PARTITIONS) == partition:
            bad.append(task)
    far = datetime(9999, 12, 31, tzinfo=UTC)
    reminder = '{"kind": "at", "at": "9999-12-31T00:00:00Z"}'
    with psycopg.connect(cfg.database_url("postgresql"), autocommit=True) as pg:
        for task in bad:
            pg.execute(
                "UPDATE task SET reminder = %s, remind_at = %s WHERE id = %s",
                (reminder, far, task["id"]),
            )
    others = await _neighbours(cfg, partition, n)
    try:
        for (client, task), poison in zip(others, bad, strict=True):
            await owner.post(f"/api/tasks/{poison['id']}/complete")
            started = time.perf_counter()
            await client.post(f"/api/tasks/{task['id']}/complete")
            figure.samples.append(await _next_task_seconds(client, task, started) * 1000)
    finally:
        await owner.aclose()
        for client, _ in others:
            await client.aclose()
    figure.notes.append(
        f"{n} poisonous recurring tasks and {n} other users' recurring tasks "
        f"on one partition of recurring-task; each sample completes a poisonous task, then a "
        "neighbour's, and times the neighbour's next task appearing in the REST list "
        "(before the fix a poisonous event was retried for ever and these never came)"
    )
    return figure
