"""An extra app beside a daprd of its own, for tests that need one on the stack's Kafka,
scheduler and PostgreSQL: its ports (above the stack's own) and its components (the
project's, with its app id added to their scopes)."""

from dataclasses import replace
from pathlib import Path

import yaml

from devstack.config import StackConfig
from devstack.parts import DAPR_RESOURCES

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
