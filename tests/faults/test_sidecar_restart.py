"""The web app's Dapr sidecar restarted: 503 with a JSON message while it is away, then the
app reconnects by itself, and what was written during the gap still reaches Kafka."""

import uuid

import psycopg
import pytest

from devstack import processes
from devstack import stack as devstack_stack
from devstack.config import StackConfig
from tests.faults.helpers import assert_json_error, wait_until
from tests.integration.api_client import sign_up
from tests.integration.kafka_reader import event_ids, read_until

pytestmark = pytest.mark.integration

NEWCOMER = {
    "email": f"newcomer-{uuid.uuid4().hex[:10]}@example.com",
    "password": "a long enough password",
    "display_name": "Newcomer",
    "time_zone": "Europe/Berlin",
}


def _accounts(stack: StackConfig, email: str) -> int:
    with psycopg.connect(stack.database_url("postgresql")) as conn:
        row = conn.execute('SELECT count(*) FROM "user" WHERE email = %s', (email,)).fetchone()
    return row[0] if row else 0


def test_web_sidecar_restart_recovers_without_a_manual_step(stack: StackConfig) -> None:
    api = sign_up(stack)
    processes.stop(stack.run_dir, "todo-web-dapr")
    try:
        # Sessions live in the Dapr state store: without the sidecar no one can be checked.
        resp = api.get("/api/tasks")
        assert resp.status_code == 503, resp.text
        assert_json_error(resp, "GET /api/tasks without a sidecar")
        # A sign-up meanwhile fails whole: no account without a session to enter it.
        refused = api.post("/api/auth/register", json=NEWCOMER, headers={"authorization": ""})
        assert refused.status_code == 503, refused.text
        assert _accounts(stack, NEWCOMER["email"]) == 0, "the failed sign-up left an account"
    finally:
        devstack_stack.up(stack)
    wait_until(lambda: api.get("/api/tasks").status_code == 200, "the API after the sidecar")
    again = api.post("/api/auth/register", json=NEWCOMER, headers={"authorization": ""})
    assert again.status_code == 201, again.text
    task = api.post("/api/tasks", json={"title": "after the sidecar restart"})
    assert task.status_code == 201, task.text
    with psycopg.connect(stack.database_url("postgresql")) as conn:
        expected = {
            str(r[0])
            for r in conn.execute(
                "SELECT event_id FROM outbox WHERE partition_key = %s", (task.json()["id"],)
            )
        }
    seen = read_until(
        stack.kafka_brokers,
        "task-events",
        lambda envs: expected <= set(event_ids(envs)),
        timeout=120,
    )
    assert expected <= set(event_ids(seen)), "the event written after the restart never arrived"
