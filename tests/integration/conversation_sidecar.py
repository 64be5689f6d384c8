"""A daprd of the pinned build (devstack's DAPRD_TAGS) with only the given components: the
Conversation API's plumbing tested through a real sidecar, apart from the stack's."""

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from devstack import provision


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def sidecar(
    app_id: str, resources: Path, components: dict[str, str], daprd: Path | None = None
) -> Iterator[tuple[int, int]]:
    """(HTTP port, gRPC port) of a healthy daprd (devstack's unless `daprd` names another
    build) reading `components` (file name → YAML)."""
    for name, text in components.items():
        (resources / name).write_text(text)
    http, grpc, internal, metrics = (_free_port() for _ in range(4))
    log = Path(resources / "daprd.log").open("w")
    proc = subprocess.Popen(
        [str(daprd or provision.ensure_dapr() / "daprd"), "--app-id", app_id,
         "--dapr-http-port", str(http), "--dapr-grpc-port", str(grpc),
         "--dapr-internal-grpc-port", str(internal), "--metrics-port", str(metrics),
         "--resources-path", str(resources), "--log-level", "warn"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{http}/v1.0/healthz/outbound").status_code < 300:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (resources / "daprd.log").read_text()
            assert time.monotonic() < deadline, f"the {app_id} sidecar did not become healthy"
            time.sleep(0.2)
        yield http, grpc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
