"""The pure rules behind sessions, origins, client addresses, cookies and the memory
throttle (the library's own MemoryStorage, not a fake)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from limits.aio.storage import MemoryStorage
from starlette.requests import Request

from todo_core.settings import Settings, get_settings
from todo_web import sessions
from todo_web.api.origin import cross_site_write, same_origin_navigation, socket_origin_allowed
from todo_web.client_address import client_address
from todo_web.session_cookie import HOST_NAME, PLAIN_NAME, session_cookie_name
from todo_web.throttle import Throttle, Throttled

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _request(method: str = "POST", path: str = "/api/tasks", **headers: str) -> Request:
    raw = [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()]
    scope = {"type": "http", "method": method, "path": path, "headers": raw, "query_string": b""}
    return Request(scope)


def test_a_session_ends_at_the_first_of_idle_and_absolute(env: pytest.MonkeyPatch) -> None:
    env.setenv("SESSION_TTL_SECONDS", "43200")
    env.setenv("SESSION_IDLE_SECONDS", "1800")
    fresh = sessions.Session(uuid4(), NOW, NOW)
    assert sessions.expires_at(fresh) == NOW + timedelta(minutes=30)
    used_late = sessions.Session(uuid4(), NOW, NOW + timedelta(hours=11, minutes=50))
    assert sessions.expires_at(used_late) == NOW + timedelta(hours=12)


def test_a_session_created_before_valid_after_no_longer_counts() -> None:
    session = sessions.Session(uuid4(), NOW, NOW)
    assert sessions.counts(session, None)
    assert sessions.counts(session, NOW)  # the session a password change re-dated
    assert not sessions.counts(session, NOW + timedelta(microseconds=1))


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({"sec_fetch_site": "cross-site", "host": "todo.test"}, True),
        ({"sec_fetch_site": "same-site", "host": "todo.test"}, True),
        ({"sec_fetch_site": "same-origin", "host": "todo.test"}, False),
        ({"origin": "https://evil.example", "host": "todo.test"}, True),
        ({"origin": "null", "host": "todo.test"}, True),
        ({"origin": "http://todo.test", "host": "todo.test"}, False),
        ({"host": "todo.test"}, False),  # curl, an SDK: no browser, no cookie to abuse
        (
            {"sec_fetch_site": "cross-site", "authorization": "Bearer abc", "host": "todo.test"},
            False,
        ),
    ],
)
def test_cross_site_writes(headers: dict[str, str], refused: bool) -> None:
    assert cross_site_write(_request(**headers), "POST") is refused


def test_reads_and_pages_are_not_cross_site_writes() -> None:
    assert not cross_site_write(_request("GET", sec_fetch_site="cross-site"), "GET")
    assert not cross_site_write(_request(path="/_event", origin="https://evil.example"), "POST")


def test_public_url_origin_is_own(env: pytest.MonkeyPatch) -> None:
    env.setenv("PUBLIC_URL", "https://todo.example.com/")
    request = _request(origin="https://todo.example.com", host="10.0.0.5:8000")
    assert not cross_site_write(request, "POST")


def test_the_ticket_route_wants_a_same_origin_navigation() -> None:
    assert same_origin_navigation(_request("GET", sec_fetch_site="same-origin"))
    assert not same_origin_navigation(_request("GET", sec_fetch_site="cross-site"))
    assert not same_origin_navigation(_request("GET", sec_fetch_site="none"))
    own = _request("GET", referer="http://todo.test/signin", host="todo.test")
    assert same_origin_navigation(own)
    assert not same_origin_navigation(
        _request("GET", referer="https://evil.example/", host="todo.test")
    )
    assert not same_origin_navigation(_request("GET", host="todo.test"))


def test_websocket_origin() -> None:
    environ = {"asgi.scope": {"headers": [(b"host", b"todo.test")]}}
    assert socket_origin_allowed("http://todo.test", environ)
    assert not socket_origin_allowed("https://evil.example", environ)


def test_forwarded_for_is_read_only_behind_trusted_proxies(env: pytest.MonkeyPatch) -> None:
    assert client_address("10.0.0.9", "203.0.113.5") == "10.0.0.9"
    env.setenv("TRUSTED_PROXY_HOPS", "1")
    get_settings.cache_clear()
    assert client_address("10.0.0.9", "1.2.3.4, 203.0.113.5") == "203.0.113.5"
    assert client_address("10.0.0.9", "") == "10.0.0.9"


def test_https_public_url_makes_a_host_cookie(env: pytest.MonkeyPatch) -> None:
    assert session_cookie_name() == PLAIN_NAME
    env.setenv("PUBLIC_URL", "https://todo.example.com")
    get_settings.cache_clear()
    assert session_cookie_name() == HOST_NAME
    from fastapi import Response

    from todo_web.session_cookie import set_session_cookie

    response = Response()
    set_session_cookie(response, _request("GET"), "token")  # plain http behind a proxy
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-todo_session=token") and "Secure" in cookie
    assert "Domain" not in cookie and "Path=/" in cookie


def test_bad_settings_name_the_field() -> None:
    with pytest.raises(ValueError, match="throttle_sign_in_per_account"):
        Settings(throttle_sign_in_per_account="lots")
    with pytest.raises(ValueError, match="public_url"):
        Settings(public_url="todo.example.com")


async def test_memory_throttle_is_bounded_and_fails_closed() -> None:
    throttle = Throttle(MemoryStorage(), Settings(), max_keys=100)
    for n in range(50):  # two counters (account, address) per attempt
        await throttle.attempt("sign_up", f"u{n}@example.com", f"192.0.2.{n}")
    with pytest.raises(Throttled):
        await throttle.attempt("sign_up", "one-more@example.com", "192.0.2.200")


def test_docs_are_off_by_default(env: pytest.MonkeyPatch) -> None:
    from todo_web.api import create_api

    env.delenv("API_DOCS", raising=False)
    client = TestClient(create_api())
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").status_code == 404
    headers = client.get("/healthz").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    env.setenv("API_DOCS", "true")
    get_settings.cache_clear()
    assert TestClient(create_api()).get("/docs").status_code == 200


def test_hsts_only_over_https(env: pytest.MonkeyPatch) -> None:
    from todo_web.api import create_api

    client = TestClient(create_api())
    assert "strict-transport-security" not in client.get("/healthz").headers
    behind_tls = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert behind_tls.headers["strict-transport-security"].startswith("max-age=")
