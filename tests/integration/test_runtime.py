"""Proof that the local runtime is real: daprd, Kafka, the Dapr scheduler and PostgreSQL
are the real programs, and they are wired to one another as the design says."""

import asyncio
import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprInternalError
from dapr.clients.grpc._jobs import Job

from devstack.config import StackConfig
from devstack.parts import Sidecar

from .extra_app import running, with_ports

pytestmark = pytest.mark.integration

PROBE = Sidecar("runtime-probe", "PROBE", "grpc")
PROBE_TOPIC = "runtime-probe"


@pytest.fixture(scope="module")
def probe(stack: StackConfig, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    admin = AdminClient({"bootstrap.servers": stack.kafka_brokers})
    topics = [
        NewTopic(t, num_partitions=1, replication_factor=1)
        for t in (PROBE_TOPIC, f"{PROBE_TOPIC}-dlq")
    ]
    for fut in admin.create_topics(topics).values():
        try:
            fut.result(10)
        except Exception as exc:  # noqa: BLE001
            assert "TOPIC_ALREADY_EXISTS" in str(exc)
    tmp = tmp_path_factory.mktemp("probe")
    cfg = with_ports(stack, "PROBE", 100)
    out = tmp / "received.jsonl"
    out.touch()
    script = Path(__file__).with_name("runtime_probe_app.py")
    with running(cfg, PROBE, script, tmp, {"PROBE_OUT": str(out)}):
        yield {"cfg": cfg, "out": out, "grpc": PROBE.grpc_port(cfg), "tmp": tmp}


def _received(out: Path, kind: str, timeout: float, match: dict) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in out.read_text().splitlines():
            rec = json.loads(line)
            if rec["kind"] == kind and all(rec.get(k) == v for k, v in match.items()):
                return rec
        time.sleep(0.1)
    raise AssertionError(f"no {kind} matching {match} within {timeout}s: {out.read_text()}")


def _client(grpc_port: int) -> DaprClient:
    return DaprClient(address=f"127.0.0.1:{grpc_port}")


@pytest.fixture(autouse=True)
def _sdk_points_at_probe(probe: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    # The SDK waits for the sidecar's HTTP health endpoint, found through its global settings.
    from dapr.conf import settings

    monkeypatch.setattr(settings, "DAPR_HTTP_PORT", PROBE.http_port(probe["cfg"]))


async def test_publish_lands_on_kafka_as_cloudevent(stack: StackConfig, probe: dict) -> None:
    marker = str(uuid.uuid4())
    consumer = Consumer(
        {
            "bootstrap.servers": stack.kafka_brokers,
            "group.id": f"test-{marker}",
            "enable.auto.commit": False,
        }
    )
    meta = consumer.list_topics("reminders", timeout=10).topics["reminders"]
    ends = []
    for p in meta.partitions:
        _, high = consumer.get_watermark_offsets(TopicPartition("reminders", p), timeout=10)
        ends.append(TopicPartition("reminders", p, high))
    consumer.assign(ends)
    async with _client(probe["grpc"]) as dapr:
        await dapr.publish_event(
            "pubsub",
            "reminders",
            json.dumps({"marker": marker}),
            data_content_type="application/json",
        )
    deadline = time.monotonic() + 15
    envelope = None
    while envelope is None and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None or msg.error():
            continue
        doc = json.loads(msg.value())
        if doc.get("data", {}).get("marker") == marker:
            envelope = doc
    consumer.close()
    assert envelope is not None, "the record never reached Kafka"
    assert envelope["specversion"] == "1.0"
    assert envelope["topic"] == "reminders"
    assert envelope["pubsubname"] == "pubsub"
    assert envelope["source"] == PROBE.app_id
    assert envelope["datacontenttype"] == "application/json"
    uuid.UUID(envelope["id"])


async def test_state_is_a_postgres_row_with_etag_concurrency(
    stack: StackConfig, probe: dict
) -> None:
    key = f"probe-{uuid.uuid4()}"
    async with _client(probe["grpc"]) as dapr:
        await dapr.save_state("statestore", key, json.dumps({"v": 1}))
        first = await dapr.get_state("statestore", key)
        assert json.loads(first.data) == {"v": 1}
        await dapr.save_state("statestore", key, json.dumps({"v": 2}), etag=first.etag)
        with pytest.raises(DaprInternalError) as stale:
            await dapr.save_state("statestore", key, json.dumps({"v": 3}), etag=first.etag)
        assert "etag" in str(stale.value).lower()
    with psycopg.connect(stack.database_url("postgresql")) as conn:
        row = conn.execute(
            "SELECT value FROM dapr.state WHERE key = %s", (f"{PROBE.app_id}||{key}",)
        ).fetchone()
    assert row is not None, "the state is not in Dapr's table"
    assert json.loads(bytes(row[0])) == {"v": 2}  # v2 keeps values as bytea


async def test_job_triggers_the_app_callback_on_time(probe: dict) -> None:
    due = datetime.now(UTC) + timedelta(seconds=2)
    payload = str(uuid.uuid4())
    from google.protobuf.any_pb2 import Any as AnyPb
    from google.protobuf.wrappers_pb2 import StringValue

    data = AnyPb()
    data.Pack(StringValue(value=payload))
    async with _client(probe["grpc"]) as dapr:
        await dapr.schedule_job(
            Job(name="probe-job", due_time=due.isoformat(), data=data), overwrite=True
        )
    rec = await asyncio.to_thread(_received, probe["out"], "job", 15, {"name": "probe-job"})
    fired = datetime.fromtimestamp(rec["at"], UTC)
    lateness = (fired - due).total_seconds()
    assert -0.5 <= lateness <= 2.0, f"job fired {lateness:.2f}s from its due time"
    assert payload in rec["data"]


async def test_subscriber_receives_through_grpc_callback(probe: dict) -> None:
    marker = str(uuid.uuid4())
    async with _client(probe["grpc"]) as dapr:
        await dapr.publish_event(
            "pubsub",
            PROBE_TOPIC,
            json.dumps({"marker": marker}),
            data_content_type="application/json",
        )
    rec = await asyncio.to_thread(_received, probe["out"], "event", 20, {})
    deadline = time.monotonic() + 20
    while marker not in json.dumps(rec) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        lines = probe["out"].read_text().splitlines()
        rec = next((json.loads(x) for x in lines if marker in x), rec)
    assert marker in json.dumps(rec)


def test_psql_reaches_the_stack_database(stack: StackConfig) -> None:
    env = {**os.environ, "PGPASSWORD": stack.pg_password}
    out = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(stack.port("TODO_PG_PORT")),
            "-U",
            stack.pg_user,
            "-d",
            stack.pg_database,
            "-tAc",
            "SELECT nspname FROM pg_namespace WHERE nspname='dapr'",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert out.stdout.strip() == "dapr"
