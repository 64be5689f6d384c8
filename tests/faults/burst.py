"""A burst of task writes with reminders, with a fault injected part-way, and the check that
afterwards nothing was lost or doubled: every event on Kafka, every reminder fired once."""

import time
from collections.abc import Callable
from datetime import datetime

import httpx

from devstack.config import StackConfig
from tests.faults import effects
from tests.faults.helpers import wait_until


def write_burst(
    api: httpx.Client, n: int, at: datetime, fault_at: int, fault: Callable[[], object]
) -> list[str]:
    """n creates (each must succeed: the API never needs Kafka or the worker to accept a
    write); `fault()` runs before write number `fault_at`. Returns the task ids."""
    tag = effects.unique_tag()
    ids = []
    for i in range(n):
        if i == fault_at:
            fault()
        resp = api.post("/api/tasks", json=effects.reminder_task(i, at, tag))
        assert resp.status_code == 201, (i, resp.status_code, resp.text)
        ids.append(resp.json()["id"])
    return ids


def assert_nothing_lost_or_doubled(
    stack: StackConfig, user_id: str, task_ids: list[str], at: datetime
) -> None:
    # Every write is a task, once.
    stored = [str(r[0]) for r in effects.tasks_of(stack, user_id)]
    assert sorted(stored) == sorted(task_ids), "tasks lost or doubled"
    # Every event left the outbox and is on Kafka.
    wait_until(lambda: effects.unpublished(stack, user_id) == 0, "the outbox to drain")
    for topic in ("task-events", "reminders"):
        expected = effects.outbox_events(stack, user_id, topic)
        seen = effects.event_ids_on(stack, topic, expected, timeout=120)
        assert not expected - seen, f"{len(expected - seen)} events never reached {topic}"
    # Every task.created was handled by the worker, once (its activity record).
    created = effects.outbox_events(stack, user_id, "task-events")
    wait_until(
        lambda: created <= set(effects.activity_per_event(stack, user_id)),
        "the worker to record every task.created",
    )
    activity = effects.activity_per_event(stack, user_id)
    assert max(activity.values()) == 1, "an event was applied twice"
    # Every reminder fired, once.
    while time.time() < at.timestamp():
        time.sleep(1)
    wait_until(
        lambda: set(effects.notifications_per_task(stack, user_id)) >= set(task_ids),
        "every reminder to fire",
    )
    fired = effects.notifications_per_task(stack, user_id)
    doubled = {t: c for t, c in fired.items() if c != 1}
    assert not doubled, f"reminders fired more than once: {doubled}"
    assert set(fired) == set(task_ids), "a notification for a task that was never written"
