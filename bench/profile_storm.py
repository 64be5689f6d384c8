"""Where the CPU of a reminder storm goes, part by part, measured with profilers.

    python -m bench.profile_storm [--n 1000] [--prepare]

Against a running stack (TODO_STACK / TODO_PORT_SHIFT / TODO_DATA_DIR choose it, as for
devstack): N tasks whose reminders share one minute a few minutes ahead are created through
the REST API, and around the minute, from 3 s before it until every notification exists:

- the worker is recorded by py-spy (self time per frame, the split by library, and which of
  our functions the samples ran under);
- the worker's sidecar and the scheduler are read from their Prometheus endpoints before and
  after (calls per reminder by kind, their mean latency, Go CPU and allocations);
- PostgreSQL's pg_stat_statements is read before and after (calls and execution time per
  statement per reminder);
- every part's CPU is read from /proc (bench/cpu.py), with an idle baseline taken just before
  the storm, so what the stack burns anyway is told apart from what the reminders cost.

A markdown report goes to stdout; the raw py-spy stacks and the numbers go under the stack's
data dir (profile-storm/). `--prepare` makes PostgreSQL load pg_stat_statements on this
stack only (ALTER SYSTEM, then a restart of postgres with devstack), not the devstack's
defaults.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

from bench import api, cpu
from bench.stats import percentile
from bench.worker_figures import _create_many
from devstack import config, processes
from devstack.config import StackConfig

PY_SPY_VERSION = "0.4.1"
PY_SPY_VENV = config.cache_dir() / "tools" / "py-spy"
# Marks this script's own SQL, so pg_stat_statements' figures leave it out.
_OWN_SQL = "/* profile_storm */"

# ---- Prometheus text ------------------------------------------------------------------

Labels = tuple[tuple[str, str], ...]
Series = dict[tuple[str, Labels], float]

_SAMPLE = re.compile(r"^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$")
_LABEL = re.compile(r'([A-Za-z_]\w*)="((?:[^"\\]|\\.)*)"')
# Labels that name the process or the bucket, not the kind of call.
_QUIET_LABELS = {"app_id", "le", "quantile", "namespace"}


def parse_prometheus(text: str) -> tuple[Series, dict[str, str]]:
    """(value of every sample by (name, labels), family type by name) of an exposition."""
    series: Series = {}
    types: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("# TYPE "):
            parts = line.split()
            if len(parts) >= 4:
                types[parts[2]] = parts[3]
            continue
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            continue
        labels = tuple(sorted(_LABEL.findall(m.group(2) or "")))
        try:
            series[(m.group(1), labels)] = float(m.group(3))
        except ValueError:
            continue
    return series, types


def series_delta(before: Series, after: Series) -> Series:
    """after − before of each sample; a series that appears only after started at 0
    (Dapr registers a label set on its first use)."""
    return {key: value - before.get(key, 0.0) for key, value in after.items()}


@dataclass
class MetricRow:
    family: str
    labels: str  # the labels that tell calls apart, "k=v, …"
    per_reminder: float  # events (counter) or observations (histogram) per reminder
    mean: float | None = None  # histogram: mean observation (sum / count), in its unit


def _label_text(labels: Labels) -> str:
    return ", ".join(f"{k}={v}" for k, v in labels if k not in _QUIET_LABELS)


def summarise_metrics(delta: Series, types: dict[str, str], n: int) -> list[MetricRow]:
    """Counters and histograms (summaries too) that moved, per reminder, largest first.
    Histograms count their observations and give the mean; gauges, buckets and the Go
    runtime's own families (go_, process_; see runtime_figures) are left out."""
    rows: list[MetricRow] = []
    for (name, labels), value in delta.items():
        if name.startswith(("go_", "process_")) or "bytes" in name:
            continue
        kind = types.get(name)
        if kind == "counter" and value > 0:
            rows.append(MetricRow(name, _label_text(labels), value / max(n, 1)))
        elif name.endswith("_count") and types.get(name[:-6]) in ("histogram", "summary"):
            if value <= 0:
                continue
            base = name[:-6]
            total = delta.get((f"{base}_sum", labels), 0.0)
            rows.append(MetricRow(base, _label_text(labels), value / max(n, 1), total / value))
    return sorted(rows, key=lambda r: (-r.per_reminder, r.family, r.labels))


