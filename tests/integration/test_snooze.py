"""Snoozing a reminder on the real stack: REST and the assistant → PostgreSQL → outbox →
Dapr → Kafka, the same path as a PATCH of the reminder."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from devstack.config import StackConfig
from tests.integration.api_client import sign_up
from tests.integration.kafka_reader import read_until

pytestmark = pytest.mark.integration


def _scheduled_at(stack: StackConfig, task_id: str, remind_at: str) -> list[dict]:
    """reminder.scheduled records of the task on `reminders` carrying `remind_at` (minutes)."""

    def mine(envs: list[dict]) -> list[dict]:
        return [
            e
            for e in envs
            if isinstance(e.get("data"), dict)  # poison records other tests leave
            and e["data"].get("task_id") == task_id
            and e["data"].get("type") == "reminder.scheduled"
            and e["data"].get("remind_at", "").startswith(remind_at)
        ]

    return mine(read_until(stack.kafka_brokers, "reminders", lambda e: bool(mine(e)), 15))


def test_snooze_by_minutes_puts_the_new_time_on_kafka(stack: StackConfig) -> None:
    api = sign_up(stack, zone="UTC")
    due = (datetime.now(UTC) + timedelta(minutes=30)).replace(tzinfo=None, second=0)
    task = api.post(
        "/api/tasks",
        json={"title": "Stretch", "due": due.isoformat(), "reminder": {"kind": "at_due"}},
    ).json()
    before = datetime.now(UTC)
    resp = api.post(f"/api/tasks/{task['id']}/snooze", json={"minutes": 90})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["version"] == task["version"] + 1
    remind_at = datetime.fromisoformat(body["remind_at"])
    # After the due time: a snoozed reminder may be.
    assert remind_at > due.replace(tzinfo=UTC)
    assert abs(remind_at - (before + timedelta(minutes=90))) < timedelta(minutes=1)
    stamp = remind_at.astimezone(UTC).isoformat(timespec="minutes")[:16]
    assert _scheduled_at(stack, task["id"], stamp), f"no reminder.scheduled at {stamp}"


def test_snooze_until_a_wall_clock_time_and_the_guards(stack: StackConfig) -> None:
    api = sign_up(stack, zone="Europe/Berlin")
    task = api.post("/api/tasks", json={"title": "Call the bank"}).json()
    local = (datetime.now(UTC) + timedelta(days=1)).astimezone(ZoneInfo("Europe/Berlin"))
    wall = local.replace(tzinfo=None, second=0, microsecond=0).isoformat(timespec="minutes")
    resp = api.post(f"/api/tasks/{task['id']}/snooze", json={"until": wall, "version": 1})
    assert resp.status_code == 200, resp.text
    stamp = local.astimezone(UTC).isoformat(timespec="minutes")[:16]
    assert _scheduled_at(stack, task["id"], stamp)

    stale = api.post(f"/api/tasks/{task['id']}/snooze", json={"minutes": 5, "version": 1})
    assert stale.status_code == 409
    for body, field in [
        ({"minutes": 0}, "minutes"),
        ({"minutes": 10**7}, "minutes"),
        ({"until": "2020-01-01T09:00"}, "until"),
        ({"until": "2099-01-01T09:00"}, "until"),
        ({"until": "not a time"}, "until"),
        ({"minutes": 5, "snoozed": True}, "snoozed"),
    ]:
        bad = api.post(f"/api/tasks/{task['id']}/snooze", json=body)
        assert bad.status_code == 422, (body, bad.text)
        assert field in bad.json()["error"]["fields"], (body, bad.json())
    both = api.post(f"/api/tasks/{task['id']}/snooze", json={"minutes": 5, "until": wall})
    assert both.status_code == 422
    assert api.post(f"/api/tasks/{task['id']}/complete").status_code == 200
    done = api.post(f"/api/tasks/{task['id']}/snooze", json={"minutes": 5})
    assert done.status_code == 409 and done.json()["error"]["code"] == "task_done"
    missing = api.post(
        "/api/tasks/00000000-0000-0000-0000-000000000000/snooze", json={"minutes": 5}
    )
    assert missing.status_code == 404


def test_the_assistant_snoozes_the_task_last_talked_about(stack: StackConfig) -> None:
    api = sign_up(stack, zone="UTC")
    added = api.post("/api/chat", json={"message": "remind me to water the plants in 10 minutes"})
    assert added.status_code == 200, added.text
    conversation = added.json()["conversation_id"]
    task_id = added.json()["actions"][0]["task_id"]
    before = datetime.now(UTC)
    reply = api.post(
        "/api/chat",
        json={"message": "remind me again in an hour", "conversation_id": conversation},
    ).json()
    assert reply["actions"][0]["task_id"] == task_id, reply
    changes = {c["field"] for c in reply["actions"][0]["changes"]}
    assert "reminder" in changes, reply
    remind_at = datetime.fromisoformat(api.get(f"/api/tasks/{task_id}").json()["remind_at"])
    assert abs(remind_at - (before + timedelta(hours=1))) < timedelta(minutes=1)
    stamp = remind_at.astimezone(UTC).isoformat(timespec="minutes")[:16]
    assert _scheduled_at(stack, task_id, stamp)
