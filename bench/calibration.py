"""The bench's yardsticks, measured in the same run as the figures: a fixed CPU-bound Python
workload and the plain Kafka round trip. Two of this project's "2-core" machines differ by
about 2× on the same code, so figures are also reported as ratios to these, and targets are
judged on the ratios (the absolute figures stay for the record).

Conventions (documented in RESULTS.md too):
- latency figures (ms) ÷ the Kafka round trip p50 → multiples of the round trip ("RT");
- CPU figures (ms of CPU per event) ÷ the CPU unit's ms → CPU units ("CU");
- throughput (events/s) × the CPU unit's seconds → events handled per CPU unit ("ev/CU").
A figure may choose its basis (Figure.basis); otherwise ms → RT, events/s → CU.
"""

import gc
import json
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bench.stats import Figure, RatioTarget

# Bump when the workload changes: ratios against a reference measured with another
# version of the yardstick are not comparable, and the report says so.
WORKLOAD_VERSION = 1
EVENTS_PER_UNIT = 48  # one unit of work: the Python side of handling this many events (~1 ms)
UNITS_PER_REPETITION = 600  # ~0.5-1 s of CPU per repetition on this project's machines
DRIFT_LIMIT = 0.15  # start and end calibration differing more than this: the machine was busy
BUSY_WALL_OVER_CPU = 1.5  # the CPU unit's wall time this many times its CPU time: cores shared


def _fixed_events() -> list[str]:
    """CloudEvent envelopes shaped like ours, identical on every run and machine (no
    random ids, no clock), so the workload is the same everywhere."""
    base = datetime(2030, 1, 1, 9, 0)
    out = []
    for i in range(EVENTS_PER_UNIT):
        data = {
            "event_id": str(uuid.UUID(int=0x1234_5678_9ABC_DEF0 * (i + 1))),
            "schema_version": 1,
            "occurred_at": (base + timedelta(minutes=i)).isoformat() + "Z",
            "user_id": str(uuid.UUID(int=0xFEDC_BA98_7654_3210 * (i + 7))),
            "type": ("reminder.scheduled", "task.created", "task.completed")[i % 3],
            "task_id": str(uuid.UUID(int=0x0F0F_0F0F_0F0F * (i + 3))),
            "task_version": 1 + i % 4,
            "remind_at": (base + timedelta(minutes=i, seconds=-900)).isoformat() + "Z",
            "due_at": (base + timedelta(minutes=i)).isoformat() + "Z",
            "title": f"bench task {i} — call the dentist about Tuesday",
            "tags": [f"tag{j}" for j in range(i % 5)],
            "seq": i,
        }
        envelope = {
            "specversion": "1.0",
            "type": "com.dapr.event.sent",
            "source": "todo-web",
            "id": data["event_id"],
            "datacontenttype": "application/json",
            "data": data,
        }
        out.append(json.dumps(envelope))
    return out


_EVENTS = _fixed_events()


def work_unit(events: list[str] = _EVENTS) -> int:
    """One unit: for each event what our services do in Python around I/O — decode the
    envelope, check and convert fields, build a row and the next event, format a log line,
    encode. Returns a checksum so the work cannot be skipped and stays deterministic."""
    check = 0
    for raw in events:
        envelope = json.loads(raw)
        data = envelope["data"]
        if not isinstance(data, dict) or data.get("schema_version") != 1:
            raise ValueError("calibration input changed")
        task_id = uuid.UUID(data["task_id"])
        due = datetime.fromisoformat(data["due_at"].removesuffix("Z"))
        remind = datetime.fromisoformat(data["remind_at"].removesuffix("Z"))
        row = {
            "id": str(task_id),
            "user_id": data["user_id"],
            "title": data["title"].strip().casefold(),
            "tags": sorted({t.lower() for t in data["tags"]}),
            "lead_s": int((due - remind).total_seconds()),
            "version": data["task_version"] + 1,
        }
        nxt = {k: v for k, v in data.items() if k not in ("seq", "tags")}
        nxt.update(
            type="reminder.due",
            due_at=(due + timedelta(days=1)).isoformat() + "Z",
            task_version=row["version"],
        )
        line = (
            f"event topic=reminders type={data['type']} event_id={data['event_id']} "
            f"task={row['id'][:8]} lead={row['lead_s']}s tags={','.join(row['tags'])} "
            "outcome=success"
        )
        check += len(json.dumps(nxt, sort_keys=True)) + len(line) + sum(map(len, row["tags"]))
    return check


