"""The bench's calibration and ratio logic, on made-up figures (no stack)."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bench import calibration as calib
from bench import cpu, report
from bench.calibration import Calibration, Reference
from bench.stats import Figure, RatioTarget

META = {
    "date": "2030-01-01T00:00:00+00:00",
    "machine": {"cpu": "fake cpu", "cores": 2, "memory_gb": 1.0, "kernel": "fake"},
    "python": "3.11",
    "runtime": {},
    "packages": {},
}


def fake_latency(key: str = "fake_latency", p: float = 10.0) -> Figure:
    # 101 equal samples: every percentile is exactly p.
    return Figure(key, f"fake {key}", "ms", "—", "—", samples=[p] * 101)


def fake_throughput(value: float = 500.0) -> Figure:
    return Figure("fake_throughput", "fake throughput", "events/s", "—", "—", value=value)


def fake_cpu_figure(total: float = 8.0) -> Figure:
    fig = fake_latency("fake_reminders", 100.0)
    fig.cpu_ms = {"todo-worker": total / 2, "kafka": total / 2, "total": total}
    fig.cpu_per = "reminder"
    return fig


CAL = Calibration(cpu_ms=[1.9, 2.1], kafka_p50_ms=[2.4, 2.6], cpu_wall_ms=[2.0, 2.2])


def fake_clock(step: float) -> Callable[[], float]:
    now = [0.0]

    def clock() -> float:
        now[0] += step
        return now[0]

    return clock


def test_workload_is_deterministic() -> None:
    assert calib.work_unit() == calib.work_unit()
    assert calib.work_unit() > 0


def test_measure_cpu_reports_ms_per_unit_median() -> None:
    # Each clock read advances 0.5 s: a repetition of 10 units reads 0.5 s → 50 ms/unit.
    run = calib.measure_cpu(repetitions=3, units=10, clock=fake_clock(0.5))
    assert run.ms_per_unit == pytest.approx(50.0)
    assert run.repetitions == [50.0, 50.0, 50.0]
    assert run.checksum == calib.work_unit()


def test_calibration_means_and_drift_notes() -> None:
    assert CAL.cpu == pytest.approx(2.0)
    assert CAL.kafka == pytest.approx(2.5)
    assert CAL.drift_notes() == []  # 10.5% and 8.3% apart, under 15%
    busy = Calibration(cpu_ms=[1.0, 1.3], kafka_p50_ms=[2.0, 2.0], cpu_wall_ms=[1.0, 4.0])
    notes = busy.drift_notes()
    assert len(notes) == 2
    assert "CPU unit" in notes[0] and "30% apart" in notes[0]
    assert "at the end" in notes[1] and "32% of a core" in notes[1]


def test_calibration_json_round_trip() -> None:
    body = json.loads(json.dumps(CAL.to_json()))
    assert body["cpu_mean_ms"] == pytest.approx(2.0)
    back = Calibration.from_json(body)
    assert back is not None and back.cpu == CAL.cpu and back.kafka == CAL.kafka
    assert Calibration.from_json(None) is None


def test_ratios_by_basis() -> None:
    lat = fake_latency(p=10.0).summary()
    assert calib.ratio(lat, "p50", CAL) == pytest.approx(4.0)  # 10 ms / 2.5 ms RT
    assert calib.ratio_label(lat, "p50") == "RT"
    parser = fake_latency(p=10.0)
    parser.basis = "CU"  # a pure-CPU latency against the CPU unit
    assert calib.ratio(parser.summary(), "p95", CAL) == pytest.approx(5.0)
    thr = fake_throughput(500.0).summary()
    # 500 events/s × 2 ms per unit = 1 event per CPU unit.
    assert calib.ratio(thr, "value", CAL) == pytest.approx(1.0)
    assert calib.ratio_label(thr, "value") == "ev/CU"
    fig = fake_cpu_figure(8.0).summary()
    assert calib.ratio(fig, "cpu_ms.total", CAL) == pytest.approx(4.0)
    assert calib.ratio(fig, "cpu_ms.kafka", CAL) == pytest.approx(2.0)
    assert calib.ratio(fig, "cpu_ms.total", None) is None
    assert calib.ratio(fig, "cpu_ms.scheduler", CAL) is None


def test_figure_ratios_for_json() -> None:
    ratios = calib.figure_ratios(fake_cpu_figure(8.0).summary(), CAL)
    assert ratios["basis"] == "RT"
    assert ratios["p95"] == pytest.approx(40.0)
    assert ratios["cpu_ms"] == {"todo-worker": 2.0, "kafka": 2.0, "total": 4.0}
    assert calib.figure_ratios(fake_latency().summary(), None) == {}


def fake_reference(cal: Calibration | None) -> Reference:
    """Before: a machine twice as slow as CAL's, with figures twice as large."""
    return Reference.from_json(
        {
            "date": "fake-before",
            "calibration": cal.to_json() if cal else None,
            "figures": [
                fake_cpu_figure(16.0).summary(),
                fake_throughput(250.0).summary(),
            ],
            "targets": {"fake_reminders": [{"stat": "cpu_ms.total", "better_by": 2.7}]},
        }
    )


