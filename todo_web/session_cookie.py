"""The `todo_session` cookie: set and cleared only by our HTTP responses, HttpOnly, so no
script in the page can read the token; Secure whenever the browser came over https (also
behind a TLS-terminating ingress, which says so in X-Forwarded-Proto)."""

from http.cookies import CookieError, SimpleCookie

from fastapi import Request, Response

from todo_core.settings import get_settings
from todo_web.api.deps import SESSION_COOKIE


def _over_https(request: Request) -> bool:
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    return proto.split(",")[0].strip().lower() == "https"


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=get_settings().session_ttl_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_over_https(request),
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_over_https(request)
    )


def token_in(cookie_header: str) -> str:
    """The session token in a raw Cookie header ("" when absent or unparsable)."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:
        return ""
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel else ""
