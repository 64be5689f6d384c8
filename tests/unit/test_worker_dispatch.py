"""Answers to Dapr: success, retry for what heals, drop for what never will; draining."""

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from uuid import uuid4

import pytest
from cloudevents.sdk.event import v1
from dapr.clients.grpc._request import JobEvent
from sqlalchemy.exc import IntegrityError, OperationalError

from todo_core.events import REMINDERS, ReminderDue, to_json_dict
from todo_core.models import utcnow
from worker.dispatch import Dispatcher
from worker.loop import LoopThread
from worker.outcome import Answer, PermanentError


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    thread = LoopThread()
    thread.start()
    yield thread
    thread.stop()


def _message(data: object) -> v1.Event:
    event = v1.Event()
    event.SetData(data if isinstance(data, bytes) else json.dumps(data).encode())
    return event


def _due() -> dict:
    return to_json_dict(
        ReminderDue(
            user_id=uuid4(),
            task_id=uuid4(),
            task_version=1,
            remind_at=utcnow(),
            due_at=None,
            title="t",
        )  # fmt: skip
    )


async def _ok(event: object) -> str:
    return "done"


def test_valid_event_reaches_the_handler_on_the_loop(loop: LoopThread) -> None:
    seen: list[object] = []

    async def handler(event: object) -> str:
        seen.append((event, asyncio.get_running_loop()))
        return "done"

    answer = Dispatcher(loop, 5).handle_message(REMINDERS, handler, _message(_due()))
    assert answer == Answer.SUCCESS
    assert isinstance(seen[0][0], ReminderDue)
    assert seen[0][1] is loop.loop


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"\xff\xfe",
        [1, 2],
        {"type": "reminder.exploded", "schema_version": 1},
        {**_due(), "schema_version": 2},
        {**_due(), "task_id": "not-a-uuid"},
        {k: v for k, v in _due().items() if k != "remind_at"},
        {**_due(), "type": "task.created"},  # a real type, on the wrong topic
    ],
    ids=[
        "not-json",
        "not-utf8",
        "not-object",
        "unknown-type",
        "wrong-version",
        "bad-field",
        "missing-field",
        "wrong-topic",
    ],  # fmt: skip
)
def test_unusable_messages_are_dropped(loop: LoopThread, data: object) -> None:
    called = False

    async def handler(event: object) -> str:
        nonlocal called
        called = True
        return "done"

    assert Dispatcher(loop, 5).handle_message(REMINDERS, handler, _message(data)) == Answer.DROP
    assert not called


@pytest.mark.parametrize(
    ("error", "answer"),
    [
        (OperationalError("SELECT 1", {}, ConnectionRefusedError()), Answer.RETRY),
        (ConnectionError("sidecar away"), Answer.RETRY),
        (RuntimeError("unexpected"), Answer.RETRY),
        (IntegrityError("INSERT", {}, Exception("fk")), Answer.DROP),
        (PermanentError("never"), Answer.DROP),
    ],
)
def test_handler_failures_are_classified(
    loop: LoopThread, error: Exception, answer: Answer
) -> None:
    async def handler(event: object) -> str:
        raise error

    assert Dispatcher(loop, 5).handle_message(REMINDERS, handler, _message(_due())) == answer


def test_a_slow_handler_is_answered_retry_at_the_timeout(loop: LoopThread) -> None:
    async def handler(event: object) -> str:
        await asyncio.sleep(5)
        return "late"

    started = time.monotonic()
    answer = Dispatcher(loop, 0.3).handle_message(REMINDERS, handler, _message(_due()))
    assert answer == Answer.RETRY
    assert time.monotonic() - started < 2


def test_drain_waits_for_in_flight_then_refuses_new_work(loop: LoopThread) -> None:
    dispatcher = Dispatcher(loop, 10)
    release = threading.Event()
    answers: list[Answer] = []

    async def handler(event: object) -> str:
        await asyncio.to_thread(release.wait, 5)
        return "done"

    worker = threading.Thread(
        target=lambda: answers.append(
            dispatcher.handle_message(REMINDERS, handler, _message(_due()))
        )
    )
    worker.start()
    deadline = time.monotonic() + 5
    while dispatcher.inflight == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert dispatcher.inflight == 1
    assert dispatcher.drain(0.2) is False  # still running
    assert dispatcher.handle_message(REMINDERS, _ok, _message(_due())) == Answer.RETRY
    release.set()
    assert dispatcher.drain(5) is True
    worker.join(5)
    assert answers == [Answer.SUCCESS]


def test_job_failures_raise_so_the_scheduler_retries(loop: LoopThread) -> None:
    dispatcher = Dispatcher(loop, 5)

    async def transient(name: str, data: bytes) -> str:
        raise ConnectionError("sidecar away")

    async def permanent(name: str, data: bytes) -> str:
        raise PermanentError("not a reminder job")

    job = JobEvent(name="reminder-x", data=b"")
    with pytest.raises(ConnectionError):
        dispatcher.handle_job(transient, job)
    dispatcher.handle_job(permanent, job)  # answered OK: retrying can't help
