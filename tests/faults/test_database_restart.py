"""PostgreSQL stopped and started again: while it is away the API answers 503 with a JSON
message (never a stack trace), and afterwards everything works without a manual step."""

import pytest

from devstack import processes
from devstack import stack as devstack_stack
from devstack.config import StackConfig
from tests.faults import effects
from tests.faults.helpers import assert_json_error, wait_until
from tests.integration.api_client import sign_up

pytestmark = pytest.mark.integration


def test_api_answers_503_while_postgres_is_away_then_recovers(stack: StackConfig) -> None:
    api = sign_up(stack)
    kept = api.post("/api/tasks", json={"title": "before the outage"}).json()
    processes.stop(stack.run_dir, "postgres")
    try:
        answers = [
            api.get("/api/tasks"),
            api.post("/api/tasks", json={"title": "during the outage"}),
            api.get(f"/api/tasks/{kept['id']}"),
            api.get("/readyz"),
        ]
        for resp in answers:
            assert resp.status_code == 503, (resp.request.url, resp.status_code, resp.text)
            if resp.request.url.path.startswith("/api"):
                assert_json_error(resp, resp.request.url)
                # Named for what is away, although the session read (state store) fails first.
                assert resp.json()["error"]["code"] == "database_unavailable", resp.text
        assert answers[-1].json()["checks"]["database"] == "unavailable"
    finally:
        devstack_stack.up(stack)  # heals only what is missing: PostgreSQL

    # No manual step: the same client, the same session token, the same processes.
    wait_until(lambda: api.get("/readyz").status_code == 200, "readiness after the restart")
    wait_until(lambda: api.get("/api/tasks").status_code == 200, "the API after the restart")
    titles = {t["title"] for t in api.get("/api/tasks").json()["items"]}
    assert "before the outage" in titles and "during the outage" not in titles
    created = api.post("/api/tasks", json={"title": "after the outage"})
    assert created.status_code == 201, created.text
    # The worker reconnects by itself too: it records the new task's activity.
    user_id = api.get("/api/me").json()["id"]
    wanted = effects.outbox_events(stack, user_id, "task-events")
    wait_until(
        lambda: wanted <= set(effects.activity_per_event(stack, user_id)),
        "the worker to handle events after the restart",
    )
