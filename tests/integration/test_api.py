"""The task service on the real stack: REST API → PostgreSQL → outbox → Dapr → Kafka."""

import hashlib
import time
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest

from devstack import processes
from devstack import stack as devstack_stack
from devstack.config import StackConfig
from tests.integration.api_client import base_url, sign_up
from tests.integration.kafka_reader import event_ids, read_until

pytestmark = pytest.mark.integration


def _future(minutes: int) -> str:
    local = datetime.now(UTC) + timedelta(minutes=minutes)
    return local.astimezone().replace(tzinfo=None).isoformat(timespec="minutes")


def test_reminder_reaches_kafka_within_5_seconds(stack: StackConfig) -> None:
    api = sign_up(stack, zone="UTC")
    due = (datetime.now(UTC) + timedelta(hours=2)).replace(tzinfo=None)
    started = time.time()
    resp = api.post(
        "/api/tasks",
        json={
            "title": "Call the dentist",
            "due": due.isoformat(timespec="minutes"),
            "reminder": {"kind": "before", "minutes": 15},
        },
    )
    assert resp.status_code == 201, resp.text
    task_id = resp.json()["id"]

    def ours(envelope: dict) -> bool:
        # Other tests leave records that are not ours, poison ones included (data not a map).
        data = envelope.get("data")
        return isinstance(data, dict) and data.get("task_id") == task_id

    envelopes = read_until(stack.kafka_brokers, "reminders", lambda es: any(map(ours, es)), 10)
    mine = [e for e in envelopes if ours(e)]
    assert mine, "no reminder.scheduled record for the task on `reminders`"
    record = mine[0]
    assert record["data"]["type"] == "reminder.scheduled"
    assert record["data"]["remind_at"].startswith(
        (due - timedelta(minutes=15)).isoformat(timespec="minutes")
    )
    assert record["_received_at"] - started <= 5.0


def test_session_is_a_row_in_daprs_state_table(stack: StackConfig) -> None:
    api = sign_up(stack)
    token = api.headers["authorization"].split()[1]
    key = "todo-web||session:" + hashlib.sha256(token.encode()).hexdigest()
    with psycopg.connect(stack.database_url("postgresql")) as conn:
        row = conn.execute("SELECT expires_at FROM dapr.state WHERE key = %s", (key,)).fetchone()
    assert row is not None, "no session row in dapr.state"
    assert row[0] is not None, "the session has no TTL"
    assert api.get("/api/me").status_code == 200
    assert api.post("/api/auth/logout").status_code == 204
    assert api.get("/api/me").status_code == 401
    with psycopg.connect(stack.database_url("postgresql")) as conn:
        assert conn.execute("SELECT 1 FROM dapr.state WHERE key = %s", (key,)).fetchone() is None


def test_no_endpoint_reveals_or_changes_another_users_task(stack: StackConfig) -> None:
    owner, other = sign_up(stack), sign_up(stack)
    task = owner.post("/api/tasks", json={"title": "private"}).json()
    tid, v = task["id"], task["version"]
    attempts = [
        other.get(f"/api/tasks/{tid}"),
        other.patch(f"/api/tasks/{tid}", json={"version": v, "title": "mine now"}),
        other.post(f"/api/tasks/{tid}/complete"),
        other.post(f"/api/tasks/{tid}/reopen"),
        other.get(f"/api/tasks/{tid}/activity"),
        other.delete(f"/api/tasks/{tid}"),
    ]
    missing = other.get("/api/tasks/00000000-0000-0000-0000-000000000000")
    for resp in attempts:
        assert resp.status_code == 404, resp.text
        assert resp.json() == missing.json()
    assert all(t["id"] != tid for t in other.get("/api/tasks").json()["items"])
    assert owner.get(f"/api/tasks/{tid}").json()["title"] == "private"
    anonymous = httpx.Client(base_url=base_url(stack))
    assert anonymous.get("/api/tasks").status_code == 401


def test_bad_input_names_the_field_and_writes_nothing(stack: StackConfig) -> None:
    api = sign_up(stack)
    cases = [
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "unknown": 1}, "unknown"),
        ({"title": "ok", "due": "2026-02-30T10:00"}, "due"),
        ({"title": "ok", "recurrence": {"kind": "daily"}}, "recurrence"),
        (
            {
                "title": "ok",
                "recurrence": {"kind": "rrule", "rule": "FREQ=SOMETIMES"},
                "due": "2030-01-01T09:00",
            },
            "recurrence",
        ),
        (
            {
                "title": "ok",
                "due": "2030-01-01T09:00",
                "reminder": {"kind": "at", "at": "2030-01-02T09:00"},
            },
            "reminder",
        ),
    ]
    for body, field in cases:
        resp = api.post("/api/tasks", json=body)
        assert resp.status_code == 422, (body, resp.text)
        fields = resp.json()["error"]["fields"]
        assert any(f == field or f.startswith(field + ".") for f in fields), (body, fields)
    assert api.get("/api/tasks").json()["items"] == []