@dataclass
class CpuRun:
    """One measurement of the CPU unit: the median of its repetitions."""

    ms_per_unit: float  # CPU (process) time per unit, the median repetition
    wall_ms_per_unit: float  # wall time of the same repetitions: > CPU when others ran
    repetitions: list[float]  # CPU ms per unit of each repetition
    checksum: int


def measure_cpu(
    repetitions: int = 5,
    units: int = UNITS_PER_REPETITION,
    clock: Callable[[], float] = time.process_time,
) -> CpuRun:
    """Single-threaded on purpose: it measures one core's speed for our kind of Python, not
    how many cores are free. CPU time, not wall time, because the figures it calibrates are
    CPU times or rates of CPU-bound processes; the wall time is kept to show contention."""
    work_unit()  # warm caches and the interpreter's specialisation before measuring
    per_rep: list[float] = []
    wall: list[float] = []
    checksum = 0
    for _ in range(repetitions):
        gc.collect()  # each repetition starts from the same heap state
        c0, w0 = clock(), time.perf_counter()
        for _ in range(units):
            checksum = work_unit()
        per_rep.append((clock() - c0) * 1000 / units)
        wall.append((time.perf_counter() - w0) * 1000 / units)
    return CpuRun(
        ms_per_unit=statistics.median(per_rep),
        wall_ms_per_unit=statistics.median(wall),
        repetitions=[round(r, 4) for r in per_rep],
        checksum=checksum,
    )


@dataclass
class Calibration:
    """The yardsticks of one bench run: each measured at its start and at its end."""

    cpu_ms: list[float] = field(default_factory=list)  # CPU ms per unit, [start, end]
    kafka_p50_ms: list[float] = field(default_factory=list)  # round trip p50, [start, end]
    cpu_wall_ms: list[float] = field(default_factory=list)
    workload_version: int = WORKLOAD_VERSION
    events_per_unit: int = EVENTS_PER_UNIT

    @property
    def cpu(self) -> float | None:
        """The mean of start and end: neither end alone represents the whole run."""
        return statistics.fmean(self.cpu_ms) if self.cpu_ms else None

    @property
    def kafka(self) -> float | None:
        return statistics.fmean(self.kafka_p50_ms) if self.kafka_p50_ms else None

    def basis_value(self, basis: str) -> float | None:
        return self.kafka if basis == "RT" else self.cpu if basis == "CU" else None

    def drift_notes(self) -> list[str]:
        """Start and end differing by more than DRIFT_LIMIT: the machine was busier at one
        end, so the ratios carry that much more uncertainty."""
        out = []
        for name, pair in (("CPU unit", self.cpu_ms), ("Kafka round trip p50", self.kafka_p50_ms)):
            if len(pair) == 2 and min(pair) > 0:
                change = max(pair) / min(pair) - 1
                if change > DRIFT_LIMIT:
                    out.append(
                        f"calibration {name} {pair[0]:.3f} ms at the start, {pair[1]:.3f} ms at "
                        f"the end ({change:.0%} apart, more than {DRIFT_LIMIT:.0%}): the machine "
                        "was busier at one end of the run; ratios are less certain"
                    )
        for when, cpu, wall in zip(("start", "end"), self.cpu_ms, self.cpu_wall_ms, strict=False):
            if cpu > 0 and wall > BUSY_WALL_OVER_CPU * cpu:
                out.append(
                    f"calibration CPU unit at the {when}: {wall:.3f} ms wall for {cpu:.3f} ms "
                    f"of CPU, {cpu / wall:.0%} of a core: other work shared the cores, so the "
                    "wall-clock figures (latencies, throughput) suffered more than CPU figures"
                )
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "cpu_mean_ms": None if self.cpu is None else round(self.cpu, 4),
            "kafka_p50_mean_ms": None if self.kafka is None else round(self.kafka, 3),
        }

    @classmethod
    def from_json(cls, body: dict[str, Any] | None) -> "Calibration | None":
        if not body:
            return None
        return cls(
            cpu_ms=list(body.get("cpu_ms") or []),
            kafka_p50_ms=list(body.get("kafka_p50_ms") or []),
            cpu_wall_ms=list(body.get("cpu_wall_ms") or []),
            workload_version=int(body.get("workload_version", 0)),
            events_per_unit=int(body.get("events_per_unit", 0)),
        )


