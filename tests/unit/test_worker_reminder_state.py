"""The reminder state rules: the newest task version decides, whatever the order."""

import itertools
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from worker.reminder_state import (
    Action,
    ReminderState,
    ReminderStatus,
    plan_cancel,
    plan_schedule,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
TASK, USER = uuid4(), uuid4()


def state(version: int, status: ReminderStatus, remind_at: datetime | None = T0) -> ReminderState:
    return ReminderState.new(TASK, USER, version, status, remind_at)


def test_first_schedule_schedules() -> None:
    assert plan_schedule(None, 1, T0) == Action.SCHEDULE


def test_older_version_is_stale() -> None:
    assert plan_schedule(state(3, ReminderStatus.SCHEDULED), 2, T1) == Action.STALE
    assert plan_cancel(state(3, ReminderStatus.SCHEDULED), 2) == Action.STALE


def test_repeat_of_current_schedule_only_ensures_the_job() -> None:
    assert plan_schedule(state(2, ReminderStatus.SCHEDULED), 2, T0) == Action.ENSURE


def test_newer_version_with_new_time_reschedules() -> None:
    assert plan_schedule(state(2, ReminderStatus.SCHEDULED), 3, T1) == Action.SCHEDULE
    assert plan_schedule(state(2, ReminderStatus.FIRED), 3, T1) == Action.SCHEDULE
    assert plan_schedule(state(2, ReminderStatus.CANCELLED), 3, T0) == Action.SCHEDULE


def test_fired_reminder_is_not_rearmed_by_an_edit_that_keeps_its_time() -> None:
    assert plan_schedule(state(2, ReminderStatus.FIRED), 3, T0) == Action.KEEP_FIRED
    assert plan_schedule(state(2, ReminderStatus.FIRED), 2, T0) == Action.UNCHANGED


def test_cancellation_wins_at_the_same_version() -> None:
    # task.deleted carries the version the reminder was scheduled with.
    assert plan_cancel(state(2, ReminderStatus.SCHEDULED), 2) == Action.CANCEL
    assert plan_schedule(state(2, ReminderStatus.CANCELLED), 2, T0) == Action.STALE
    assert plan_cancel(state(2, ReminderStatus.CANCELLED), 2) == Action.UNCHANGED


def test_cancel_without_state_leaves_a_tombstone() -> None:
    assert plan_cancel(None, 1) == Action.CANCEL


def _apply(current: ReminderState | None, op: tuple) -> ReminderState | None:
    kind, version, remind_at = op
    if kind == "schedule":
        action = plan_schedule(current, version, remind_at)
        if action == Action.SCHEDULE:
            return state(version, ReminderStatus.SCHEDULED, remind_at)
        if action == Action.KEEP_FIRED:
            assert current is not None
            return current.model_copy(update={"task_version": version})
        return current
    action = plan_cancel(current, version)
    if action == Action.CANCEL:
        return state(version, ReminderStatus.CANCELLED, current.remind_at if current else None)
    return current


@pytest.mark.parametrize(
    "ops",
    [
        [("schedule", 1, T0), ("schedule", 2, T1), ("cancel", 3, None)],
        [("schedule", 1, T0), ("cancel", 1, None)],
        [("schedule", 1, T0), ("schedule", 2, T1), ("schedule", 3, T0)],
    ],
)
def test_any_delivery_order_with_repeats_ends_in_the_newest_state(ops: list) -> None:
    """Every permutation, each event delivered twice, gives the in-order result."""
    expected = None
    for op in ops:
        expected = _apply(expected, op)
    assert expected is not None
    for order in itertools.permutations(ops * 2):
        result = None
        for op in order:
            result = _apply(result, op)
        assert result is not None
        assert _meaning(result) == _meaning(expected), order


def _meaning(s: ReminderState) -> tuple:
    # A cancellation's remembered time means nothing: compare it without.
    remind_at = None if s.status == ReminderStatus.CANCELLED else s.remind_at
    return s.task_version, s.status, remind_at