SLOW_CAL = Calibration(cpu_ms=[4.0, 4.0], kafka_p50_ms=[5.0, 5.0])


def test_compare_on_ratios_cancels_the_machine() -> None:
    ref = fake_reference(SLOW_CAL)
    assert ref.comparable(CAL)
    # Twice the figure on a twice-as-slow machine: the same code, change ×1.
    [*_, total] = calib.compare(fake_cpu_figure(8.0).summary(), CAL, ref)
    assert total.stat == "cpu_ms.total"
    assert total.on_ratios
    assert total.before_ratio == pytest.approx(4.0) and total.now_ratio == pytest.approx(4.0)
    assert total.change == pytest.approx(1.0)
    # A real cut: 16 ms → 3 ms of CPU while the yardstick halved too: 8/3 = 2.67×.
    [*_, cut] = calib.compare(fake_cpu_figure(3.0).summary(), CAL, ref)
    assert cut.better_by == pytest.approx(4.0 / 1.5)
    [rate] = calib.compare(fake_throughput(500.0).summary(), CAL, ref)
    assert rate.higher_is_better and rate.better_by == pytest.approx(1.0)
    [rate] = calib.compare(fake_throughput(1000.0).summary(), CAL, ref)
    assert rate.better_by == pytest.approx(2.0)


def test_compare_without_reference_calibration_is_absolute() -> None:
    ref = fake_reference(None)
    assert not ref.comparable(CAL)
    [*_, total] = calib.compare(fake_cpu_figure(8.0).summary(), CAL, ref)
    assert not total.on_ratios
    assert total.change == pytest.approx(0.5)
    other = Calibration(cpu_ms=[4.0], kafka_p50_ms=[5.0], workload_version=999)
    assert not fake_reference(other).comparable(CAL)
    assert calib.compare(fake_latency("not_in_reference").summary(), CAL, ref) == []


def test_judge_targets() -> None:
    ref = fake_reference(SLOW_CAL)
    target = RatioTarget("cpu_ms.total", better_by=2.7)
    met = calib.judge(fake_cpu_figure(2.0).summary(), target, CAL, ref)  # 4 CU → 1 CU
    assert met.met is True and "4.00× better" in met.why
    missed = calib.judge(fake_cpu_figure(8.0).summary(), target, CAL, ref)
    assert missed.met is False
    unjudged = calib.judge(fake_cpu_figure(2.0).summary(), target, CAL, fake_reference(None))
    assert unjudged.met is None and "calibration" in unjudged.why
    assert calib.judge(fake_cpu_figure().summary(), target, None, ref).met is None
    bound = RatioTarget("p95", at_most=5.0)
    assert calib.judge(fake_latency(p=10.0).summary(), bound, CAL, None).met is True
    assert calib.judge(fake_latency(p=20.0).summary(), bound, CAL, None).met is False
    broken = Figure("fake_broken", "fake", "ms", "—", "—", error="boom")
    assert calib.judge(broken.summary(), bound, CAL, None).why == "not measured"


def test_targets_from_figure_and_reference() -> None:
    fig = fake_cpu_figure()
    fig.ratio_targets = [RatioTarget("p95", at_most=50)]
    targets = calib.targets_of(fig.summary(), fake_reference(SLOW_CAL))
    assert targets == [RatioTarget("p95", at_most=50), RatioTarget("cpu_ms.total", better_by=2.7)]


def test_cpu_per_event_keeps_its_text_and_fills_the_figure() -> None:
    before = {"todo-worker": {1: 1.0}, "kafka": {2: 0.5}}
    after = {"todo-worker": {1: 1.2}, "kafka": {2: 0.6, 3: 0.1}}  # pid 3 started in between
    text = cpu.per_event(before, after, 100)
    assert text == "CPU per event: todo-worker 2.00 ms, kafka 2.00 ms (total 4.00 ms)"
    fig = fake_latency()
    note = cpu.per_event(before, after, 100, into=fig, per="reminder")
    assert note.startswith("CPU per reminder: todo-worker 2.00 ms")
    assert fig.cpu_ms == pytest.approx({"todo-worker": 2.0, "kafka": 2.0, "total": 4.0})
    assert fig.summary()["cpu_per"] == "reminder"


