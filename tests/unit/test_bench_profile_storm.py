# ruff: noqa: E501 (metrics and stacks as the tools print them, one a line)
"""bench/profile_storm.py's pure parts: Prometheus text, py-spy's folded stacks,
pg_stat_statements and per-thread CPU deltas, on small made-up inputs."""

import pytest

from bench.profile_storm import (
    Statement,
    by_thread,
    category,
    fold_raw,
    parse_prometheus,
    runtime_figures,
    self_time,
    series_delta,
    split_by_category,
    statements_delta,
    summarise_metrics,
    thread_cpu_delta,
    under_our_code,
)

BEFORE = """\
# HELP dapr_component_state_count The number of operations performed on the state component.
# TYPE dapr_component_state_count counter
dapr_component_state_count{app_id="todo-worker",component="statestore",operation="get",success="true"} 10
# TYPE dapr_grpc_io_client_roundtrip_latency histogram
dapr_grpc_io_client_roundtrip_latency_bucket{app_id="todo-worker",grpc_client_method="/x/OnJobEvent",le="1"} 3
dapr_grpc_io_client_roundtrip_latency_sum{app_id="todo-worker",grpc_client_method="/x/OnJobEvent"} 20
dapr_grpc_io_client_roundtrip_latency_count{app_id="todo-worker",grpc_client_method="/x/OnJobEvent"} 4
# TYPE dapr_scheduler_sidecars_connected gauge
dapr_scheduler_sidecars_connected 6
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 1.5
# TYPE go_memstats_alloc_bytes_total counter
go_memstats_alloc_bytes_total 1024
"""

AFTER = """\
# TYPE dapr_component_state_count counter
dapr_component_state_count{app_id="todo-worker",component="statestore",operation="get",success="true"} 30
dapr_component_state_count{app_id="todo-worker",component="statestore",operation="set",success="true"} 20
# TYPE dapr_grpc_io_client_roundtrip_latency histogram
dapr_grpc_io_client_roundtrip_latency_bucket{app_id="todo-worker",grpc_client_method="/x/OnJobEvent",le="1"} 9
dapr_grpc_io_client_roundtrip_latency_sum{app_id="todo-worker",grpc_client_method="/x/OnJobEvent"} 120
dapr_grpc_io_client_roundtrip_latency_count{app_id="todo-worker",grpc_client_method="/x/OnJobEvent"} 24
# TYPE dapr_scheduler_sidecars_connected gauge
dapr_scheduler_sidecars_connected 9
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 1.7
# TYPE go_memstats_alloc_bytes_total counter
go_memstats_alloc_bytes_total 21504
weird line without a value
"""


def test_prometheus_text_parses_labels_types_and_skips_junk() -> None:
    series, types = parse_prometheus('# TYPE a counter\na{x="q\\"uote",y="1"} 2.5 1700000000\n')
    assert types == {"a": "counter"}
    assert series == {("a", (("x", 'q\\"uote'), ("y", "1"))): 2.5}
    assert parse_prometheus("nonsense\n\n# comment\n")[0] == {}


def test_metrics_per_reminder_counters_and_histogram_means() -> None:
    before, _ = parse_prometheus(BEFORE)
    after, types = parse_prometheus(AFTER)
    rows = summarise_metrics(series_delta(before, after), types, n=10)
    got = {(r.family, r.labels): (r.per_reminder, r.mean) for r in rows}
    # A label set first seen after counts from 0; app_id and le are left out of the labels.
    assert got == {
        ("dapr_component_state_count", "component=statestore, operation=get, success=true"): (
            2.0,
            None,
        ),
        ("dapr_component_state_count", "component=statestore, operation=set, success=true"): (
            2.0,
            None,
        ),
        ("dapr_grpc_io_client_roundtrip_latency", "grpc_client_method=/x/OnJobEvent"): (
            2.0,
            5.0,  # (120 − 20) / (24 − 4)
        ),
    }
    runtime = runtime_figures(series_delta(before, after), n=10)
    assert runtime["cpu_ms"] == pytest.approx(20.0)
    assert runtime["alloc_kb"] == pytest.approx(2.0)


RAW = """\
thread (1): MainThread;<module> (todo-worker);run (worker/service.py);_run_once (asyncio/base_events.py:1884);fire (worker/handlers/reminders.py:120);execute (sqlalchemy/engine/base.py:10) 6
thread (1): MainThread;<module> (todo-worker);run (worker/service.py);_run_once (asyncio/base_events.py:1890);fire (worker/handlers/reminders.py:121);execute (sqlalchemy/engine/base.py:12) 2
thread (1): MainThread;<module> (todo-worker);run (worker/service.py);_run_once (asyncio/base_events.py) 3
thread (7): Thread-1 (_poll_wrapper);_bootstrap (threading.py);run (threading.py) 4
thread (8): asyncio_0;_worker (concurrent/futures/thread.py);_log (loguru/_logger.py) 1
not a stack line
"""


