"""An extra app beside a daprd of its own, for tests that need one on the stack's Kafka,
scheduler and PostgreSQL: its ports (above the stack's own) and its components (the
project's, with its app id added to their scopes)."""

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import yaml

from devstack import parts, processes
from devstack.config import StackConfig
from devstack.parts import DAPR_RESOURCES, Sidecar
from devstack.ports import ensure_free

_SUFFIXES = ["PORT", "DAPR_HTTP_PORT", "DAPR_GRPC_PORT", "DAPR_INTERNAL_PORT", "DAPR_METRICS_PORT"]


def with_ports(stack: StackConfig, prefix: str, offset: int) -> StackConfig:
    """The stack's config plus `{prefix}_PORT`, `{prefix}_DAPR_*_PORT`, `offset` above the
    worker's sidecar's last port."""
    base = stack.port("TODO_WORKER_DAPR_METRICS_PORT") + offset
    ports = {**stack.ports}
    for i, suffix in enumerate(_SUFFIXES):
        ports[f"{prefix}_{suffix}"] = base + i
    return replace(stack, ports=ports)


def components_for(tmp: Path, app_id: str) -> Path:
    """The project's components, with `app_id` added to their scopes."""
    out = tmp / "components"
    out.mkdir()
    for src in DAPR_RESOURCES.glob("*.yaml"):
        doc = yaml.safe_load(src.read_text())
        if "scopes" in doc:
            doc["scopes"].append(app_id)
        (out / src.name).write_text(yaml.safe_dump(doc))
    return out


@contextmanager
def running(
    cfg: StackConfig, sidecar: Sidecar, script: Path, tmp: Path, env: dict[str, str]
) -> Iterator[None]:
    """`script` as the app (its env plus `env` and APP_PORT) and a daprd of its own beside
    it, both healthy, until the block ends; their logs are tmp/app.log and tmp/daprd.log."""
    run_dir, p = tmp / "run", sidecar.prefix
    for var in (f"{p}_PORT", f"{p}_DAPR_HTTP_PORT", f"{p}_DAPR_GRPC_PORT"):
        ensure_free(cfg.port(var), var)
    app_env = {**os.environ, "APP_PORT": str(sidecar.app_port(cfg)), **env}
    try:
        processes.spawn(
            "app", [sys.executable, str(script)], run_dir=run_dir, log_file=tmp / "app.log",
            env=app_env,
        )  # fmt: skip
        processes.spawn(
            "dapr",
            parts.daprd_argv(cfg, sidecar, resources=components_for(tmp, sidecar.app_id)),
            run_dir=run_dir,
            log_file=tmp / "daprd.log",
            env=parts.daprd_env(cfg),
        )
        deadline = time.monotonic() + 60
        while not parts.sidecar_healthy(cfg, sidecar):
            assert time.monotonic() < deadline, processes.tail(tmp / "daprd.log")
            time.sleep(0.3)
        yield
    finally:
        processes.stop(run_dir, "dapr")
        processes.stop(run_dir, "app")