def runtime_figures(delta: Series, n: int) -> dict[str, float]:
    """A Go process's own cost per reminder: CPU ms, allocated KB, allocations, GC cycles."""

    def total(name: str) -> float:
        return sum(v for (k, _), v in delta.items() if k == name)

    per = max(n, 1)
    return {
        "cpu_ms": total("process_cpu_seconds_total") * 1000 / per,
        "alloc_kb": total("go_memstats_alloc_bytes_total") / 1024 / per,
        "mallocs": total("go_memstats_mallocs_total") / per,
        "gc_cycles": total("go_gc_duration_seconds_count"),
    }


# ---- py-spy raw (folded) stacks -------------------------------------------------------

Folded = Counter[tuple[str, ...]]

_LINENO = re.compile(r":\d+\)$")


def fold_raw(text: str) -> Folded:
    """py-spy's `--format raw` ("root;…;leaf count" a line) as stack → samples, frames
    without their line numbers, so a function's samples add up whatever line ran."""
    folded: Folded = Counter()
    for line in text.splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = tuple(_LINENO.sub(")", f.strip()) for f in stack.split(";") if f.strip())
        folded[frames] += int(count)
    return folded


def frame_file(frame: str) -> str:
    """'fire (worker/handlers/reminders.py)' → 'worker/handlers/reminders.py'."""
    m = re.search(r"\(([^()]*)\)$", frame)
    return m.group(1) if m else ""


# The top-level package of a frame's file decides its library.
CATEGORIES: dict[str, str] = {
    "grpc": "grpc + protobuf",
    "google": "grpc + protobuf",
    "dapr": "dapr SDK",
    "sqlalchemy": "sqlalchemy + sqlmodel",
    "sqlmodel": "sqlalchemy + sqlmodel",
    "asyncpg": "asyncpg",
    "loguru": "loguru",
    "pydantic": "pydantic",
    "pydantic_core": "pydantic",
    "json": "json",
    "orjson": "json",
    "worker": "our code",
    "todo_core": "our code",
    "asyncio": "asyncio",
    "selectors": "asyncio",
    "uvloop": "asyncio",
}


def category(frame: str) -> str:
    # py-spy shortens a file to its path under sys.path ("grpc/aio/_call.py"); a full one
    # is cut at site-packages; the stdlib's frozen modules read "<frozen posixpath>".
    path = frame_file(frame).rpartition("site-packages/")[2]
    top = path.removeprefix("<frozen ").rstrip(">").split("/", 1)[0].removesuffix(".py")
    if top in CATEGORIES:
        return CATEGORIES[top]
    return "other stdlib" if top in sys.stdlib_module_names else "other"


_THREAD = re.compile(r"^thread \(\d+\):?\s*")


def is_thread_frame(frame: str) -> bool:
    """py-spy --threads puts 'thread (tid): name' at the root of each stack."""
    return bool(_THREAD.match(frame))


def by_thread(folded: Folded) -> Counter[str]:
    """Samples by thread name (the tid dropped, so the same pool's threads add up)."""
    out: Counter[str] = Counter()
    for stack, count in folded.items():
        root = stack[0] if stack else ""
        out[_THREAD.sub("", root) if is_thread_frame(root) else "(one thread)"] += count
    return out


def self_time(folded: Folded) -> Counter[str]:
    """Samples whose innermost frame is each frame: where the CPU itself was spent."""
    out: Counter[str] = Counter()
    for stack, count in folded.items():
        out[stack[-1]] += count
    return out


def split_by_category(folded: Folded) -> Counter[str]:
    """Self time by library (the innermost frame's file)."""
    out: Counter[str] = Counter()
    for stack, count in folded.items():
        out[category(stack[-1])] += count
    return out