def test_report_rows_show_ratios_beside_figures() -> None:
    row = report.figure_row(fake_latency(p=10.0), CAL)
    assert "| 10.0 (4.0 RT) | 10.0 (4.0 RT) | 10.0 (4.0 RT) |" in row
    assert "500 events/s (1.0 ev/CU)" in report.figure_row(fake_throughput(), CAL)
    assert "| 10.0 | 10.0 | 10.0 |" in report.figure_row(fake_latency(p=10.0), None)
    cpu_table = report.cpu_lines([fake_cpu_figure(8.0)], CAL)
    assert "| figure | per | todo-worker | kafka | total |" in cpu_table
    assert "| `fake_reminders` | reminder | 4.00 (2.0 CU) | 4.00 (2.0 CU) | 8.00 (4.0 CU) |" in (
        cpu_table
    )


def test_report_reference_and_targets_sections() -> None:
    ref = fake_reference(SLOW_CAL)
    lines = report.reference_lines([fake_cpu_figure(2.0)], CAL, ref)
    assert lines[0] == "## Against the reference run (fake-before, bench/reference.json)"
    total = next(x for x in lines if "cpu_ms.total" in x)
    assert (
        total
        == "| `fake_reminders` | cpu_ms.total | 16.00 (4.0 CU) | 2.00 (1.0 CU) | ×0.25 | 4.00× |"
    )
    assert "absolute figures" in "\n".join(
        report.reference_lines([fake_cpu_figure()], CAL, fake_reference(None))
    )
    assert "--quick" not in "\n".join(lines)
    quick = report.reference_lines([fake_cpu_figure(2.0)], CAL, ref, quick=True)
    assert "One of the two runs used --quick" in quick[2]
    targets = report.target_lines([fake_cpu_figure(2.0)], CAL, ref)
    assert "**met**" in targets[2] and "cpu_ms.total ≥ 2.7× better" in targets[2]


def test_markdown_and_json_end_to_end(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "b-second.md").write_text("## Second\n\nverbatim *text*\n")
    (notes / "a-first.md").write_text("## First\n")
    (notes / "ignored.txt").write_text("not markdown")
    figures = [fake_latency(), fake_throughput(), fake_cpu_figure(2.0)]
    ref = fake_reference(SLOW_CAL)
    busy = Calibration(cpu_ms=[1.0, 2.0], kafka_p50_ms=[2.5, 2.5])
    md = report.write_markdown(
        META, figures, {}, busy, ref, notes_dir=notes, path=tmp_path / "RESULTS.md"
    ).read_text()
    assert "## Calibration" in md and "**CU**" in md and "**RT**" in md
    assert "100% apart" in md  # the drift note
    assert md.index("## First") < md.index("## Second") and "not markdown" not in md
    assert md.rstrip().endswith("verbatim *text*")
    body = json.loads(
        report.write_json(META, figures, {}, CAL, ref, tmp_path / "results.json").read_text()
    )
    by_key = {f["key"]: f for f in body["figures"]}
    assert by_key["fake_latency"]["ratios"]["p50"] == pytest.approx(4.0)
    assert by_key["fake_reminders"]["cpu_ms"]["total"] == pytest.approx(2.0)
    assert body["calibration"]["kafka_p50_mean_ms"] == pytest.approx(2.5)
    assert body["reference"]["comparable"] is True
    assert body["ratio_targets"][0]["met"] is True


def test_markdown_without_calibration_or_notes(tmp_path: Path) -> None:
    md = report.write_markdown(
        META, [fake_latency()], {}, notes_dir=tmp_path / "none", path=tmp_path / "R.md"
    ).read_text()
    assert "No calibration in this run" in md


def test_snapshot_reference_keeps_numbers_calibration_and_old_targets() -> None:
    results = {
        "date": "fake-date",
        "calibration": CAL.to_json(),
        "figures": [
            fake_cpu_figure(8.0).summary(),
            Figure("fake_broken", "fake", "ms", "—", "—", error="boom").summary(),
        ],
    }
    old = {"targets": {"fake_reminders": [{"stat": "cpu_ms.total", "better_by": 2.7}]}}
    body = json.loads(json.dumps(calib.snapshot_reference(results, old)))
    assert set(body["figures"]) == {"fake_reminders"}  # a failed figure is no reference
    assert "notes" not in body["figures"]["fake_reminders"]
    ref = Reference.from_json(body)
    assert ref.comparable(CAL)
    assert ref.targets == {"fake_reminders": [RatioTarget("cpu_ms.total", better_by=2.7)]}
    [*_, total] = calib.compare(fake_cpu_figure(4.0).summary(), CAL, ref)
    assert total.better_by == pytest.approx(2.0)


def test_the_committed_reference_loads() -> None:
    ref = calib.load_reference(Path(report.HERE) / "reference.json")
    assert ref is not None and ref.figures
    for targets in ref.targets.values():
        assert all(isinstance(t, RatioTarget) for t in targets)
