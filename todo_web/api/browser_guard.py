"""What every response tells the browser, and the cross-site writes it refuses.

- A state-changing /api request from another site (Sec-Fetch-Site or Origin says so) and
  without a bearer token is refused with 403: the session cookie alone never authorizes a
  write another site started (CSRF, login CSRF). SameSite=Lax stays as a second layer.
- Security headers on every response, pages included: a CSP (no framing, no plugins, only
  this origin's scripts and connections; Reflex's runtime needs inline and eval'd scripts),
  nosniff, a same-origin Referrer-Policy, and HSTS when the public URL is https.
"""

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from todo_core.settings import get_settings
from todo_web.api.errors import error_body
from todo_web.api.origin import cross_site_write
from todo_web.session_cookie import over_https

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000"


def security_headers(https: bool) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }
    if https:
        headers["Strict-Transport-Security"] = HSTS
    return headers


async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    if cross_site_write(request, request.method):
        response: Response = JSONResponse(
            error_body("cross_site_request", "requests from other sites are refused"), 403
        )
    else:
        response = await call_next(request)
    https = get_settings().public_https or over_https(request)
    for name, value in security_headers(https).items():
        response.headers.setdefault(name, value)
    return response
