"""A second user can never read or change the first user's data, through any endpoint.

The endpoints come from our OpenAPI document, so a new endpoint is covered without editing
this test; each is called as the intruder with the owner's ids in every path parameter."""

import re
from typing import Any

import httpx
import psycopg
import pytest

from devstack.config import StackConfig
from tests.integration.api_client import base_url, sign_up

pytestmark = pytest.mark.integration

# What the intruder sends: a valid change, so a refusal can only be about ownership.
_TASK_BODY = {"title": "taken over", "version": 1}
_ACCOUNT_BODY = {"display_name": "intruder"}
# Endpoints that act on the caller's own account by design (no owner id in them).
_OWN_ACCOUNT = {
    "/api/auth/logout",
    "/api/auth/logout-all",  # ends the caller's own sessions, the intruder's here
    "/api/me/password",
    "/api/auth/register",
    "/api/auth/login",
}


def _body(template: str) -> dict[str, Any]:
    if template.endswith("/snooze"):
        return {"minutes": 10}
    return _TASK_BODY if template.startswith("/api/tasks") else _ACCOUNT_BODY


def _owner_snapshot(stack: StackConfig, user_id: str) -> list[Any]:
    """Everything stored for the owner, straight from the database."""
    with psycopg.connect(stack.database_url("postgresql")) as conn:
        tasks = conn.execute(
            "SELECT id, title, description, status, version, due_at FROM task "
            "WHERE user_id = %s ORDER BY id",
            (user_id,),
        ).fetchall()
        notes = conn.execute(
            "SELECT id, read_at FROM notification WHERE user_id = %s ORDER BY id", (user_id,)
        ).fetchall()
        user = conn.execute(
            'SELECT email, display_name, time_zone, password_hash FROM "user" WHERE id = %s',
            (user_id,),
        ).fetchone()
    return [tasks, notes, user]


def test_no_endpoint_crosses_users(stack: StackConfig) -> None:
    owner, intruder = sign_up(stack), sign_up(stack)
    me = owner.get("/api/me").json()
    task = owner.post(
        "/api/tasks",
        json={"title": "owner's secret", "due": "2031-01-01T09:00", "reminder": {"kind": "at_due"}},
    ).json()
    with psycopg.connect(stack.database_url("postgresql")) as conn:
        # A notification the worker would record; inserted directly so this test does not
        # depend on a reminder firing.
        note_id = conn.execute(
            "INSERT INTO notification (id, user_id, task_id, remind_at, title) "
            "VALUES (gen_random_uuid(), %s, %s, now(), 'owner note') RETURNING id",
            (me["id"], task["id"]),
        ).fetchone()[0]
    before = _owner_snapshot(stack, me["id"])
    ids = {"task_id": task["id"], "notification_id": str(note_id), "user_id": me["id"]}
    secrets = [task["id"], str(note_id), me["email"], "owner's secret", "owner note"]

    spec = httpx.get(f"{base_url(stack)}/openapi.json").json()
    called = 0
    for template, methods in spec["paths"].items():
        if template in _OWN_ACCOUNT:
            continue
        path = re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), task["id"]), template)
        for method in methods:
            body = _body(template)
            resp = intruder.request(method.upper(), path, json=body if method != "get" else None)
            called += 1
            leaked = [s for s in secrets if s in resp.text]
            assert not leaked, (method, template, resp.status_code, leaked)
            if "{" in template:  # the owner's object, named by id: it doesn't exist for them
                assert resp.status_code == 404, (method, template, resp.status_code, resp.text)
    assert called >= 10, "the OpenAPI document lists fewer endpoints than expected"
    # Listing with every filter still shows none of the owner's tasks.
    for params in ({}, {"q": "secret"}, {"status": "open"}, {"due": "none"}):
        assert intruder.get("/api/tasks", params=params).json()["items"] == []
    assert _owner_snapshot(stack, me["id"]) == before, "the intruder changed the owner's data"
    assert owner.get(f"/api/tasks/{task['id']}").json()["title"] == "owner's secret"
