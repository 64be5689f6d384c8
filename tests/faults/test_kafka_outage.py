"""Kafka stopped for 20 seconds in the middle of 1,000 task writes with reminders: after it
returns every event is delivered, every reminder fires once, nothing is lost or doubled."""

import time

import pytest

from devstack import processes
from devstack import stack as devstack_stack
from devstack.config import StackConfig
from tests.faults import effects
from tests.faults.burst import assert_nothing_lost_or_doubled, write_burst
from tests.integration.api_client import sign_up

pytestmark = pytest.mark.integration

WRITES = 1000
OUTAGE_SECONDS = 20


def test_kafka_outage_mid_burst_loses_and_doubles_nothing(stack: StackConfig) -> None:
    api = sign_up(stack, zone="UTC")
    user_id = api.get("/api/me").json()["id"]
    # Far enough ahead that the reminders are all scheduled before they are due.
    at = effects.next_minute_after(120)
    stopped: list[float] = []

    def stop_kafka() -> None:
        processes.stop(stack.run_dir, "kafka")
        stopped.append(time.monotonic())

    ids = write_burst(api, WRITES // 2, at, fault_at=WRITES // 4, fault=stop_kafka)
    # The second half keeps writing while Kafka is away, then Kafka returns.
    ids += write_burst(api, WRITES // 2, at, fault_at=WRITES, fault=lambda: None)
    while time.monotonic() - stopped[0] < OUTAGE_SECONDS:
        time.sleep(0.2)
    devstack_stack.up(stack)  # heals only what is missing: Kafka
    assert_nothing_lost_or_doubled(stack, user_id, ids, at)