def run(cfg: Any, calibration: Calibration, when: str, quick: bool) -> list[Figure]:
    """Measure both yardsticks once (`when`: "start" or "end"), add them to `calibration`,
    and return them as figures for the record. The CPU unit runs first, while nothing of
    ours is producing, so the round trip's threads do not share its core."""
    from bench import publish_path  # needs confluent_kafka; the pure parts above do not

    cpu_run = measure_cpu(repetitions=3 if quick else 5)
    calibration.cpu_ms.append(round(cpu_run.ms_per_unit, 4))
    calibration.cpu_wall_ms.append(round(cpu_run.wall_ms_per_unit, 4))
    cpu_fig = Figure(
        f"calibration_cpu_{when}",
        f"Calibration ({when}): fixed CPU-bound Python unit ({EVENTS_PER_UNIT} events' work)",
        "ms",
        "—",
        "—",
        samples=cpu_run.repetitions,
        basis="CU",
    )
    cpu_fig.notes.append(
        f"CPU ms per unit, median of {len(cpu_run.repetitions)} repetitions of "
        f"{UNITS_PER_REPETITION} units: {cpu_run.ms_per_unit:.4f} ms (wall "
        f"{cpu_run.wall_ms_per_unit:.4f} ms); workload v{WORKLOAD_VERSION}, checksum "
        f"{cpu_run.checksum}"
    )
    kafka_fig = publish_path.kafka_baseline(cfg, 30 if quick else 300)
    kafka_fig.key = f"calibration_kafka_{when}"
    kafka_fig.title = f"Calibration ({when}): plain Kafka produce → consume round trip"
    p50 = kafka_fig.summary().get("p50")
    if p50 is not None:
        calibration.kafka_p50_ms.append(p50)
    return [cpu_fig, kafka_fig]


# --- ratios ---------------------------------------------------------------------------

RATE_UNITS = ("events/s",)  # higher is better; everything else (ms) lower is better
STATS = ("p50", "p95", "p99", "value")


def basis_of(summary: dict[str, Any]) -> str | None:
    return summary.get("basis") or {"ms": "RT", "events/s": "CU"}.get(summary.get("unit", ""))


def higher_is_better(summary: dict[str, Any], stat: str) -> bool:
    return stat == "value" and summary.get("unit") in RATE_UNITS


def stat_value(summary: dict[str, Any], stat: str) -> float | None:
    """A figure's number by name: "p95", "value", or "cpu_ms.<part>"."""
    if stat.startswith("cpu_ms."):
        value = (summary.get("cpu_ms") or {}).get(stat.removeprefix("cpu_ms."))
    else:
        value = summary.get(stat)
    return float(value) if isinstance(value, int | float) else None


def ratio_label(summary: dict[str, Any], stat: str) -> str:
    if stat.startswith("cpu_ms."):
        return "CU"
    basis = basis_of(summary) or "?"
    return f"ev/{basis}" if summary.get("unit") in RATE_UNITS else basis


def ratio(summary: dict[str, Any], stat: str, cal: Calibration | None) -> float | None:
    """The stat against the calibration: a time ÷ the basis's ms; a rate (events/s) × the
    basis's seconds, i.e. events per basis unit, so higher stays better as in the figure."""
    value = stat_value(summary, stat)
    if value is None or cal is None:
        return None
    base = cal.cpu if stat.startswith("cpu_ms.") else cal.basis_value(basis_of(summary) or "")
    if not base:
        return None
    return value * base / 1000 if summary.get("unit") in RATE_UNITS else value / base


