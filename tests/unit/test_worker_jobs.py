"""Reminder jobs (one per second and shard) and how the handler arms them, with a fake
sidecar that records the jobs it is asked to schedule."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from google.protobuf.wrappers_pb2 import StringValue

from todo_core.events import ReminderCancelled
from worker.handlers.reminders import Reminders
from worker.jobs import ReminderJob, second_of, shard_of
from worker.outcome import PermanentError

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
NINE = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_second_rounds_up_so_a_reminder_is_never_early() -> None:
    assert second_of(NINE) == NINE
    assert second_of(NINE + timedelta(microseconds=1)) == NINE + timedelta(seconds=1)
    assert second_of(NINE + timedelta(milliseconds=999)) == NINE + timedelta(seconds=1)


def test_a_second_and_shard_make_one_job_whatever_the_task() -> None:
    a = UUID("00000000-0000-4000-8000-000000000007")
    b = UUID("00000000-0000-4000-8000-00000000000d")  # 13 % 6 == 7 % 6
    assert shard_of(a, 6) == shard_of(b, 6) == 1
    job = ReminderJob.for_task(a, NINE, 6)
    assert job == ReminderJob.for_task(b, NINE - timedelta(milliseconds=300), 6)
    assert job.name == "reminders-20261207T090000Z-1"
    assert job.window == (NINE - timedelta(seconds=1), NINE)
    assert ReminderJob.for_task(a, NINE, 4).shard == 3


def test_zoned_times_name_the_same_utc_second() -> None:
    from zoneinfo import ZoneInfo

    local = NINE.astimezone(ZoneInfo("Asia/Kolkata"))
    assert ReminderJob.for_task(uuid4(), local, 6).second == NINE


def test_payload_round_trip_and_refusals() -> None:
    job = ReminderJob(NINE, 5, 6)
    assert ReminderJob.from_payload(json.loads(json.dumps(job.payload()))) == job
    for bad in (
        {"second": "2026-12-07T09:00:00", "shard": 0, "shards": 6},  # no zone
        {"second": NINE.isoformat(), "shard": 6, "shards": 6},
        {"second": NINE.isoformat(), "shard": 0},
        {"second": "soon", "shard": 0, "shards": 6},
    ):
        with pytest.raises((ValueError, KeyError)):
            ReminderJob.from_payload(bad)


class FakeSidecar:
    """Records schedule_job calls; job_exists answers from what was scheduled."""

    def __init__(self) -> None:
        self.scheduled: list[tuple[str, datetime, dict[str, Any]]] = []
        self.existing: set[str] = set()

    async def schedule_job(self, name: str, due: datetime, payload: dict[str, Any]) -> None:
        self.scheduled.append((name, due, payload))
        self.existing.add(name)

    async def job_exists(self, name: str) -> bool:
        return name in self.existing


def _reminders(sidecar: FakeSidecar, now: datetime = NOW) -> Reminders:
    return Reminders(sidecar, sessions=None, shards=6, batch=500, clock=lambda: now)  # type: ignore[arg-type]


async def test_a_storm_on_one_second_arms_one_job_per_shard() -> None:
    sidecar = FakeSidecar()
    reminders = _reminders(sidecar)
    tasks = [uuid4() for _ in range(300)]
    for task_id in tasks:
        await reminders.arm(task_id, NINE)
    names = [name for name, _, _ in sidecar.scheduled]
    assert len(names) == len(set(names)) == len({shard_of(t, 6) for t in tasks})
    assert all(due == NINE for _, due, _ in sidecar.scheduled)


async def test_a_job_near_or_past_its_time_is_armed_again() -> None:
    sidecar = FakeSidecar()
    task_id = uuid4()
    soon = NOW + timedelta(seconds=2)
    reminders = _reminders(sidecar)
    await reminders.arm(task_id, soon)
    await reminders.arm(task_id, soon)  # the trigger may have run already: arm again
    past = NOW - timedelta(minutes=5)
    await reminders.arm(task_id, past)
    assert [due for _, due, _ in sidecar.scheduled] == [soon, soon, NOW]  # past: at once


async def test_the_reconciler_check_asks_the_scheduler() -> None:
    sidecar = FakeSidecar()
    reminders = _reminders(sidecar)
    task_id = uuid4()
    assert await reminders.arm(task_id, NINE, check=True) == "armed"
    assert await reminders.arm(task_id, NINE, check=True) == "unchanged"
    sidecar.existing.clear()  # the scheduler lost it
    assert await reminders.arm(task_id, NINE, check=True) == "armed"


async def test_a_cancellation_touches_no_job() -> None:
    sidecar = FakeSidecar()
    event = ReminderCancelled(user_id=uuid4(), task_id=uuid4(), task_version=2)
    assert "nothing to cancel" in await _reminders(sidecar).on_event(event)
    assert sidecar.scheduled == []


async def test_a_trigger_with_a_foreign_payload_is_permanent() -> None:
    reminders = _reminders(FakeSidecar())
    for data in (b"", b"[1]", StringValue(value="{}").SerializeToString(), b"\xff\x00"):
        with pytest.raises(PermanentError):
            await reminders.on_job("reminders-x", data)


def _data(job: ReminderJob) -> bytes:
    return StringValue(value=json.dumps(job.payload())).SerializeToString()


async def test_a_trigger_whose_payload_is_not_its_name_is_dropped() -> None:
    """A payload naming another second or shard than the job's name, or a second with a
    fraction, is dropped before any database work (sessions=None would fail)."""
    reminders = _reminders(FakeSidecar(), now=NINE)
    job = ReminderJob(NINE, 1, 6)
    for payload in (
        ReminderJob(NINE + timedelta(hours=1), 1, 6),
        ReminderJob(NINE, 2, 6),
        ReminderJob(NINE - timedelta(milliseconds=500), 1, 6),
    ):
        assert "dropped" in await reminders.on_job(job.name, _data(payload))


async def test_a_trigger_before_its_second_is_dropped_and_armed_again() -> None:
    sidecar = FakeSidecar()
    job = ReminderJob(NINE, 1, 6)
    assert "dropped" in await _reminders(sidecar, now=NOW).on_job(job.name, _data(job))
    assert sidecar.scheduled == [(job.name, NINE, job.payload())]