# The worker's entry, under which all of the event loop runs: no work of its own.
_ENTRY_FRAMES = {"main (worker/main.py)", "run (worker/service.py)"}


def under_our_code(folded: Folded) -> Counter[str]:
    """Samples by the innermost frame of our own code on their stack: which of our
    functions the library time was spent for ("(no frame of ours)": the event loop's
    own work, gRPC's threads)."""
    out: Counter[str] = Counter()
    for stack, count in folded.items():
        ours = [f for f in stack if category(f) == "our code" and f not in _ENTRY_FRAMES]
        out[ours[-1] if ours else "(no frame of ours)"] += count
    return out


# ---- pg_stat_statements ---------------------------------------------------------------


@dataclass
class Statement:
    query: str
    calls: int
    total_ms: float
    rows: int


@dataclass
class StatementRow:
    query: str
    calls_per_reminder: float
    ms_per_reminder: float
    mean_ms: float
    rows_per_call: float


def statements_delta(
    before: dict[str, Statement], after: dict[str, Statement], n: int
) -> list[StatementRow]:
    """Statements run in between (by queryid), per reminder, most time first; this script's
    own statements (marked, or reading pg_stat_statements) left out. A statement that is
    new since `before` (or was evicted and came back) counts from 0."""
    rows = []
    per = max(n, 1)
    for key, now in after.items():
        if _OWN_SQL in now.query or "pg_stat_statements" in now.query:
            continue
        was = before.get(key)
        calls = now.calls - (was.calls if was and was.calls <= now.calls else 0)
        if calls <= 0:
            continue
        ms = now.total_ms - (was.total_ms if was and was.calls <= now.calls else 0.0)
        rows_ = now.rows - (was.rows if was and was.calls <= now.calls else 0)
        rows.append(
            StatementRow(
                " ".join(now.query.split()), calls / per, ms / per, ms / calls, rows_ / calls
            )
        )
    return sorted(rows, key=lambda r: -r.ms_per_reminder)


# ---- reading the stack ----------------------------------------------------------------


def _db(cfg: StackConfig) -> psycopg.Connection:
    return psycopg.connect(cfg.database_url("postgresql"), autocommit=True)


def _scrape(port: int) -> tuple[Series, dict[str, str]]:
    try:
        resp = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        resp.raise_for_status()
    except httpx.HTTPError as exc:
        print(f"metrics on port {port}: {exc}", file=sys.stderr)
        return {}, {}
    return parse_prometheus(resp.text)


METRICS = {
    "todo-worker-dapr": "TODO_WORKER_DAPR_METRICS_PORT",
    "scheduler": "TODO_SCHEDULER_METRICS_PORT",
}


def _scrape_all(cfg: StackConfig) -> dict[str, tuple[Series, dict[str, str]]]:
    return {part: _scrape(cfg.port(var)) for part, var in METRICS.items()}


def pg_stat_statements_ready(cfg: StackConfig) -> bool:
    with _db(cfg) as conn:
        loaded = conn.execute("/* profile_storm */ SHOW shared_preload_libraries").fetchone()[0]
        if "pg_stat_statements" not in loaded:
            return False
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    return True


