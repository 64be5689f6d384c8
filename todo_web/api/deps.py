"""Who is asking: a bearer token (API clients) or the session cookie (the browser UI)."""

import asyncio
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_core.db import database_reachable, get_engine, session_scope
from todo_core.models import User
from todo_core.repositories.users import get_user
from todo_core.settings import get_settings
from todo_web import sessions
from todo_web.api.errors import ApiError
from todo_web.dapr_state import SidecarUnavailable
from todo_web.session_cookie import session_cookie_name


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    return request.cookies.get(session_cookie_name())


def _not_signed_in() -> ApiError:
    return ApiError(401, "not_signed_in", "sign in first", headers={"WWW-Authenticate": "Bearer"})


async def signed_in_user_id(request: Request) -> UUID:
    """The session's user id (the account itself is checked by `user_in`)."""
    token = token_of(request)
    user_id = await _session_user_id(token) if token else None
    if user_id is None:
        raise _not_signed_in()
    return user_id


async def _session_user_id(token: str) -> UUID | None:
    try:
        async with asyncio.timeout(get_settings().session_read_timeout_seconds):
            return await sessions.user_of(token)
    except (TimeoutError, SidecarUnavailable) as exc:
        # The state store lives in our PostgreSQL: when that is away, say so, rather than
        # blame the session store.
        if not await database_reachable(get_engine()):
            raise ApiError(
                503,
                "database_unavailable",
                "the database is unavailable; try again shortly",
                headers={"Retry-After": "5"},
            ) from exc
        raise SidecarUnavailable(f"session read failed: {type(exc).__name__}") from exc


async def user_in(db: AsyncSession, user_id: UUID, request: Request) -> User:
    """The signed-in account, read in the caller's transaction (one per request)."""
    user = await get_user(db, user_id)
    if user is None:
        raise _not_signed_in()
    request.state.user_id = str(user.id)
    return user


async def current_user(
    request: Request, user_id: Annotated[UUID, Depends(signed_in_user_id)]
) -> User:
    async with session_scope() as db:
        return await user_in(db, user_id, request)


CurrentUser = Annotated[User, Depends(current_user)]
# For handlers that read the account in their own transaction (`user_in`).
SignedInUserId = Annotated[UUID, Depends(signed_in_user_id)]
