"""The app callback over real gRPC, called the way daprd calls it: subscriptions (bulk, with
dead-letter topics), per-message answers, job routing by name prefix, health."""

import json
from collections.abc import AsyncIterator
from uuid import uuid4

import grpc
import pytest
from dapr.proto.runtime.v1 import appcallback_pb2 as pb
from dapr.proto.runtime.v1 import appcallback_pb2_grpc as pb_grpc
from google.protobuf import empty_pb2
from google.protobuf.any_pb2 import Any as AnyPb

from todo_core.events import REMINDERS, TASK_EVENTS, ReminderDue, to_json_dict
from todo_core.models import utcnow
from worker.callback import AppCallback, HealthCheck, build_server
from worker.dispatch import Dispatcher
from worker.jobs import REMINDER_JOB_PREFIX, ReminderJob
from worker.outcome import PermanentError

BULK = pb.BulkSubscribeConfig(enabled=True, max_messages_count=50, max_await_duration_ms=5)


class Calls:
    """What the handlers saw, and a fake dead-letter publisher that records its records."""

    def __init__(self) -> None:
        self.events: list[object] = []
        self.jobs: list[tuple[str, bytes]] = []
        self.dead_letters: list[tuple[str, dict, str]] = []
        self.dead_letter_fails = False

    async def fake_dead_letter(self, topic: str, record: bytes, key: str) -> None:
        if self.dead_letter_fails:
            raise ConnectionError("sidecar away")
        self.dead_letters.append((topic, json.loads(record), key))


Served = tuple[pb_grpc.AppCallbackStub, Dispatcher, Calls, grpc.aio.Channel]


@pytest.fixture
async def app() -> AsyncIterator[Served]:
    calls = Calls()
    dispatcher = Dispatcher(5, 4)

    async def on_reminder(event: object) -> str:
        calls.events.append(event)
        return "done"

    async def on_job(name: str, data: bytes) -> str:
        if name.endswith("-permanent"):
            raise PermanentError("never")
        if name.endswith("-transient"):
            raise ConnectionError("sidecar away")
        calls.jobs.append((name, data))
        return "fired"

    callback = AppCallback(
        dispatcher,
        "pubsub",
        {REMINDERS: on_reminder},
        {REMINDER_JOB_PREFIX: on_job},
        BULK,
        calls.fake_dead_letter,
    )
    server, port = build_server(callback, HealthCheck(dispatcher), "127.0.0.1", 0)
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield pb_grpc.AppCallbackStub(channel), dispatcher, calls, channel
    await channel.close()
    await server.stop(None)


def _due() -> bytes:
    event = ReminderDue(
        user_id=uuid4(), task_id=uuid4(), task_version=1, remind_at=utcnow(), due_at=None, title="t"
    )
    return json.dumps(to_json_dict(event)).encode()


async def test_subscriptions_are_bulk_with_dead_letter_topics(app: Served) -> None:
    stub = app[0]
    subs = (await stub.ListTopicSubscriptions(empty_pb2.Empty())).subscriptions
    assert [(s.pubsub_name, s.topic, s.dead_letter_topic) for s in subs] == [
        ("pubsub", REMINDERS, f"{REMINDERS}-dlq")
    ]
    assert subs[0].bulk_subscribe == BULK


def _bulk(*data: bytes) -> pb.TopicEventBulkRequest:
    entries = [
        pb.TopicEventBulkRequestEntry(
            entry_id=str(i),
            cloud_event=pb.TopicEventCERequest(
                id=f"ce-{i}", source="test", data=d, data_content_type="application/json"
            ),
            metadata={"__key": f"key-{i}"},
        )
        for i, d in enumerate(data)
    ]
    return pb.TopicEventBulkRequest(pubsub_name="pubsub", topic=REMINDERS, entries=entries)


async def test_bulk_delivery_answers_each_entry_and_dead_letters_itself(app: Served) -> None:
    stub, _, calls, _ = app
    request = _bulk(_due(), b'"not an object"', _due())
    request.entries.append(pb.TopicEventBulkRequestEntry(entry_id="3", bytes=_due()))
    response = await stub.OnBulkTopicEvent(request)
    # The dropped entry is answered SUCCESS once the worker has dead-lettered it.
    assert [(s.entry_id, s.status) for s in response.statuses] == [
        (str(i), pb.TopicEventResponse.SUCCESS) for i in range(4)
    ]
    assert len(calls.events) == 3
    # The CloudEvent it came in, same id, under its record key.
    [(topic, record, key)] = calls.dead_letters
    assert (topic, key) == (f"{REMINDERS}-dlq", "key-1")
    assert record["id"] == "ce-1"
    assert record["data"] == "not an object"
    assert record["topic"] == REMINDERS


async def test_a_failed_dead_letter_is_retried(app: Served) -> None:
    stub, _, calls, _ = app
    calls.dead_letter_fails = True
    response = await stub.OnBulkTopicEvent(_bulk(b"[1, 2]", _due()))
    assert [s.status for s in response.statuses] == [
        pb.TopicEventResponse.RETRY,
        pb.TopicEventResponse.SUCCESS,
    ]


async def test_single_delivery_and_unknown_topic(app: Served) -> None:
    stub = app[0]
    ok = await stub.OnTopicEvent(
        pb.TopicEventRequest(pubsub_name="pubsub", topic=REMINDERS, data=_due())
    )
    assert ok.status == pb.TopicEventResponse.SUCCESS
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.OnTopicEvent(pb.TopicEventRequest(pubsub_name="pubsub", topic=TASK_EVENTS))
    assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED


async def test_any_reminder_job_reaches_its_handler(app: Served) -> None:
    stub, _, calls, _ = app
    names = [ReminderJob.for_task(uuid4(), utcnow(), 6).name for _ in range(3)]
    for name in names:
        await stub.OnJobEvent(pb.JobEventRequest(name=name, data=AnyPb(value=b"x")))
    assert calls.jobs == [(name, b"x") for name in names]


async def test_job_answers(app: Served) -> None:
    stub = app[0]
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await stub.OnJobEvent(pb.JobEventRequest(name="cleanup-1"))
    assert unknown.value.code() == grpc.StatusCode.UNIMPLEMENTED
    with pytest.raises(grpc.aio.AioRpcError) as transient:  # the scheduler retries
        await stub.OnJobEvent(pb.JobEventRequest(name="reminders-transient"))
    assert transient.value.code() == grpc.StatusCode.UNAVAILABLE
    await stub.OnJobEvent(pb.JobEventRequest(name="reminders-permanent"))  # ends the trigger


async def test_health_fails_while_draining(app: Served) -> None:
    _, dispatcher, _, channel = app
    health = pb_grpc.AppCallbackHealthCheckStub(channel)
    await health.HealthCheck(empty_pb2.Empty())
    assert await dispatcher.drain(1)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await health.HealthCheck(empty_pb2.Empty())
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_a_traced_batch_gets_through(app: Served) -> None:
    """daprd with tracing on sends each entry's trace context as request metadata: a batch of
    100 carried ~14 KB, which gRPC's default limit (8 KB soft: refused at random above it,
    16 KB hard: always) refused before the call reached us. 150 entries' worth: ~21 KB."""
    stub, _, calls, _ = app
    n = 150
    request = _bulk(*(_due() for _ in range(n)))
    metadata = [
        (f"x-entry-{i}-traceparent", f"00-{uuid4().hex}-{uuid4().hex[:16]}-01") for i in range(n)
    ]
    response = await stub.OnBulkTopicEvent(request, metadata=metadata)
    assert len(response.statuses) == n and len(calls.events) == n