def figure_ratios(summary: dict[str, Any], cal: Calibration | None) -> dict[str, Any]:
    """Every ratio of one figure, for results.json."""
    out: dict[str, Any] = {}
    for stat in STATS:
        r = ratio(summary, stat, cal)
        if r is not None:
            out[stat] = round(r, 4)
    cpu = {
        part: round(r, 4)
        for part in summary.get("cpu_ms") or {}
        if (r := ratio(summary, f"cpu_ms.{part}", cal)) is not None
    }
    if cpu:
        out["cpu_ms"] = cpu
    if out:
        out["basis"] = basis_of(summary)
    return out


# --- the reference run and targets ----------------------------------------------------


@dataclass
class Reference:
    """bench/reference.json: figures measured before a change, with that run's calibration,
    and the targets of the change ({figure key: [RatioTarget fields]})."""

    date: str
    figures: dict[str, dict[str, Any]]
    calibration: Calibration | None
    targets: dict[str, list[RatioTarget]] = field(default_factory=dict)
    quick: bool = False  # measured with --quick: fewer samples, p95/p99 less certain

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "Reference":
        figures = body.get("figures") or {}
        if isinstance(figures, list):  # a results.json's list of summaries
            figures = {f["key"]: f for f in figures}
        return cls(
            date=str(body.get("date", "?")),
            figures=figures,
            calibration=Calibration.from_json(body.get("calibration")),
            targets={
                key: [RatioTarget(**t) for t in items]
                for key, items in (body.get("targets") or {}).items()
            },
            quick=bool(body.get("quick", False)),
        )

    def comparable(self, cal: Calibration | None) -> bool:
        """Ratios mean the same only when both runs used the same yardstick."""
        ref = self.calibration
        return bool(
            ref and cal and ref.workload_version == cal.workload_version and ref.cpu and cal.cpu
        )


def load_reference(path: str | Any) -> Reference | None:
    try:
        with open(path) as fh:
            return Reference.from_json(json.load(fh))
    except FileNotFoundError:
        return None


@dataclass
class Comparison:
    """One stat of one figure, before (the reference) and now."""

    key: str
    stat: str
    label: str  # RT, CU, ev/CU
    before: float
    now: float
    before_ratio: float | None
    now_ratio: float | None
    higher_is_better: bool

    @property
    def on_ratios(self) -> bool:
        return self.before_ratio is not None and self.now_ratio is not None

    @property
    def change(self) -> float | None:
        """now ÷ before, on the ratios when both runs have them, else on the absolutes."""
        a, b = (self.now_ratio, self.before_ratio) if self.on_ratios else (self.now, self.before)
        return a / b if a is not None and b else None

    @property
    def better_by(self) -> float | None:
        """How many times better now is: before ÷ now for times, now ÷ before for rates."""
        c = self.change
        if not c:
            return None
        return c if self.higher_is_better else 1 / c


def compare(summary: dict[str, Any], cal: Calibration | None, ref: Reference) -> list[Comparison]:
    before = ref.figures.get(summary["key"])
    if not before or summary.get("error"):
        return []
    ok = ref.comparable(cal)
    # The before figures are divided on today's basis, so a figure whose basis changed
    # since is still compared like with like.
    before = before | {"unit": summary["unit"], "basis": basis_of(summary)}
    stats = list(STATS) + [f"cpu_ms.{p}" for p in summary.get("cpu_ms") or {}]
    out = []
    for stat in stats:
        b, n = stat_value(before, stat), stat_value(summary, stat)
        if b is None or n is None:
            continue
        out.append(
            Comparison(
                key=summary["key"],
                stat=stat,
                label=ratio_label(summary, stat),
                before=b,
                now=n,
                before_ratio=ratio(before, stat, ref.calibration) if ok else None,
                now_ratio=ratio(summary, stat, cal) if ok else None,
                higher_is_better=higher_is_better(summary, stat),
            )
        )
    return out


@dataclass
class Verdict:
    key: str
    target: RatioTarget
    ratio: float | None
    comparison: Comparison | None
    met: bool | None  # None: could not be judged (see why)
    why: str


