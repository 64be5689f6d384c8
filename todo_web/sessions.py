"""Sessions and list-view preferences, kept in the Dapr state store.

A session token is random and opaque; the store keeps only its SHA-256 (`session:{hash}`),
so a copy of the state table lets no one sign in. The record expires through the store's
TTL, and is also checked against its own expiry time.

A sign-in ticket hands a sign-in from the UI's websocket to an HTTP response, the only
place an HttpOnly cookie can be set: single use, short-lived, and kept hashed like a token.
The session itself is created only when the ticket is redeemed.
"""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from todo_core.settings import get_settings
from todo_web import dapr_state

TICKET_TTL_SECONDS = 30


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _key(token: str) -> str:
    return "session:" + _hash(token)


async def create_session(user_id: UUID) -> str:
    token = secrets.token_urlsafe(32)
    ttl = get_settings().session_ttl_seconds
    now = datetime.now(UTC)
    record = {
        "user_id": str(user_id),
        "created": now.isoformat(),
        "expires": (now + timedelta(seconds=ttl)).isoformat(),
    }
    await dapr_state.save_json(_key(token), record, ttl_seconds=ttl)
    return token


async def user_of(token: str) -> UUID | None:
    if not token or len(token) > 200:
        return None
    record = await dapr_state.get_json(_key(token))
    if record is None or datetime.fromisoformat(record["expires"]) <= datetime.now(UTC):
        return None
    return UUID(record["user_id"])


async def end_session(token: str) -> None:
    await dapr_state.delete(_key(token))


async def issue_ticket(user_id: UUID) -> str:
    ticket = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(seconds=TICKET_TTL_SECONDS)
    record = {"user_id": str(user_id), "expires": expires.isoformat()}
    await dapr_state.save_json("ticket:" + _hash(ticket), record, ttl_seconds=TICKET_TTL_SECONDS)
    return ticket


async def redeem_ticket(ticket: str) -> UUID | None:
    """The user a ticket was issued for, once; None when unknown, used or expired."""
    if not ticket or len(ticket) > 200:
        return None
    key = "ticket:" + _hash(ticket)
    record = await dapr_state.get_json(key)
    if record is None:
        return None
    await dapr_state.delete(key)
    if datetime.fromisoformat(record["expires"]) <= datetime.now(UTC):
        return None
    return UUID(record["user_id"])


async def get_prefs(user_id: UUID) -> dict[str, Any]:
    return await dapr_state.get_json(f"prefs:{user_id}") or {}


async def save_prefs(user_id: UUID, prefs: dict[str, Any]) -> None:
    await dapr_state.save_json(f"prefs:{user_id}", prefs)
