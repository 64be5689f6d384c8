"""Bring the whole stack up in order, report on it, and take it down again."""

import time
from collections.abc import Callable
from dataclasses import dataclass

from devstack import apps, observability, parts, processes
from devstack.config import MAX_WORKER_REPLICAS, StackConfig, worker_name
from devstack.errors import StackError
from devstack.parts import WEB_SIDECAR, Part
from devstack.ports import ensure_free, is_listening
from devstack.progress import say

INFRA = ("postgres", "redis", "kafka", "scheduler")


def all_parts(worker_replicas: int = 1) -> list[Part]:
    """Every part in start order, with `worker_replicas` workers (each beside its daprd)."""
    runtime = [
        Part(
            "postgres",
            ["TODO_PG_PORT"],
            parts.start_postgres,
            parts.postgres_healthy,
            after_start=parts.create_database,
            timeout=60,
        ),
        Part("redis", ["TODO_REDIS_PORT"], parts.start_redis, parts.redis_healthy, timeout=30),
        Part(
            "kafka",
            ["TODO_KAFKA_PORT", "TODO_KAFKA_CONTROLLER_PORT"],
            parts.start_kafka,
            parts.kafka_healthy,
            after_start=parts.create_topics,
            timeout=90,
        ),
        Part(
            "scheduler",
            [
                "TODO_SCHEDULER_PORT",
                "TODO_SCHEDULER_HEALTH_PORT",
                "TODO_SCHEDULER_METRICS_PORT",
                "TODO_SCHEDULER_ETCD_CLIENT_PORT",
                "TODO_SCHEDULER_ETCD_PEER_PORT",
            ],
            parts.start_scheduler,
            parts.scheduler_healthy,
            timeout=60,
        ),
    ]
    # Before the apps and sidecars, so their first spans and scrapes have somewhere to go.
    runtime += [
        Part(
            "zipkin",
            ["TODO_ZIPKIN_PORT"],
            lambda cfg: parts._spawn(
                cfg, "zipkin", observability.zipkin_argv(cfg), env=observability.zipkin_env(cfg)
            ),
            lambda cfg: parts._http_ok(f"{observability.zipkin_url(cfg)}/health"),
            timeout=90,
        ),
        Part(
            "victoriametrics",
            ["TODO_METRICS_PORT"],
            lambda cfg: parts._spawn(
                cfg, "victoriametrics", observability.victoriametrics_argv(cfg)
            ),
            lambda cfg: parts._http_ok(f"{observability.metrics_url(cfg)}/health"),
            timeout=60,
        ),
    ]
    runtime += _app_and_sidecar(
        "todo-web", WEB_SIDECAR, apps.start_web, apps.web_healthy, timeout=300
    )
    for k in range(1, worker_replicas + 1):
        runtime += worker_parts(k)
    return runtime


def worker_parts(k: int) -> list[Part]:
    """Worker replica k and its daprd: `todo-worker[-k]` and `todo-worker[-k]-dapr`."""
    return _app_and_sidecar(
        worker_name(k),
        parts.worker_sidecar(k),
        lambda cfg: apps.start_worker(cfg, k),
        lambda cfg: apps.worker_healthy(cfg, k),
        timeout=60,
    )


def _app_and_sidecar(
    name: str,
    sidecar: parts.Sidecar,
    start: Callable[[StackConfig], None],
    healthy: Callable[[StackConfig], bool],
    timeout: float,
) -> list[Part]:
    p = sidecar.prefix
    app_ports = [f"{p}_PORT"] + ([f"{p}_HEALTH_PORT"] if sidecar.app_id == "todo-worker" else [])
    return [
        Part(name, app_ports, start, healthy, timeout=timeout),
        Part(
            f"{name}-dapr",
            [
                f"{p}_DAPR_HTTP_PORT",
                f"{p}_DAPR_GRPC_PORT",
                f"{p}_DAPR_INTERNAL_PORT",
                f"{p}_DAPR_METRICS_PORT",
            ],
            lambda cfg: parts.start_sidecar(cfg, sidecar, f"{name}-dapr"),
            lambda cfg: parts.sidecar_healthy(cfg, sidecar),
            timeout=90,
        ),
    ]