def judge(
    summary: dict[str, Any],
    target: RatioTarget,
    cal: Calibration | None,
    ref: Reference | None,
) -> Verdict:
    key = summary["key"]
    r = ratio(summary, target.stat, cal)
    comparison = next(
        (c for c in (compare(summary, cal, ref) if ref else []) if c.stat == target.stat), None
    )
    if summary.get("error") or stat_value(summary, target.stat) is None:
        return Verdict(key, target, r, comparison, None, "not measured")
    if r is None:
        return Verdict(key, target, r, comparison, None, "no calibration in this run")
    reasons: list[str] = []
    met = True
    label = ratio_label(summary, target.stat)
    if target.at_most is not None:
        met &= r <= target.at_most
        reasons.append(f"{r:.3g} {label} ≤ {target.at_most:g}")
    if target.at_least is not None:
        met &= r >= target.at_least
        reasons.append(f"{r:.3g} {label} ≥ {target.at_least:g}")
    if target.better_by is not None:
        if comparison is None:
            return Verdict(key, target, r, None, None, "not in bench/reference.json")
        if not comparison.on_ratios:
            return Verdict(
                key,
                target,
                r,
                comparison,
                None,
                "the reference run has no comparable calibration",
            )
        by = comparison.better_by or 0.0
        met &= by >= target.better_by
        reasons.append(f"{by:.2f}× better ≥ {target.better_by:g}×")
    return Verdict(key, target, r, comparison, met, "; ".join(reasons))


def targets_of(summary: dict[str, Any], ref: Reference | None) -> list[RatioTarget]:
    """The figure's own ratio targets, then the reference's for it (the change's goals)."""
    own = [RatioTarget(**t) for t in summary.get("ratio_targets") or []]
    return own + (ref.targets.get(summary["key"], []) if ref else [])


# --- bench/reference.json -------------------------------------------------------------

REFERENCE_ABOUT = (
    "Figures of a bench run before a change, with that run's calibration, written by "
    "`python -m bench.calibration reference [results.json]` (it keeps `targets`). The "
    "report compares each figure of a new run with these on the ratios to each run's own "
    "calibration: before (ratio) -> now (ratio), change xN. `targets` states the change's "
    'goals per figure key, e.g. {"reminder_lateness": [{"stat": "cpu_ms.total", '
    '"better_by": 2.7}]} for "cut the CPU per reminder >= 2.7x against the calibration"; '
    "stat is p50, p95, p99, value or cpu_ms.<part|total>; at_most / at_least bound the "
    "ratio itself. Without a calibration here, comparisons are absolute and better_by is "
    "not judged."
)
_KEPT = ("key", "title", "unit", "basis", "n", "p50", "p95", "p99", "value", "cpu_ms", "cpu_per")


def snapshot_reference(results: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    """A results.json made into a reference: its figures' numbers and calibration, the
    previous reference's targets kept (they are the goal of the change, not of the run)."""
    return {
        "about": REFERENCE_ABOUT,
        "date": results.get("date"),
        "machine": results.get("machine"),
        "quick": results.get("quick", False),
        "calibration": results.get("calibration"),
        "figures": {
            f["key"]: {k: f[k] for k in _KEPT if k in f}
            for f in results.get("figures", [])
            if not f.get("error")
        },
        "targets": (old or {}).get("targets", {}),
    }


def _main(argv: list[str]) -> None:
    from pathlib import Path

    here = Path(__file__).resolve().parent
    if not argv or argv[0] != "reference":
        raise SystemExit("usage: python -m bench.calibration reference [results.json]")
    source = Path(argv[1]) if len(argv) > 1 else here / "results.json"
    target = here / "reference.json"
    old = json.loads(target.read_text()) if target.exists() else None
    body = snapshot_reference(json.loads(source.read_text()), old)
    if not body["calibration"]:
        print(f"note: {source} has no calibration; comparisons with it will be absolute")
    target.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    print(target)


if __name__ == "__main__":
    import sys

    _main(sys.argv[1:])
