"""Accounts and sessions: register, sign in, sign out (here or everywhere), profile,
password. Sign-in, sign-up and password change are throttled per account and per client
address (todo_web.throttle)."""

from typing import Any

from fastapi import APIRouter, Body, Request, Response

from todo_core.db import session_scope
from todo_core.repositories import users
from todo_core.repositories.errors import WrongPassword
from todo_core.validation import Login, PasswordChange, ProfileUpdate, SignUp
from todo_web import sessions
from todo_web.api.deps import CurrentUser, token_of
from todo_web.api.errors import ApiError
from todo_web.api.request_models import described_by
from todo_web.api.schemas import TokenOut, UserOut
from todo_web.client_address import client_address
from todo_web.session_cookie import clear_session_cookie, set_session_cookie
from todo_web.throttle import Throttled, throttle

router = APIRouter(prefix="/api", tags=["auth"])

WRONG = "wrong email or password"


def _address(request: Request) -> str:
    peer = request.client.host if request.client else ""
    return client_address(peer, request.headers.get("x-forwarded-for", ""))


def _too_many(exc: Throttled) -> ApiError:
    return ApiError(
        429,
        "too_many_attempts",
        f"too many attempts; try again in {exc.retry_after}s",
        headers={"Retry-After": str(exc.retry_after)},
    )


@router.post("/auth/register", status_code=201, openapi_extra=described_by(SignUp))
async def register(
    request: Request,
    response: Response,
    body: dict[str, Any] = Body(...),  # noqa: B008
) -> TokenOut:
    data = SignUp.model_validate(body)
    try:
        await throttle().attempt("sign_up", data.email, _address(request))
    except Throttled as exc:
        raise _too_many(exc) from exc
    async with session_scope() as db:
        user = await users.create_user(db, data)
        # Inside the transaction: when the session cannot be stored (the sidecar away),
        # the account is rolled back too, so the same sign-up can simply be sent again.
        token = await sessions.create_session(user.id)
    set_session_cookie(response, request, token)
    return TokenOut(token=token, user=UserOut.of(user))


@router.post("/auth/login", openapi_extra=described_by(Login))
async def login(request: Request, response: Response, body: dict[str, Any] = Body(...)) -> TokenOut:  # noqa: B008
    data = Login.model_validate(body)
    address = _address(request)
    try:
        await throttle().check("sign_in", data.email, address)
        async with session_scope() as db:
            user = await users.authenticate(db, data.email, data.password.get_secret_value())
        if user is None:
            await throttle().count("sign_in", data.email, address)
    except Throttled as exc:
        raise _too_many(exc) from exc
    if user is None:
        raise ApiError(401, "wrong_credentials", WRONG)
    await throttle().clear_account("sign_in", data.email)
    token = await sessions.create_session(user.id)
    set_session_cookie(response, request, token)
    return TokenOut(token=token, user=UserOut.of(user))


async def _end_this_session(request: Request, response: Response) -> Response:
    token = token_of(request)
    if token:
        await sessions.end_session(token)
    clear_session_cookie(response, request)
    response.status_code = 204
    return response


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, response: Response, _: CurrentUser) -> Response:
    return await _end_this_session(request, response)


@router.post("/auth/logout-all", status_code=204)
async def logout_everywhere(request: Request, response: Response, user: CurrentUser) -> Response:
    """End every session of this user, this one included (a lost device, a shared computer)."""
    async with session_scope() as db:
        await users.end_all_sessions(db, user.id)
    return await _end_this_session(request, response)


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
async def change_password(
    request: Request,
    user: CurrentUser,
    body: dict[str, Any] = Body(...),  # noqa: B008
) -> Response:
    """Ends every other session of the user; the one that asked goes on."""
    change = PasswordChange.model_validate(body)
    address = _address(request)
    try:
        await throttle().check("password", user.email, address)
        async with session_scope() as db:
            since = await users.change_password(db, user.id, change)
    except WrongPassword:
        try:
            await throttle().count("password", user.email, address)
        except Throttled as exc:
            raise _too_many(exc) from exc
        raise
    except Throttled as exc:
        raise _too_many(exc) from exc
    await throttle().clear_account("password", user.email)
    token = token_of(request)
    if token:
        await sessions.redate(token, since)
    return Response(status_code=204)