def up(cfg: StackConfig, infra_only: bool = False) -> None:
    for part in all_parts(cfg.worker_replicas):
        if infra_only and part.name not in INFRA:
            continue
        if part.name in observability.PARTS and not cfg.observability:
            continue
        _ensure_running(cfg, part)
        if part.name == "scheduler":
            say("applying database migrations")
            apps.migrate(cfg)
    say(f"stack '{cfg.name}' is up; `make status` shows it, `make down` stops it")


def _ensure_running(cfg: StackConfig, part: Part) -> None:
    pid = processes.read_pid(cfg.run_dir, part.name)
    if pid is not None and part.healthy(cfg):
        say(f"{part.name}: already running (pid {pid})")
        return
    if pid is not None:
        say(f"{part.name}: running (pid {pid}) but not healthy; restarting it")
        processes.stop(cfg.run_dir, part.name)
    for var in part.ports:
        ensure_free(cfg.port(var), var)
    say(f"{part.name}: starting")
    started = time.monotonic()
    part.start(cfg)
    _wait_healthy(cfg, part)
    if part.after_start:
        part.after_start(cfg)
    say(f"{part.name}: healthy in {time.monotonic() - started:.1f}s")


def _wait_healthy(cfg: StackConfig, part: Part) -> None:
    deadline = time.monotonic() + part.timeout
    while time.monotonic() < deadline:
        if part.healthy(cfg):
            return
        if processes.read_pid(cfg.run_dir, part.name) is None:
            raise _failed(cfg, part, "exited during start-up")
        time.sleep(0.3)
    raise _failed(cfg, part, f"not healthy after {part.timeout:.0f}s")


def _failed(cfg: StackConfig, part: Part, why: str) -> StackError:
    log = part.log(cfg)
    print(f"--- last lines of {log} ---\n{processes.tail(log)}\n---", flush=True)
    return StackError(f"{part.name} {why} (log: {log})")


def scale_workers(cfg: StackConfig, n: int) -> None:
    """Run worker replicas 1..n and stop those above n (sidecar first, so nothing is handed
    to a worker that is going away); the rest of the stack must be up."""
    if not 1 <= n <= MAX_WORKER_REPLICAS:
        raise StackError(f"{n} worker replicas: the local stack runs 1-{MAX_WORKER_REPLICAS}")
    for k in range(1, MAX_WORKER_REPLICAS + 1):
        if k <= n:
            for part in worker_parts(k):
                _ensure_running(cfg, part)
            continue
        for part in reversed(worker_parts(k)):
            if processes.stop(cfg.run_dir, part.name):
                say(f"{part.name}: stopped")


def down(cfg: StackConfig) -> None:
    # Every replica, whatever TODO_WORKER_REPLICAS says now: one started by an earlier `up`
    # or by scale_workers must not outlive the stack.
    for part in reversed(all_parts(MAX_WORKER_REPLICAS)):
        if processes.stop(cfg.run_dir, part.name):
            say(f"{part.name}: stopped")
    say(f"stack '{cfg.name}' is down (data kept in {cfg.data_dir})")


@dataclass
class PartStatus:
    name: str
    state: str  # running | unhealthy | stopped
    pid: int | None
    ports: dict[str, int]
    log: str

    def as_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def parts_in_use(cfg: StackConfig) -> list[Part]:
    """The configured parts, and any further worker replica that is running."""
    configured = all_parts(cfg.worker_replicas)
    names = {p.name for p in configured}
    running = [
        p
        for p in all_parts(MAX_WORKER_REPLICAS)
        if p.name not in names and processes.read_pid(cfg.run_dir, p.name) is not None
    ]
    return configured + running


def status(cfg: StackConfig) -> list[PartStatus]:
    result = []
    for part in parts_in_use(cfg):
        pid = processes.read_pid(cfg.run_dir, part.name)
        if pid is None:
            state = "stopped"
        else:
            state = "running" if part.healthy(cfg) else "unhealthy"
        ports = {var: cfg.port(var) for var in part.ports}
        result.append(PartStatus(part.name, state, pid, ports, str(part.log(cfg))))
    return result


def foreign_listeners(cfg: StackConfig) -> list[str]:
    """Ports of a stopped part that something else is listening on."""
    return [
        f"{var}={cfg.port(var)}"
        for st in status(cfg)
        if st.state == "stopped"
        for var in st.ports
        if is_listening(cfg.port(var))
    ]
