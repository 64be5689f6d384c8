"""Listing tasks: 10,000 for the user, 1,000,000 in the table, loaded with SQL (not the API)."""

import time
from uuid import UUID

import psycopg

from bench import api
from bench.stats import Figure
from devstack.config import StackConfig

TOTAL = 1_000_000
MINE = 10_000
OTHER_USERS = 99

# One statement per population: generate_series rows, spread over due dates, priorities,
# statuses and tags so the list's indexes see a realistic distribution.
_TASKS_SQL = """
INSERT INTO task (id, user_id, title, description, priority, tags, status, due_at,
                  remind_at, reminder, created_at, updated_at, version)
SELECT gen_random_uuid(), %(user_id)s, 'bulk task ' || g, 'loaded by make bench',
       (ARRAY['low','medium','high']::task_priority[])[1 + g %% 3],
       ARRAY['t' || (g %% 20)], (ARRAY['open','done']::task_status[])[1 + (g %% 4 = 0)::int],
       CASE WHEN g %% 5 = 0 THEN NULL ELSE now() + (g %% 4000 - 1000) * interval '1 hour' END,
       NULL, '{"kind": "none"}', now() - g * interval '1 second', now(), 1
FROM generate_series(1, %(count)s) AS g
"""

_USERS_SQL = """
INSERT INTO "user" (id, email, password_hash, display_name, time_zone)
SELECT gen_random_uuid(), 'bulk-' || g || '-' || %(tag)s || '@example.com', 'x', 'Bulk', 'UTC'
FROM generate_series(1, %(count)s) AS g
RETURNING id
"""


def bulk_load(cfg: StackConfig, user_id: UUID) -> float:
    """Seconds spent loading; the table ends with TOTAL rows, MINE of them the user's."""
    started = time.monotonic()
    with psycopg.connect(cfg.database_url("postgresql"), autocommit=True) as conn:
        others = [
            r[0] for r in conn.execute(_USERS_SQL, {"count": OTHER_USERS, "tag": str(user_id)[:8]})
        ]
        existing = conn.execute("SELECT count(*) FROM task").fetchone()[0]
        conn.execute(_TASKS_SQL, {"user_id": user_id, "count": MINE})
        rest = TOTAL - MINE - existing
        per_user, extra = divmod(rest, len(others))
        for i, other in enumerate(others):
            conn.execute(_TASKS_SQL, {"user_id": other, "count": per_user + (i < extra)})
        conn.execute("VACUUM ANALYZE task")
        # Write the load out now, not during the figures measured after this one.
        conn.execute("CHECKPOINT")
    return time.monotonic() - started


QUERIES: dict[str, dict[str, str]] = {
    "default (open+done, by due)": {},
    "open, by due": {"status": "open"},
    "high priority": {"priority": "high"},
    "tag": {"tag": "t7"},
    "newest first": {"sort": "created", "order": "desc"},
    "due this week": {"due": "week"},
}


async def list_latency(cfg: StackConfig, rounds: int) -> tuple[Figure, Figure, dict[str, float]]:
    main = Figure(
        "list_tasks",
        "List of tasks (first page of 50, mixed filters), 10k for the user, 1M in the table",
        "ms",
        "—",
        "p95 ≤ 50 ms",
    )
    search = Figure(
        "list_search", "List of tasks with a text search (q=…)", "ms", "—", "p95 ≤ 50 ms"
    )
    client = await api.sign_up(cfg)
    me = (await client.get("/api/me")).json()
    load_s = bulk_load(cfg, UUID(me["id"]))
    main.notes.append(
        f"bulk load of {TOTAL:,} rows with INSERT … SELECT generate_series: {load_s:.0f} s"
    )
    per_query: dict[str, list[float]] = {name: [] for name in QUERIES}
    try:
        for i in range(-3, rounds):
            for name, params in QUERIES.items():
                t0 = time.perf_counter()
                resp = await client.get("/api/tasks", params=params)
                ms = (time.perf_counter() - t0) * 1000
                resp.raise_for_status()
                if i >= 0:
                    main.samples.append(ms)
                    per_query[name].append(ms)
            t0 = time.perf_counter()
            resp = await client.get("/api/tasks", params={"q": f"task {1000 + i}"})
            resp.raise_for_status()
            if i >= 0:
                search.samples.append((time.perf_counter() - t0) * 1000)
        # The second page exercises the keyset cursor.
        cursor = (await client.get("/api/tasks")).json()["next_cursor"]
        assert cursor, "10,000 tasks fit on one page?"
    finally:
        await client.aclose()
    medians = {k: sorted(v)[len(v) // 2] for k, v in per_query.items()}
    main.notes.append(
        "median per query: " + ", ".join(f"{k} {v:.1f} ms" for k, v in medians.items())
    )
    return main, search, medians
