"""Sessions a user can end (issue 22, item 4), on the real stack: the session record in
Dapr's state store (PostgreSQL) and the user row that says since when sessions count."""

import asyncio
from uuid import UUID

import httpx
import pytest

from devstack.config import StackConfig
from tests.integration.api_client import base_url, sign_up

pytestmark = pytest.mark.integration

PASSWORD = "a long enough password"


def _second_session(stack: StackConfig, api: httpx.Client) -> httpx.Client:
    """Another client signed in as the same user (another device)."""
    email = api.get("/api/me").json()["email"]
    other = httpx.Client(base_url=base_url(stack), timeout=30)
    resp = other.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    other.headers["authorization"] = f"Bearer {resp.json()['token']}"
    other.cookies.clear()
    return other


def test_password_change_ends_every_other_session(stack: StackConfig) -> None:
    api = sign_up(stack)
    other = _second_session(stack, api)
    assert other.get("/api/me").status_code == 200
    changed = api.post(
        "/api/me/password",
        json={"current_password": PASSWORD, "new_password": "another long one"},
    )
    assert changed.status_code == 204, changed.text
    assert other.get("/api/me").status_code == 401
    assert other.post("/api/tasks", json={"title": "after the change"}).status_code == 401
    # The session that changed the password goes on.
    assert api.get("/api/me").status_code == 200


def test_sign_out_everywhere_ends_every_session(stack: StackConfig) -> None:
    api = sign_up(stack)
    other = _second_session(stack, api)
    ended = api.post("/api/auth/logout-all")
    assert ended.status_code == 204, ended.text
    assert api.get("/api/me").status_code == 401
    assert other.get("/api/me").status_code == 401


async def test_a_ticket_is_redeemed_once_under_a_race(
    stack: StackConfig, app_database: None
) -> None:
    """Ten replicas redeeming one ticket at once: exactly one gets the user."""
    from todo_web import sessions

    user = UUID(sign_up(stack).get("/api/me").json()["id"])
    for _ in range(3):
        ticket = await sessions.issue_ticket(user)
        results = await asyncio.gather(*(sessions.redeem_ticket(ticket) for _ in range(10)))
        assert [r for r in results if r is not None] == [user], results
