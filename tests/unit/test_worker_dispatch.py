"""Answers to Dapr: success, retry for what heals, drop for what never will; order within a
partition key; draining."""

import asyncio
import json
import time
from uuid import UUID, uuid4

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from todo_core.events import REMINDERS, Event, ReminderDue, to_json_dict
from todo_core.models import utcnow
from worker.dispatch import ATTEMPTS, Dispatcher
from worker.outcome import Answer, PermanentError


def _message(data: object) -> bytes:
    return data if isinstance(data, bytes) else json.dumps(data).encode()


def _due(task_id: UUID | None = None) -> dict:
    return to_json_dict(
        ReminderDue(
            user_id=uuid4(),
            task_id=task_id or uuid4(),
            task_version=1,
            remind_at=utcnow(),
            due_at=None,
            title="t",
        )  # fmt: skip
    )


async def _ok(event: object) -> str:
    return "done"


class Overlap:
    """Counts handlers running at once (the most seen), around a short sleep."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0

    async def work(self, seconds: float) -> None:
        self.running += 1
        self.most = max(self.most, self.running)
        await asyncio.sleep(seconds)
        self.running -= 1


async def test_valid_event_reaches_the_handler() -> None:
    seen: list[object] = []

    async def handler(event: object) -> str:
        seen.append(event)
        return "done"

    answer = await Dispatcher(5, 4).handle_message(REMINDERS, handler, _message(_due()))
    assert answer == Answer.SUCCESS
    assert isinstance(seen[0], ReminderDue)


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
async def test_unusable_messages_are_dropped(data: object) -> None:
    called = False

    async def handler(event: object) -> str:
        nonlocal called
        called = True
        return "done"

    answer = await Dispatcher(5, 4).handle_message(REMINDERS, handler, _message(data))
    assert answer == Answer.DROP
    assert not called


class _SqlState(Exception):
    """A fake driver error carrying a SQLSTATE, as asyncpg's errors do."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "answer"),
    [
        (OperationalError("SELECT 1", {}, ConnectionRefusedError()), Answer.RETRY),
        (ConnectionError("sidecar away"), Answer.RETRY),
        (TimeoutError("slow"), Answer.RETRY),
        (OperationalError("SELECT 1", {}, _SqlState("40001")), Answer.RETRY),
        (OperationalError("SELECT 1", {}, _SqlState("57P03")), Answer.RETRY),
        (RuntimeError("unexpected"), Answer.DROP),
        (TypeError("a bug"), Answer.DROP),
        (OverflowError("date value out of range"), Answer.DROP),
        (IntegrityError("INSERT", {}, _SqlState("23503")), Answer.DROP),
        (PermanentError("never"), Answer.DROP),
    ],
)
async def test_only_transient_failures_are_retried(error: Exception, answer: Answer) -> None:
    calls = 0

    async def handler(event: object) -> str:
        nonlocal calls
        calls += 1
        raise error

    assert await Dispatcher(5, 4).handle_message(REMINDERS, handler, _message(_due())) == answer
    # Transient: straight back to Dapr; deterministic: a few quick tries, then dead-lettered.
    assert calls == (1 if answer == Answer.RETRY else ATTEMPTS)


async def test_a_failure_that_passes_on_a_second_try_succeeds() -> None:
    calls = 0

    async def handler(event: object) -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise KeyError("a one-off glitch")
        return "done"

    assert await Dispatcher(5, 4).handle_message(REMINDERS, handler, _message(_due())) == "success"


async def test_a_slow_handler_is_answered_retry_at_the_timeout() -> None:
    async def handler(event: object) -> str:
        await asyncio.sleep(5)
        return "late"

    started = time.monotonic()
    answer = await Dispatcher(0.3, 4).handle_message(REMINDERS, handler, _message(_due()))
    assert answer == Answer.RETRY
    assert time.monotonic() - started < 2


async def test_a_batch_keeps_each_keys_order_and_runs_keys_side_by_side() -> None:
    first, second = uuid4(), uuid4()
    batch = [_due(first), _due(second), b"not json", _due(first), _due(second)]
    overlap = Overlap()
    order: list[str] = []

    async def handler(event: Event) -> str:
        await overlap.work(0.05)
        order.append(str(event.event_id))
        if event.event_id == UUID(batch[4]["event_id"]):  # type: ignore[index]
            raise ConnectionError("sidecar away")
        return "done"

    answers = await Dispatcher(5, 4).handle_batch(REMINDERS, handler, [_message(m) for m in batch])
    assert answers == [Answer.SUCCESS, Answer.SUCCESS, Answer.DROP, Answer.SUCCESS, Answer.RETRY]
    ids = [m["event_id"] for m in batch if isinstance(m, dict)]
    assert order.index(ids[0]) < order.index(ids[2])  # first's two events, in order
    assert order.index(ids[1]) < order.index(ids[3])
    assert overlap.most == 2  # one handler per key at a time, both keys at once


async def test_after_a_retry_the_keys_later_events_wait() -> None:
    task_id = uuid4()
    batch = [_due(task_id), _due(task_id), _due()]
    handled: list[str] = []

    async def handler(event: Event) -> str:
        handled.append(str(event.event_id))
        if str(event.event_id) == batch[0]["event_id"]:
            raise ConnectionError("sidecar away")
        return "done"

    answers = await Dispatcher(5, 4).handle_batch(REMINDERS, handler, [_message(m) for m in batch])
    assert answers == [Answer.RETRY, Answer.RETRY, Answer.SUCCESS]
    assert batch[1]["event_id"] not in handled  # not run before the one it follows


async def test_concurrency_is_bounded() -> None:
    overlap = Overlap()

    async def handler(event: object) -> str:
        await overlap.work(0.02)
        return "done"

    batch = [_message(_due()) for _ in range(20)]
    answers = await Dispatcher(5, 3).handle_batch(REMINDERS, handler, batch)
    assert answers == [Answer.SUCCESS] * 20
    assert overlap.most == 3


async def test_drain_waits_for_in_flight_then_refuses_new_work() -> None:
    dispatcher = Dispatcher(10, 4)
    started, release = asyncio.Event(), asyncio.Event()

    async def handler(event: object) -> str:
        started.set()
        await release.wait()
        return "done"

    first = asyncio.create_task(dispatcher.handle_message(REMINDERS, handler, _message(_due())))
    await started.wait()
    assert await dispatcher.drain(0.2) is False  # still running
    assert await dispatcher.handle_message(REMINDERS, _ok, _message(_due())) == Answer.RETRY
    release.set()
    assert await dispatcher.drain(5) is True
    assert await first == Answer.SUCCESS


async def test_job_failures_raise_so_the_scheduler_retries() -> None:
    dispatcher = Dispatcher(5, 4)

    async def transient(name: str, data: bytes) -> str:
        raise ConnectionError("sidecar away")

    async def permanent(name: str, data: bytes) -> str:
        raise PermanentError("not a reminder job")

    with pytest.raises(ConnectionError):
        await dispatcher.handle_job(transient, "reminder-x", b"")
    await dispatcher.handle_job(permanent, "reminder-x", b"")  # answered OK: retrying can't help