def _statements(cfg: StackConfig) -> dict[str, Statement]:
    sql = (
        "/* profile_storm */ SELECT queryid::text || '/' || userid::text, query, calls, "
        "total_exec_time, rows FROM pg_stat_statements "
        "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    with _db(cfg) as conn:
        return {key: Statement(q, c, t, r) for key, q, c, t, r in conn.execute(sql)}


def prepare_pg(cfg: StackConfig) -> None:
    """Load pg_stat_statements on this stack's PostgreSQL: ALTER SYSTEM (its own data dir,
    so no other stack changes), then restart postgres with the devstack of the clone the
    stack belongs to (<clone>/.devstack/<name>), so each stack keeps running its own code."""
    with _db(cfg) as conn:
        conn.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
    clone = cfg.data_dir.parent.parent
    if not (clone / "devstack").is_dir():
        raise SystemExit(f"{clone} is not the clone of stack {cfg.name}: restart postgres by hand")
    processes.stop(cfg.run_dir, "postgres")
    for _attempt in range(3):
        # The old postmaster's lock file can outlive its process group for a moment.
        if subprocess.run([sys.executable, "-m", "devstack", "up"], cwd=clone).returncode == 0:
            return
        time.sleep(3)
    raise SystemExit(f"devstack up of stack {cfg.name} failed after the restart of postgres")


def find_py_spy() -> str | None:
    here = PY_SPY_VENV / "bin" / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


PY_SPY_HINT = (
    f"py-spy is not installed: python3 -m venv {PY_SPY_VENV} && "
    f"{PY_SPY_VENV}/bin/pip install py-spy=={PY_SPY_VERSION}"
)


class PySpy:
    """`py-spy record` of one process until stop(); its raw stacks, or why there are none."""

    def __init__(self, binary: str, pid: int, out: Path, rate: int) -> None:
        self.out = out
        self._log = out.with_suffix(".log")
        # --nonblocking: in the default (blocking) mode py-spy counted the worker's waiting
        # threads (gRPC's poller, the executor) as busy, several times the CPU the process
        # used; not pausing the process, it counts an idle worker as idle.
        argv = [binary, "record", "--pid", str(pid), "--format", "raw", "--nolineno"]
        # Not --native: it needs the blocking mode, and with it a 1,000-reminder storm took
        # 134 s instead of 10 (the unwinding stops the worker at every sample).
        argv += ["--threads", "--nonblocking"]
        argv += ["--rate", str(rate), "--output", str(out)]
        with self._log.open("wb") as log:
            self._proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)

    def stop(self) -> tuple[Folded, str]:
        # SIGINT is py-spy's Ctrl-C: it writes what it sampled and exits.
        self._proc.send_signal(signal.SIGINT)
        try:
            self._proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._proc.kill()
        log = self._log.read_text(errors="replace").strip()
        if not self.out.exists():
            # Most likely ptrace was refused (not root, or a container without
            # CAP_SYS_PTRACE): then run the worker under pyinstrument by hand instead.
            why = f"py-spy wrote nothing (exit {self._proc.returncode}): {log[-300:]}"
            return Counter(), f"{why}; without ptrace, profile with pyinstrument instead"
        said = re.search(r"Samples: \d+ Errors: \d+", log)
        return fold_raw(self.out.read_text(errors="replace")), said.group(0) if said else log[-200:]


# ---- the storm ------------------------------------------------------------------------


def _count_notifications(conn: psycopg.Connection, user_id: str) -> int:
    sql = "/* profile_storm */ SELECT count(*) FROM notification WHERE user_id = %s"
    return conn.execute(sql, (user_id,)).fetchone()[0]


async def _create_storm(cfg: StackConfig, n: int, lead_s: float) -> tuple[str, datetime]:
    """A new user's n tasks, all reminded at one UTC minute at least lead_s ahead."""
    at = (datetime.now(UTC) + timedelta(seconds=lead_s)).replace(second=0, microsecond=0)
    at += timedelta(minutes=1)
    client = await api.sign_up(cfg)
    try:
        body = {
            "due": api.local_minute(at + timedelta(hours=1)),
            "reminder": {"kind": "at", "at": api.local_minute(at)},
        }
        await _create_many(client, [{"title": f"storm {i}", **body} for i in range(n)])
        user_id = (await client.get("/api/me")).json()["id"]
    finally:
        await client.aclose()
    return user_id, at


