"""Async REST client helpers for the benchmarks (many users, concurrent requests)."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench.stack import web_url
from devstack.config import StackConfig


async def sign_up(cfg: StackConfig, zone: str = "UTC") -> httpx.AsyncClient:
    client = httpx.AsyncClient(
        base_url=web_url(cfg), timeout=60, limits=httpx.Limits(max_connections=32)
    )
    resp = await client.post(
        "/api/auth/register",
        json={
            "email": f"bench-{uuid.uuid4().hex[:12]}@example.com",
            "password": "a long enough password",
            "display_name": "Bench",
            "time_zone": zone,
        },
    )
    resp.raise_for_status()
    client.headers["authorization"] = f"Bearer {resp.json()['token']}"
    client.cookies.clear()
    return client


def local_minute(at: datetime) -> str:
    """The API's `due` format for a UTC user: naive, minute precision."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="minutes")


def task_with_reminder(i: int, hours_ahead: float = 48) -> dict[str, Any]:
    due = datetime.now(UTC) + timedelta(hours=hours_ahead)
    return {
        "title": f"bench task {i}",
        "description": "measured by make bench",
        "priority": "medium",
        "tags": ["bench"],
        "due": local_minute(due),
        "reminder": {"kind": "before", "minutes": 15},
    }
