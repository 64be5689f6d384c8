"""Is a request from this app's own pages? Browsers say where a request comes from in
Sec-Fetch-Site (current browsers) and Origin (every POST, every cross-origin request);
scripts cannot forge either. API clients (curl, SDKs) send neither and authenticate with a
bearer token, which no other site can make a browser send.

The app's own origin is PUBLIC_URL's when set, and the origin the request was addressed to
(its Host header, which a page's script cannot set either)."""

from collections.abc import Mapping
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from todo_core.settings import get_settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# "none": the user typed the address or used a bookmark; not a page's doing.
OWN_SITES = frozenset({"same-origin", "none"})


def is_own_origin(origin: str, host: str) -> bool:
    """`origin` (scheme://host[:port]) is PUBLIC_URL's or names the host asked for."""
    public = get_settings().public_origin
    if public and origin.lower() == public.lower():
        return True
    netloc = urlsplit(origin).netloc.lower()
    return bool(netloc) and netloc == host.strip().lower()


def _host(conn: HTTPConnection) -> str:
    return conn.headers.get("host", "")


def cross_site_write(conn: HTTPConnection, method: str) -> bool:
    """A state-changing API request a browser sent from another site, with whatever
    cookies it holds: the CSRF (and login CSRF) the app refuses."""
    if method in SAFE_METHODS or not conn.url.path.startswith("/api/"):
        return False
    if conn.headers.get("authorization", "").lower().startswith("bearer "):
        return False  # no site can make a browser attach our bearer token
    site = conn.headers.get("sec-fetch-site")
    if site is not None:
        return site not in OWN_SITES
    origin = conn.headers.get("origin")
    return origin is not None and not is_own_origin(origin, _host(conn))


def same_origin_navigation(conn: HTTPConnection) -> bool:
    """A navigation started by one of this app's pages (the sign-in ticket's only way in)."""
    site = conn.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    # Browsers without Fetch Metadata: our pages send a same-origin Referer
    # (Referrer-Policy: same-origin); another site's link sends its own or none.
    parts = urlsplit(conn.headers.get("referer", ""))
    return bool(parts.netloc) and is_own_origin(f"{parts.scheme}://{parts.netloc}", _host(conn))


def socket_origin_allowed(origin: str | None, environ: Mapping[str, object]) -> bool:
    """For the UI's websocket (Socket.IO): only this app's pages may open it, so another
    site cannot drive a signed-in tab's state with the visitor's cookie."""
    if origin is None:
        return True  # not a browser (a browser always sends Origin on a websocket)
    scope = environ.get("asgi.scope")
    headers = dict(scope.get("headers", [])) if isinstance(scope, dict) else {}
    host = headers.get(b"host", b"").decode("latin-1") or str(environ.get("HTTP_HOST", ""))
    return is_own_origin(origin, host)
