"""A handler with a bug (a TypeError) does not hold its partition: the event it cannot handle
is tried a few times, then dead-lettered with its traceback logged, and the events behind it
on the same partition are handled within the specification's 10 s.

The handler is a test's (tests/faults/handler_bug_app.py), everything around it is the
worker's own code, beside a real daprd of its own (app id `handler-bug`: its own consumer
group on the real `task-events` topic) on the stack's Kafka. Before the fix the worker
answered RETRY to anything it did not know, Dapr retried it for ever, and the events
behind it never came.
"""

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from dapr.aio.clients import DaprClient

from devstack.config import StackConfig
from devstack.parts import Sidecar
from tests.integration.api_client import sign_up
from tests.integration.extra_app import running, with_ports
from tests.integration.kafka_reader import from_the_beginning
from tests.integration.test_worker_support import (
    dapr_fixture,  # noqa: F401 (the `dapr` fixture)
    pg_fixture,  # noqa: F401 (the `pg` fixture)
    publish,
    task_snapshot,
    wait_for,
)
from todo_core.events import TaskUpdated

pytestmark = pytest.mark.integration

BUG = Sidecar("handler-bug", "BUG", "grpc")
LIMIT_SECONDS = 10.0  # the specification's bound for a task event to be handled
GOOD_EVENTS = 5


@pytest.fixture(scope="module")
def buggy_worker(stack: StackConfig, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("handler-bug")
    cfg, out = with_ports(stack, "BUG", 200), tmp / "handled.jsonl"
    out.touch()
    env = {
        "BUG_OUT": str(out),
        "DAPR_HTTP_PORT": str(BUG.http_port(cfg)),
        "DAPR_GRPC_PORT": str(BUG.grpc_port(cfg)),
    }
    with running(cfg, BUG, Path(__file__).with_name("handler_bug_app.py"), tmp, env):
        time.sleep(3)  # the consumer group's first assignment, before anything is published
        yield {"out": out, "log": tmp / "app.log"}


def _handled(out: Path) -> dict[str, float]:
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    return {r["event_id"]: r["at"] for r in lines}


def _dead_lettered(brokers: str, event_id: str, timeout: float) -> bool:
    consumer = from_the_beginning(brokers, "task-events-dlq")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and not msg.error() and event_id.encode() in msg.value():
                return True
    finally:
        consumer.close()
    return False


async def test_a_handler_that_raises_typeerror_dead_letters_and_its_partition_flows(
    stack: StackConfig, pg: psycopg.Connection, dapr: DaprClient, buggy_worker: dict
) -> None:
    api = sign_up(stack)
    task = api.post("/api/tasks", json={"title": "a task with neighbours"}).json()
    snapshot = task_snapshot(pg, uuid.UUID(task["id"]))
    user = uuid.UUID(api.get("/api/me").json()["id"])
    bug = TaskUpdated(user_id=user, task=snapshot.model_copy(update={"title": "bug: oops"}))
    good = [TaskUpdated(user_id=user, task=snapshot) for _ in range(GOOD_EVENTS)]
    # One task: one partition key, so the good events queue behind the bad one.
    await publish(dapr, bug)
    sent = {str(e.event_id): await publish(dapr, e) for e in good}

    handled = await wait_for(
        lambda: (h := _handled(buggy_worker["out"])).keys() >= set(sent) and h,
        LIMIT_SECONDS + 5,
        interval=0.2,
        what="the events behind the bad one",
    )
    late = {e: round(handled[e] - t, 2) for e, t in sent.items() if e in handled}
    assert set(late) == set(sent), f"handled {len(late)} of {len(sent)}"
    assert max(late.values()) <= LIMIT_SECONDS, late
    assert str(bug.event_id) not in handled
    assert await asyncio.to_thread(_dead_lettered, stack.kafka_brokers, str(bug.event_id), 30), (
        "the event the handler choked on never reached task-events-dlq"
    )
    log = buggy_worker["log"].read_text()
    assert "TypeError" in log and "dead-lettered after 3 attempts" in log
