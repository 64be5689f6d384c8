"""The session cookie: set and cleared only by our HTTP responses, HttpOnly, so no script in
the page can read the token; SameSite=Lax.

When the public URL is https the cookie is `__Host-todo_session`: the browser then keeps it
only if it is Secure, has Path=/ and no Domain, so neither a plain-http page nor a sibling
subdomain can plant or overwrite it; it is Secure whatever a proxy says about the scheme.
Without a public https URL it is `todo_session`, Secure whenever the browser came over
https (behind a TLS-terminating ingress too, which says so in X-Forwarded-Proto)."""

from http.cookies import CookieError, SimpleCookie

from fastapi import Request, Response

from todo_core.settings import get_settings

PLAIN_NAME = "todo_session"
HOST_NAME = "__Host-todo_session"


def session_cookie_name() -> str:
    return HOST_NAME if get_settings().public_https else PLAIN_NAME


def over_https(request: Request) -> bool:
    """The browser came over https: directly, or to a TLS-terminating proxy that says so.
    X-Forwarded-Proto is believed from anyone here: a forged one can only add Secure (or
    HSTS) to a response for the forger's own browser."""
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    return proto.split(",")[0].strip().lower() == "https"


def _secure(request: Request) -> bool:
    return get_settings().public_https or over_https(request)


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        session_cookie_name(),
        token,
        max_age=get_settings().session_ttl_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        session_cookie_name(), path="/", httponly=True, samesite="lax", secure=_secure(request)
    )


def token_in(cookie_header: str) -> str:
    """The session token in a raw Cookie header ("" when absent or unparsable)."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:
        return ""
    morsel = jar.get(session_cookie_name())
    return morsel.value if morsel else ""
