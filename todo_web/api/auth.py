"""Accounts and sessions: register, sign in, sign out, profile, password."""

from typing import Any

from fastapi import APIRouter, Body, Request, Response

from todo_core.db import session_scope
from todo_core.repositories import users
from todo_core.validation import Login, PasswordChange, ProfileUpdate, SignUp
from todo_web import sessions
from todo_web.api.deps import CurrentUser, token_of
from todo_web.api.errors import ApiError
from todo_web.api.request_models import described_by
from todo_web.api.schemas import TokenOut, UserOut
from todo_web.ratelimit import throttle
from todo_web.session_cookie import clear_session_cookie, set_session_cookie

router = APIRouter(prefix="/api", tags=["auth"])

WRONG = "wrong email or password"


@router.post("/auth/register", status_code=201, openapi_extra=described_by(SignUp))
async def register(
    request: Request,
    response: Response,
    body: dict[str, Any] = Body(...),  # noqa: B008
) -> TokenOut:
    data = SignUp.model_validate(body)
    async with session_scope() as db:
        user = await users.create_user(db, data)
    token = await sessions.create_session(user.id)
    set_session_cookie(response, request, token)
    return TokenOut(token=token, user=UserOut.of(user))


@router.post("/auth/login", openapi_extra=described_by(Login))
async def login(request: Request, response: Response, body: dict[str, Any] = Body(...)) -> TokenOut:  # noqa: B008
    data = Login.model_validate(body)
    address = request.client.host if request.client else "?"
    wait = throttle.retry_after(data.email, address)
    if wait:
        raise ApiError(
            429,
            "too_many_attempts",
            f"too many attempts; try again in {wait}s",
            headers={"Retry-After": str(wait)},
        )
    async with session_scope() as db:
        user = await users.authenticate(db, data.email, data.password.get_secret_value())
    if user is None:
        throttle.failed(data.email, address)
        raise ApiError(401, "wrong_credentials", WRONG)
    throttle.succeeded(data.email)
    token = await sessions.create_session(user.id)
    set_session_cookie(response, request, token)
    return TokenOut(token=token, user=UserOut.of(user))


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, response: Response, _: CurrentUser) -> Response:
    token = token_of(request)
    if token:
        await sessions.end_session(token)
    clear_session_cookie(response, request)
    response.status_code = 204
    return response


@router.get("/me")
async def me(user: CurrentUser) -> UserOut:
    return UserOut.of(user)


@router.patch("/me", openapi_extra=described_by(ProfileUpdate))
async def update_me(user: CurrentUser, body: dict[str, Any] = Body(...)) -> UserOut:  # noqa: B008
    changes = ProfileUpdate.model_validate(body)
    async with session_scope() as db:
        updated = await users.update_user(db, user.id, changes)
    return UserOut.of(updated)


@router.post("/me/password", status_code=204, openapi_extra=described_by(PasswordChange))
async def change_password(user: CurrentUser, body: dict[str, Any] = Body(...)) -> Response:  # noqa: B008
    change = PasswordChange.model_validate(body)
    async with session_scope() as db:
        await users.change_password(db, user.id, change)
    return Response(status_code=204)