def test_stale_version_is_refused(stack: StackConfig) -> None:
    api = sign_up(stack)
    task = api.post("/api/tasks", json={"title": "v1"}).json()
    assert (
        api.patch(f"/api/tasks/{task['id']}", json={"version": 1, "title": "v2"}).status_code == 200
    )
    stale = api.patch(f"/api/tasks/{task['id']}", json={"version": 1, "title": "v3"})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale_version"


def test_no_event_is_lost_while_kafka_is_down(stack: StackConfig) -> None:
    """200 writes, Kafka stopped for 20 s in the middle: every outbox event reaches Kafka."""
    api = sign_up(stack, zone="UTC")
    due = (datetime.now(UTC) + timedelta(days=3)).replace(tzinfo=None)
    stopped_at = None
    for i in range(200):
        if i == 50:
            processes.stop(stack.run_dir, "kafka")
            stopped_at = time.monotonic()
        if (
            stopped_at
            and time.monotonic() - stopped_at >= 20
            and processes.read_pid(stack.run_dir, "kafka") is None
        ):
            devstack_stack.up(stack)  # heals only what is missing: Kafka
        resp = api.post(
            "/api/tasks",
            json={
                "title": f"task {i}",
                "due": due.isoformat(timespec="minutes"),
                "reminder": {"kind": "at_due"},
            },
        )
        assert resp.status_code == 201, resp.text
        if stopped_at and i < 150:
            time.sleep(0.1)  # spread the writes across the outage
    while time.monotonic() - stopped_at < 20:
        time.sleep(0.5)
    devstack_stack.up(stack)
    user_id = api.get("/api/me").json()["id"]
    with psycopg.connect(stack.database_url("postgresql")) as conn:
        rows = conn.execute(
            "SELECT topic, payload->>'event_id' FROM outbox WHERE payload->>'user_id' = %s",
            (user_id,),
        ).fetchall()
    assert len(rows) == 400  # task.created + reminder.scheduled for each write
    missing: set[str] = set()
    for topic in ("task-events", "reminders"):
        expected = {event_id for t, event_id in rows if t == topic}
        envelopes = read_until(
            stack.kafka_brokers,
            topic,
            lambda envs, e=expected: e <= set(event_ids(envs)),  # type: ignore[misc]
            120,
        )
        missing |= expected - set(event_ids(envelopes))
    assert not missing, f"{len(missing)} events never reached Kafka"


def test_sign_in_is_vague_and_throttled(stack: StackConfig) -> None:
    api = sign_up(stack)
    email = api.get("/api/me").json()["email"]
    anonymous = httpx.Client(base_url=base_url(stack), timeout=30)
    wrong_user = anonymous.post(
        "/api/auth/login", json={"email": "nobody@example.com", "password": "whatever1"}
    )
    wrong_password = anonymous.post(
        "/api/auth/login", json={"email": email, "password": "not the password"}
    )
    for resp in (wrong_user, wrong_password):
        assert resp.status_code == 401
        assert resp.json()["error"]["message"] == "wrong email or password"
    for _ in range(4):
        anonymous.post("/api/auth/login", json={"email": email, "password": "nope nope"})
    blocked = anonymous.post(
        "/api/auth/login", json={"email": email, "password": "a long enough password"}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0


def test_password_change_and_sign_in(stack: StackConfig) -> None:
    api = sign_up(stack)
    email = api.get("/api/me").json()["email"]
    bad = api.post(
        "/api/me/password",
        json={"current_password": "wrong one!", "new_password": "another long one"},
    )
    assert bad.status_code == 400 and "current_password" in bad.json()["error"]["fields"]
    ok = api.post(
        "/api/me/password",
        json={"current_password": "a long enough password", "new_password": "another long one"},
    )
    assert ok.status_code == 204
    fresh = httpx.Client(base_url=base_url(stack), timeout=30)
    login = fresh.post("/api/auth/login", json={"email": email, "password": "another long one"})
    assert login.status_code == 200 and login.json()["token"]
    assert "password_hash" not in login.text


def test_openapi_and_docs_are_served(stack: StackConfig) -> None:
    client = httpx.Client(base_url=base_url(stack), timeout=30)
    spec = client.get("/openapi.json").json()
    assert "/api/tasks" in spec["paths"] and "/api/auth/login" in spec["paths"]
    assert client.get("/docs").status_code == 200
    assert client.get("/readyz").json()["checks"] == {"database": "ok", "sidecar": "ok"}


def test_request_log_has_user_and_latency_but_no_secrets(stack: StackConfig) -> None:
    api = sign_up(stack)
    token = api.headers["authorization"].split()[1]
    me = api.get("/api/me").json()
    api.post("/api/tasks", json={"title": "log me"})
    log = (stack.log_dir / "todo-web.log").read_text()
    assert token not in log
    assert "a long enough password" not in log
    lines = [ln for ln in log.splitlines() if "request" in ln and me["id"] in ln]
    assert lines, "no request line names the user"
