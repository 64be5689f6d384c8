"""The browser UI's session cookie, over plain HTTP navigations (never the websocket, which
cannot set cookies): a sign-in ticket is swapped for the HttpOnly cookie, and the cookie of
an ended session is cleared. Both answer with a redirect back into the app."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from loguru import logger

from todo_web import sessions
from todo_web.api.origin import same_origin_navigation
from todo_web.dapr_state import SidecarUnavailable
from todo_web.session_cookie import (
    clear_session_cookie,
    session_cookie_name,
    set_session_cookie,
)

router = APIRouter(prefix="/api/auth/session", tags=["browser session"])

START_PATH = "/api/auth/session"
END_PATH = "/api/auth/session/end"
HOME = "/"
SIGN_IN = "/signin"
# Reasons shown by the sign-in page (todo_web.states.auth.PROBLEMS).
EXPIRED = "expired"
UNAVAILABLE = "unavailable"


def _go(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303, headers={"Cache-Control": "no-store"})


@router.get("", include_in_schema=False)
async def start(request: Request, ticket: str = "") -> RedirectResponse:
    if not same_origin_navigation(request):
        # Login CSRF: a link on another site carrying its own ticket would sign the visitor
        # into the attacker's account. The ticket stays unused (it expires in seconds).
        logger.warning("sign-in ticket refused: not a navigation from this site")
        return _go(f"{SIGN_IN}?problem={EXPIRED}")
    try:
        user_id = await sessions.redeem_ticket(ticket)
        token = await sessions.create_session(user_id) if user_id else None
    except SidecarUnavailable:
        logger.warning("sign-in ticket not redeemed: sidecar unavailable")
        return _go(f"{SIGN_IN}?problem={UNAVAILABLE}")
    if token is None:
        return _go(f"{SIGN_IN}?problem={EXPIRED}")
    response = _go(HOME)
    set_session_cookie(response, request, token)
    return response


@router.get("/end", include_in_schema=False)
async def end(request: Request) -> RedirectResponse:
    """Clears the cookie only once its session is over (the UI ends it first), so a link
    from another site cannot sign anyone out."""
    token = request.cookies.get(session_cookie_name(), "")
    try:
        alive = bool(token) and await sessions.user_of(token) is not None
    except SidecarUnavailable:
        return _go(f"{SIGN_IN}?problem={UNAVAILABLE}")
    if alive:
        return _go(HOME)
    response = _go(SIGN_IN)
    clear_session_cookie(response, request)
    return response
