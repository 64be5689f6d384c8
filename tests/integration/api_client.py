"""A small REST client for the tests: sign up users and call the API as them."""

import uuid
from typing import Any

import httpx

from devstack.config import StackConfig


def base_url(stack: StackConfig) -> str:
    return f"http://127.0.0.1:{stack.port('TODO_WEB_PORT')}"


def sign_up(stack: StackConfig, zone: str = "Europe/Berlin") -> httpx.Client:
    """A client signed in as a brand-new user (bearer token)."""
    client = httpx.Client(base_url=base_url(stack), timeout=30)
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    resp = client.post(
        "/api/auth/register",
        json={
            "email": email,
            "password": "a long enough password",
            "display_name": "Test",
            "time_zone": zone,
        },
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    client.headers["authorization"] = f"Bearer {body['token']}"
    client.cookies.clear()  # the bearer token alone must be enough
    return client