@dataclass
class Run:
    stack: str
    n: int
    notified: int
    window_s: float
    lateness_ms: dict[str, float]
    cpu_ms: dict[str, float]
    idle_ms: dict[str, float]  # what the same window costs an idle stack, per reminder
    arming_cpu_ms: dict[str, float]  # per reminder: its create and its events, not the web
    arming_net_ms: dict[str, float]  # the same, less the idle background of that time
    arming_s: float
    arming_metrics: dict[str, list[MetricRow]]
    metrics: dict[str, list[MetricRow]]
    runtime: dict[str, dict[str, float]]
    statements: list[StatementRow]
    py_spy_note: str
    rate: int
    samples: int
    thread_cpu_ms: dict[str, float]  # the worker's CPU per reminder by OS thread (/proc)
    threads: list[tuple[str, int]]  # py-spy samples by thread
    top_self: list[tuple[str, int]]
    split: list[tuple[str, int]]
    ours: list[tuple[str, int]]


_TICKS = os.sysconf("SC_CLK_TCK")


def thread_cpu(pid: int) -> dict[int, tuple[str, float]]:
    """tid → (thread name, CPU seconds so far) of one process's threads, from /proc."""
    out: dict[int, tuple[str, float]] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # a thread that ended meanwhile
        out[int(task.name)] = (name, (int(fields[11]) + int(fields[12])) / _TICKS)
    return out


def thread_cpu_delta(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], n: int
) -> dict[str, float]:
    """CPU ms per reminder by thread name (a pool's threads share one), largest first;
    a thread started in between counts from 0, one that ended is lost."""
    out: defaultdict[str, float] = defaultdict(float)
    for tid, (name, seconds) in after.items():
        out[name] += (seconds - before.get(tid, (name, 0.0))[1]) * 1000 / max(n, 1)
    return {name: ms for name, ms in sorted(out.items(), key=lambda kv: -kv[1]) if ms > 0}


def _wait_until(t: float) -> None:
    time.sleep(max(0.0, t - time.time()))