def test_py_spy_raw_folds_without_line_numbers() -> None:
    folded = fold_raw(RAW)
    assert sum(folded.values()) == 16
    assert self_time(folded).most_common(2) == [("execute (sqlalchemy/engine/base.py)", 8),
                                               ("run (threading.py)", 4)]  # fmt: skip
    assert by_thread(folded) == {
        "MainThread": 11,
        "Thread-1 (_poll_wrapper)": 4,
        "asyncio_0": 1,
    }
    assert split_by_category(folded) == {
        "sqlalchemy + sqlmodel": 8,
        "other stdlib": 4,
        "asyncio": 3,
        "loguru": 1,
    }
    # The worker's entry frame is not "our function": only a handler is.
    assert under_our_code(folded) == {
        "fire (worker/handlers/reminders.py)": 8,
        "(no frame of ours)": 8,
    }


@pytest.mark.parametrize(
    ("frame", "want"),
    [
        ("unary_unary (dapr/clients/grpc/client.py)", "dapr SDK"),
        ("_invoke (grpc/aio/_call.py)", "grpc + protobuf"),
        ("__do_execute (asyncpg/prepared_stmt.py)", "asyncpg"),
        ("model_dump (pydantic/main.py)", "pydantic"),
        ("dumps (json/__init__.py)", "json"),
        ("record_due (todo_core/repositories/notifications.py)", "our code"),
        ("write (asyncio/selector_events.py)", "asyncio"),
        ("_joinrealpath (<frozen posixpath>)", "other stdlib"),
        ("x (/venv/lib/python3.11/site-packages/dapr/aio/clients/grpc/c.py)", "dapr SDK"),
        ("get (httpx/_client.py)", "other"),
        ("run (threading.py)", "other stdlib"),
    ],
)
def test_frames_fall_in_their_library(frame: str, want: str) -> None:
    assert category(frame) == want


def test_statements_per_reminder_leave_out_our_own_and_count_new_from_zero() -> None:
    before = {
        "1/10": Statement("UPDATE dapr.state SET value = $1", 100, 50.0, 100),
        "2/10": Statement("/* profile_storm */ SELECT count(*) FROM notification", 5, 1.0, 5),
        "3/10": Statement("SELECT 1", 7, 1.0, 7),
    }
    after = {
        "1/10": Statement("UPDATE  dapr.state\n SET value = $1", 120, 60.0, 120),
        "2/10": Statement("/* profile_storm */ SELECT count(*) FROM notification", 9, 2.0, 9),
        "3/10": Statement("SELECT 1", 7, 1.0, 7),  # not run in between
        "4/10": Statement("INSERT INTO notification SELECT …", 2, 30.0, 1000),
        "5/10": Statement("SELECT * FROM pg_stat_statements", 1, 1.0, 10),
    }
    rows = statements_delta(before, after, n=10)
    assert [(r.query, r.calls_per_reminder, r.ms_per_reminder, r.mean_ms, r.rows_per_call)
            for r in rows] == [
        ("INSERT INTO notification SELECT …", 0.2, 3.0, 15.0, 500.0),
        ("UPDATE dapr.state SET value = $1", 2.0, 1.0, 0.5, 1.0),
    ]  # fmt: skip


def test_statement_reset_in_between_counts_from_zero() -> None:
    before = {"1/10": Statement("SELECT 1", 100, 50.0, 100)}
    after = {"1/10": Statement("SELECT 1", 3, 1.5, 3)}
    (row,) = statements_delta(before, after, n=3)
    assert (row.calls_per_reminder, row.ms_per_reminder) == (1.0, 0.5)


def test_thread_cpu_by_name_adds_pools_and_new_threads() -> None:
    before = {1: ("todo-worker", 1.0), 2: ("event_engine", 0.5), 3: ("event_engine", 0.5)}
    after = {
        1: ("todo-worker", 3.0),
        2: ("event_engine", 0.7),
        3: ("event_engine", 0.6),
        4: ("event_engine", 0.1),  # started in between
        5: ("lifeguard", 0.0),
    }
    got = thread_cpu_delta(before, after, n=100)
    assert list(got) == ["todo-worker", "event_engine"]
    assert got["todo-worker"] == pytest.approx(20.0)
    assert got["event_engine"] == pytest.approx(4.0)
