"""Who is asking: a bearer token (API clients) or the session cookie (the browser UI)."""

from typing import Annotated

from fastapi import Depends, Request

from todo_core.db import session_scope
from todo_core.models import User
from todo_core.repositories.users import get_user
from todo_web import sessions
from todo_web.api.errors import ApiError

SESSION_COOKIE = "todo_session"


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    return request.cookies.get(SESSION_COOKIE)


async def current_user(request: Request) -> User:
    token = token_of(request)
    user_id = await sessions.user_of(token) if token else None
    if user_id is None:
        raise ApiError(
            401, "not_signed_in", "sign in first", headers={"WWW-Authenticate": "Bearer"}
        )
    async with session_scope() as db:
        user = await get_user(db, user_id)
    if user is None:
        raise ApiError(401, "not_signed_in", "sign in first")
    request.state.user_id = str(user.id)
    return user


CurrentUser = Annotated[User, Depends(current_user)]
