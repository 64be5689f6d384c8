"""Sessions and list-view preferences, kept in the Dapr state store.

A session token is random and opaque; the store keeps only its SHA-256 (`session:{hash}`),
so a copy of the state table lets no one sign in. A session ends at the first of: its
absolute lifetime, an idle period without use, the user's `sessions_valid_after` (a password
change or "sign out everywhere" after it was created), or its own sign-out. The record
expires through the store's TTL too, so ended sessions do not pile up.

A sign-in ticket hands a sign-in from the UI's websocket to an HTTP response, the only
place an HttpOnly cookie can be set: single use (a row in PostgreSQL that one DELETE …
RETURNING takes, so of two replicas redeeming it at once only one succeeds), short-lived,
and kept hashed like a token.
The session itself is created only when the ticket is redeemed.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from todo_core.db import session_scope
from todo_core.repositories import tickets, users
from todo_core.repositories.errors import NotFound
from todo_core.settings import get_settings
from todo_web import dapr_state

TICKET_TTL_SECONDS = 30
# A used session's record is rewritten (its idle clock reset) at most this often: not one
# write per request.
TOUCH_EVERY_SECONDS = 60


@dataclass(frozen=True)
class Session:
    user_id: UUID
    created: datetime
    seen: datetime


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _key(token: str) -> str:
    return "session:" + _hash(token)


def _record(session: Session) -> dict[str, str]:
    return {
        "user_id": str(session.user_id),
        "created": session.created.isoformat(),
        "seen": session.seen.isoformat(),
    }


def _parse(record: dict[str, Any]) -> Session:
    created = datetime.fromisoformat(record["created"])
    return Session(
        UUID(record["user_id"]),
        created,
        datetime.fromisoformat(record.get("seen") or record["created"]),
    )


def expires_at(session: Session) -> datetime:
    """The first of the absolute and the idle end (pure: the unit tests' subject)."""
    settings = get_settings()
    absolute = session.created + timedelta(seconds=settings.session_ttl_seconds)
    idle = session.seen + timedelta(seconds=settings.session_idle_seconds)
    return min(absolute, idle)


def counts(session: Session, valid_after: datetime | None) -> bool:
    """Not ended by a password change or sign-out everywhere since it was created."""
    return valid_after is None or session.created >= valid_after


async def _save(token: str, session: Session) -> None:
    ttl = int((expires_at(session) - datetime.now(UTC)).total_seconds()) + 1
    await dapr_state.save_json(_key(token), _record(session), ttl_seconds=max(ttl, 1))


async def create_session(user_id: UUID, created: datetime | None = None) -> str:
    token = secrets.token_urlsafe(32)
    now = created or datetime.now(UTC)
    await _save(token, Session(user_id, now, now))
    return token


async def redate(token: str, created: datetime) -> None:
    """Keep this session across a change that ended every session created before `created`."""
    record = await dapr_state.get_json(_key(token))
    if record is not None:
        await _save(token, Session(_parse(record).user_id, created, datetime.now(UTC)))


async def session_of(token: str, touch: bool = True) -> Session | None:
    """The live session record of a token (not checked against the user: `user_of` is)."""
    if not token or len(token) > 200:
        return None
    record = await dapr_state.get_json(_key(token))
    if record is None:
        return None
    session, now = _parse(record), datetime.now(UTC)
    if expires_at(session) <= now:
        return None
    if touch and (now - session.seen).total_seconds() >= TOUCH_EVERY_SECONDS:
        session = Session(session.user_id, session.created, now)
        await _save(token, session)
    return session


async def user_of(token: str, touch: bool = True) -> UUID | None:
    """The signed-in user of a token, or None when its session is over for any reason.
    `touch=False` for checks the user did not cause (an open tab's periodic re-check), so
    they do not keep an idle session alive."""
    session = await session_of(token, touch)
    if session is None:
        return None
    try:
        async with session_scope() as db:
            valid_after = await users.sessions_valid_after(db, session.user_id)
    except NotFound:
        return None
    return session.user_id if counts(session, valid_after) else None


async def end_session(token: str) -> None:
    await dapr_state.delete(_key(token))


async def issue_ticket(user_id: UUID) -> str:
    ticket = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(seconds=TICKET_TTL_SECONDS)
    async with session_scope() as db:
        await tickets.issue(db, _hash(ticket), user_id, expires)
    return ticket


async def redeem_ticket(ticket: str) -> UUID | None:
    """The user a ticket was issued for, once; None when unknown, used or expired."""
    if not ticket or len(ticket) > 200:
        return None
    async with session_scope() as db:
        return await tickets.redeem(db, _hash(ticket))


async def get_prefs(user_id: UUID) -> dict[str, Any]:
    return await dapr_state.get_json(f"prefs:{user_id}") or {}


async def save_prefs(user_id: UUID, prefs: dict[str, Any]) -> None:
    await dapr_state.save_json(f"prefs:{user_id}", prefs)