def storm(cfg: StackConfig, n: int, lead_s: float, rate: int, timeout: float) -> Run:
    worker_pid = processes.read_pid(cfg.run_dir, "todo-worker")
    if worker_pid is None:
        raise SystemExit(f"stack {cfg.name}: todo-worker is not running (`python -m devstack up`)")
    binary = find_py_spy()
    if binary is None:
        print(PY_SPY_HINT, file=sys.stderr)
    pgss = pg_stat_statements_ready(cfg)
    if not pgss:
        print(
            "pg_stat_statements is not loaded on this stack's PostgreSQL: run with --prepare "
            "once; the report goes on without the database's statements",
            file=sys.stderr,
        )
    out_dir = cfg.data_dir / "profile-storm"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")

    # The arming side, for reference: the creates and the handling of their events
    # (task.created, reminder.scheduled), up to the idle baseline below.
    arm_cpu, arm_metrics, arm_t0 = cpu.snapshot(cfg), _scrape_all(cfg), time.monotonic()
    user_id, at = asyncio.run(_create_storm(cfg, n, lead_s))
    start = at.timestamp() - 3  # the scheduler fires on the second; py-spy needs a moment
    if time.time() > start - 15:
        raise SystemExit(f"creating {n} tasks took past the reminders' minute: raise --lead")
    print(f"{n} reminders at {at:%H:%M:%S} UTC; idle baseline, then the storm", file=sys.stderr)
    # Idle baseline: what the stack's background (relay sweeps, Kafka, the scheduler's
    # ticks) costs per second with nothing to do, once the creates' events are handled.
    _wait_until(start - 12)
    idle_before, idle_t0 = cpu.snapshot(cfg), time.monotonic()
    arm_metrics_after = _scrape_all(cfg)
    _wait_until(start - 2)
    idle_after, idle_s = cpu.snapshot(cfg), time.monotonic() - idle_t0

    _wait_until(start)
    spy = PySpy(binary, worker_pid, out_dir / f"pyspy-{stamp}.txt", rate) if binary else None
    cpu_before, metrics_before = cpu.snapshot(cfg), _scrape_all(cfg)
    threads_before = thread_cpu(worker_pid)
    statements_before = _statements(cfg) if pgss else {}
    t0 = time.monotonic()
    deadline, notified = t0 + timeout, 0
    with _db(cfg) as conn:
        while time.monotonic() < deadline:
            notified = _count_notifications(conn, user_id)
            if notified >= n:
                break
            time.sleep(0.5)
    window = time.monotonic() - t0
    cpu_after, metrics_after = cpu.snapshot(cfg), _scrape_all(cfg)
    threads_after = thread_cpu(worker_pid)
    statements_after = _statements(cfg) if pgss else {}
    folded, note = spy.stop() if spy else (Counter(), PY_SPY_HINT)

    with _db(cfg) as conn:
        sql = (
            "/* profile_storm */ SELECT created_at, remind_at FROM notification WHERE user_id = %s"
        )
        late = [(c - r).total_seconds() * 1000 for c, r in conn.execute(sql, (user_id,))]
    idle_rate = cpu.per_event_ms(idle_before, idle_after, 1)  # ms per (idle_s) seconds
    arming, arming_s = cpu.per_event_ms(arm_cpu, idle_before, n), idle_t0 - arm_t0
    metrics, runtime = {}, {}
    for part, (after, types) in metrics_after.items():
        delta = series_delta(metrics_before[part][0], after)
        metrics[part] = summarise_metrics(delta, types, notified)
        runtime[part] = runtime_figures(delta, notified)
    run = Run(
        stack=cfg.name,
        n=n,
        notified=notified,
        window_s=window,
        lateness_ms={
            "p50": percentile(late, 50) if late else float("nan"),
            "p99": percentile(late, 99) if late else float("nan"),
        },
        cpu_ms=cpu.per_event_ms(cpu_before, cpu_after, notified),
        idle_ms={p: ms / idle_s * window / max(notified, 1) for p, ms in idle_rate.items()},
        arming_cpu_ms=arming,
        # Minutes of arming against seconds of storm: the idle background matters here.
        arming_net_ms={p: ms - idle_rate[p] / idle_s * arming_s / n for p, ms in arming.items()},
        arming_s=arming_s,
        arming_metrics={
            part: summarise_metrics(series_delta(arm_metrics[part][0], after), types, n)
            for part, (after, types) in arm_metrics_after.items()
        },
        metrics=metrics,
        runtime=runtime,
        statements=statements_delta(statements_before, statements_after, notified),
        py_spy_note=note,
        rate=rate,
        samples=sum(folded.values()),
        thread_cpu_ms=thread_cpu_delta(threads_before, threads_after, notified),
        threads=by_thread(folded).most_common(),
        top_self=self_time(folded).most_common(15),
        split=split_by_category(folded).most_common(),
        ours=under_our_code(folded).most_common(12),
    )
    (out_dir / f"run-{stamp}.json").write_text(json.dumps(asdict(run), indent=1, default=str))
    return run


# ---- the report -----------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def _table(head: Iterable[str], rows: Iterable[Iterable[object]]) -> list[str]:
    head = list(head)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _shown(rows: list[MetricRow], limit: int) -> list[MetricRow]:
    # Resiliency counters repeat each component call three times (one per policy).
    return [r for r in rows if r.family != "dapr_resiliency_count"][:limit]


def _metrics_table(rows: list[MetricRow]) -> list[str]:
    return _table(
        ["metric", "labels", "per reminder", "mean"],
        [
            (r.family, r.labels, f"{r.per_reminder:.3f}", "" if r.mean is None else f"{r.mean:.2f}")
            for r in rows
        ],
    )


