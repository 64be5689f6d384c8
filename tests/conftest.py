"""Fixtures shared by every kind of test. The real stack is started lazily: only tests that
ask for `stack` (integration, e2e) pay for it, and it runs on its own ports and data folder
(TODO_STACK=test), apart from a developer's `make up`."""

import fcntl
import os
import shutil
from collections.abc import Iterator

import pytest

from devstack import config, provision
from devstack import stack as devstack_stack
from devstack.config import StackConfig


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running in the
    main thread for the rest of the session, which pytest-asyncio tests cannot share. The
    cluster's come after the local stack's end-to-end tests."""
    order = {"/tests/e2e/": 1, "/tests/cluster/": 2}
    items.sort(
        key=lambda item: max((n for d, n in order.items() if d in str(item.path)), default=0)
    )


@pytest.fixture(scope="session")
def stack_config() -> StackConfig:
    env = dict(os.environ)
    env.setdefault("TODO_STACK", "test")
    return config.load(env)


@pytest.fixture(scope="session")
def stack(stack_config: StackConfig) -> Iterator[StackConfig]:
    """The whole local stack, fresh for this test session, stopped at its end.

    TODO_TEST_KEEP_STACK=1 keeps it running and its data, for quick reruns while developing.
    """
    keep = os.environ.get("TODO_TEST_KEEP_STACK") == "1"
    # Two test sessions on one machine would stop each other's stack: the second waits.
    lock_path = stack_config.data_dir.parent / f"{stack_config.name}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = open(lock_path, "w")  # noqa: SIM115 (held for the whole session)
    fcntl.flock(lock, fcntl.LOCK_EX)
    if not keep:
        devstack_stack.down(stack_config)
        shutil.rmtree(stack_config.data_dir, ignore_errors=True)
    provision.ensure_all()
    devstack_stack.up(stack_config)
    yield stack_config
    if not keep:
        devstack_stack.down(stack_config)
    lock.close()


@pytest.fixture(scope="session")
def db_url(stack: StackConfig) -> str:
    """An asyncpg SQLAlchemy URL of the stack's migrated database."""
    return stack.database_url()
