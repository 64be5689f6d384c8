"""The worker SIGKILLed in the middle of a burst, then restarted by the launcher (which
restarts only what is missing): every event handled and every reminder fired, once."""

import os
import signal

import pytest

from devstack import processes
from devstack import stack as devstack_stack
from devstack.config import StackConfig
from tests.faults import effects
from tests.faults.burst import assert_nothing_lost_or_doubled, write_burst
from tests.integration.api_client import sign_up

pytestmark = pytest.mark.integration

WRITES = 300


def test_worker_sigkill_mid_burst(stack: StackConfig) -> None:
    api = sign_up(stack, zone="UTC")
    user_id = api.get("/api/me").json()["id"]
    at = effects.next_minute_after(60)

    def kill_worker() -> None:
        pid = processes.read_pid(stack.run_dir, "todo-worker")
        assert pid is not None, "the worker is not running"
        os.killpg(pid, signal.SIGKILL)  # no chance to finish, commit or say goodbye

    ids = write_burst(api, WRITES, at, fault_at=WRITES // 3, fault=kill_worker)
    devstack_stack.up(stack)
    assert processes.read_pid(stack.run_dir, "todo-worker") is not None
    assert_nothing_lost_or_doubled(stack, user_id, ids, at)


def test_worker_sidecar_restart_mid_burst(stack: StackConfig) -> None:
    api = sign_up(stack, zone="UTC")
    user_id = api.get("/api/me").json()["id"]
    at = effects.next_minute_after(60)
    ids = write_burst(
        api,
        WRITES,
        at,
        fault_at=WRITES // 3,
        fault=lambda: processes.stop(stack.run_dir, "todo-worker-dapr"),
    )
    devstack_stack.up(stack)
    assert_nothing_lost_or_doubled(stack, user_id, ids, at)