def report(run: Run) -> str:
    out = [
        f"## Reminder storm on stack `{run.stack}`: {run.notified} of {run.n} reminders",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; window {run.window_s:.1f} s (3 s before the "
        f"minute → every notification recorded); lateness p50 {run.lateness_ms['p50']:.0f} ms, "
        f"p99 {run.lateness_ms['p99']:.0f} ms (with py-spy reading the worker).",
        "",
        "### CPU per reminder (/proc)",
        "",
    ]
    out += _table(
        ["part", "ms / reminder", "of which idle background", "net of idle", "arming (net)"],
        [
            (
                p,
                f"{ms:.2f}",
                f"{run.idle_ms.get(p, 0.0):.2f}",
                f"{ms - run.idle_ms.get(p, 0.0):.2f}",
                f"{run.arming_cpu_ms.get(p, 0.0):.2f} ({run.arming_net_ms.get(p, 0.0):.2f})",
            )
            for p, ms in run.cpu_ms.items()
        ],
    )
    out += [
        "",
        "Idle background: the stack's CPU per second with nothing to do, measured for 10 s "
        "just before, times the window. Arming: the same parts' CPU in the "
        f"{run.arming_s:.0f} s from the first create to 15 s before the minute (net: less "
        "the idle background of that time): the creates' events, and the reconciler's "
        "minute ticks over the pending reminders (the web app not counted).",
    ]
    seconds = run.samples / max(run.rate, 1)
    worker_s = run.cpu_ms.get("todo-worker", 0.0) * run.notified / 1000
    out += [
        "",
        f"### Worker (py-spy at {run.rate} Hz: {run.py_spy_note}; {seconds:.2f} s of busy "
        f"thread samples against {worker_s:.2f} s of the process's CPU)",
        "",
    ]
    out += _table(
        ["OS thread (/proc)", "ms / reminder"],
        [(name, f"{ms:.2f}") for name, ms in run.thread_cpu_ms.items()],
    )
    if run.samples:
        out += [""]
        out += _table(
            ["thread (py-spy)", "share"], [(t, _pct(k, run.samples)) for t, k in run.threads]
        )
        out += [""]
        out += _table(
            ["library (self time)", "share"], [(c, _pct(k, run.samples)) for c, k in run.split]
        )
        out += [""]
        out += _table(
            ["frame (self time)", "share"],
            [(f"`{f}`", _pct(k, run.samples)) for f, k in run.top_self],
        )
        out += [""]
        out += _table(
            ["under our function (inclusive)", "share"],
            [(f"`{f}`", _pct(k, run.samples)) for f, k in run.ours],
        )
    for part, rows in run.metrics.items():
        rt = run.runtime[part]
        out += [
            "",
            f"### {part} (Prometheus): {rt['cpu_ms']:.2f} ms CPU, {rt['alloc_kb']:.1f} KB and "
            f"{rt['mallocs']:.0f} allocations per reminder, {rt['gc_cycles']:.0f} GC cycles",
            "",
        ]
        out += _metrics_table(_shown(rows, 20))
    for part, rows in run.arming_metrics.items():
        out += ["", f"### {part} while arming (Prometheus, per reminder)", ""]
        out += _metrics_table(_shown(rows, 16))
    out += ["", "### PostgreSQL (pg_stat_statements)", ""]
    if run.statements:
        calls = sum(r.calls_per_reminder for r in run.statements)
        ms = sum(r.ms_per_reminder for r in run.statements)
        out += [f"{calls:.2f} statements and {ms:.3f} ms of execution per reminder.", ""]
        out += _table(
            ["statement", "calls / reminder", "ms / reminder", "mean ms", "rows / call"],
            [
                (
                    f"`{r.query[:110]}`",
                    f"{r.calls_per_reminder:.3f}",
                    f"{r.ms_per_reminder:.4f}",
                    f"{r.mean_ms:.3f}",
                    f"{r.rows_per_call:.1f}",
                )
                for r in run.statements[:15]
            ],
        )
    else:
        out += ["(no pg_stat_statements figures: see --prepare)"]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="reminders in the storm")
    parser.add_argument("--lead", type=float, default=150, help="seconds before the minute")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument(
        "--prepare", action="store_true", help="load pg_stat_statements on this stack, restart"
    )
    args = parser.parse_args(argv)
    cfg = config.load()
    if args.prepare:
        prepare_pg(cfg)
    print(report(storm(cfg, args.n, args.lead, args.rate, args.timeout)))


if __name__ == "__main__":
    main()
