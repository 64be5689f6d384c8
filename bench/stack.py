"""The bench's own stack instance: fresh data, its own ports, taken down at the end."""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from devstack import config, provision
from devstack import stack as devstack_stack
from devstack.config import StackConfig

# Apart from a developer's `make up` (shift 0) and the tests (shift 5000).
BENCH_ENV = {"TODO_STACK": "bench", "TODO_PORT_SHIFT": "7000"}


def bench_config() -> StackConfig:
    for key, value in BENCH_ENV.items():
        os.environ.setdefault(key, value)
    return config.load()


@contextmanager
def fresh_stack(keep: bool = False) -> Iterator[StackConfig]:
    """Start from empty data so figures don't depend on what a previous run left behind.
    TODO_BENCH_KEEP_STACK=1 (keep=True) reuses a running one and leaves it up."""
    cfg = bench_config()
    if not keep:
        devstack_stack.down(cfg)
        shutil.rmtree(cfg.data_dir, ignore_errors=True)
    provision.ensure_all()
    devstack_stack.up(cfg)
    try:
        yield cfg
    finally:
        if not keep:
            devstack_stack.down(cfg)


def web_url(cfg: StackConfig) -> str:
    return f"http://127.0.0.1:{cfg.port('TODO_WEB_PORT')}"
