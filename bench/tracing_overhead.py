"""What tracing costs (issue 24): the API create p95 and the worker's throughput with tracing
on (100 % sampling, daprd and both apps exporting to Zipkin) against off, in the same run on
the same stack. Off means what TODO_OBSERVABILITY=0 gives: no exporter in the apps and
daprd's samplingRate "0"; the stores keep running, so only the tracing itself differs.
Targets: p95 at most 10 % and throughput at most 15 % worse with tracing on."""

import asyncio
import dataclasses
import time

from bench import api, worker_figures
from bench.stats import Figure, percentile
from devstack import processes
from devstack import stack as devstack_stack
from devstack.config import StackConfig

APP_PARTS = ("todo-worker-dapr", "todo-worker", "todo-web-dapr", "todo-web")


def _restart_apps(cfg: StackConfig) -> None:
    """The apps and their sidecars again, with `cfg`'s tracing (env and Dapr config)."""
    for part in APP_PARTS:
        processes.stop(cfg.run_dir, part)
    devstack_stack.up(cfg)


async def _create_latencies(cfg: StackConfig, n: int) -> list[float]:
    """n creates one after another (a reminder each: both outbox events), in ms."""
    client = await api.sign_up(cfg)
    samples = []
    try:
        for i in range(n):
            started = time.perf_counter()
            resp = await client.post("/api/tasks", json=api.task_with_reminder(i))
            resp.raise_for_status()
            samples.append((time.perf_counter() - started) * 1000)
    finally:
        await client.aclose()
    return samples


def _measure(cfg: StackConfig, label: str, creates: int, backlog: int) -> tuple[Figure, Figure]:
    _restart_apps(cfg)
    asyncio.run(_create_latencies(cfg, 20))  # warm-up: connections, caches, JIT-free paths
    latency = Figure(f"tracing_{label}_api_create", f"API create, tracing {label}", "ms", "—", "—")
    latency.samples = asyncio.run(_create_latencies(cfg, creates))
    throughput = asyncio.run(worker_figures.throughput(cfg, backlog))
    throughput.key = f"tracing_{label}_worker_throughput"
    throughput.title = f"Worker throughput, tracing {label}"
    throughput.target = "—"
    return latency, throughput


def overhead(cfg: StackConfig, quick: bool) -> list[Figure]:
    if not cfg.observability:
        raise RuntimeError("tracing overhead needs the trace store: unset TODO_OBSERVABILITY")
    creates, backlog = (50, 200) if quick else (300, 1000)
    off_cfg = dataclasses.replace(cfg, observability=False)
    try:
        on = _measure(cfg, "on", creates, backlog)
        off = _measure(off_cfg, "off", creates, backlog)
    finally:
        _restart_apps(cfg)  # the rest of the bench runs as the stack was
    p95_on, p95_off = (percentile(f.samples, 95) for f in (on[0], off[0]))
    tput_on, tput_off = on[1].value or 0.0, off[1].value or 0.0
    p95_cost = p95_on / p95_off - 1
    tput_cost = 1 - tput_on / tput_off if tput_off else float("nan")
    on[0].target = "p95 ≤ 1.10 × off"
    on[1].target = "≥ 0.85 × off"
    on[0].notes.append(
        f"p95 {p95_on:.1f} ms on vs {p95_off:.1f} ms off: {p95_cost:+.1%} "
        f"({'within' if p95_cost <= 0.10 else 'over'} the 10 % target); 100 % sampling, "
        "measured on first, then off"
    )
    on[1].notes.append(
        f"{tput_on:.0f} events/s on vs {tput_off:.0f} off: {tput_cost:+.1%} fewer "
        f"({'within' if tput_cost <= 0.15 else 'over'} the 15 % target)"
    )
    return [*on, *off]
