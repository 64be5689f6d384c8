"""Browser defences (issue 22, item 6), as raw HTTP: what a browser would send from
another site, and what the app answers. Run against the real stack."""

import base64
import os
import socket
import uuid
from uuid import UUID

import httpx
import pytest

from devstack.config import StackConfig
from tests.integration.api_client import base_url

pytestmark = pytest.mark.integration

EVIL = "https://evil.example"


def _cookie_client(stack: StackConfig) -> httpx.Client:
    """A browser-like client: signed in by the session cookie only, no bearer token."""
    client = httpx.Client(base_url=base_url(stack), timeout=30)
    resp = client.post(
        "/api/auth/register",
        json={
            "email": f"web-{uuid.uuid4().hex[:10]}@example.com",
            "password": "a long enough password",
            "display_name": "Web",
            "time_zone": "UTC",
        },
        headers={"Origin": base_url(stack), "Sec-Fetch-Site": "same-origin"},
    )
    assert resp.status_code == 201, resp.text
    assert client.cookies, "no session cookie"
    return client


def test_a_cross_site_post_with_the_cookie_is_refused(stack: StackConfig) -> None:
    browser = _cookie_client(stack)
    forged = browser.post(
        "/api/tasks",
        json={"title": "planted"},
        headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
    )
    assert forged.status_code == 403, forged.text
    assert forged.json()["error"]["code"] == "cross_site_request"
    # An old browser sends Origin but no Sec-Fetch-Site: still refused.
    old = browser.post("/api/tasks", json={"title": "planted"}, headers={"Origin": EVIL})
    assert old.status_code == 403
    titles = [t["title"] for t in browser.get("/api/tasks").json()["items"]]
    assert "planted" not in titles
    own = browser.post(
        "/api/tasks",
        json={"title": "mine"},
        headers={"Origin": base_url(stack), "Sec-Fetch-Site": "same-origin"},
    )
    assert own.status_code == 201, own.text


def test_cors_does_not_reflect_another_origin(stack: StackConfig) -> None:
    browser = _cookie_client(stack)
    read = browser.get("/api/me", headers={"Origin": EVIL})
    assert read.headers.get("access-control-allow-origin") not in (EVIL, "*")
    preflight = browser.options(
        "/api/tasks",
        headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers.get("access-control-allow-origin") not in (EVIL, "*")


def test_security_headers_on_pages_and_api(stack: StackConfig) -> None:
    client = httpx.Client(base_url=base_url(stack), timeout=30)
    for path in ("/signin", "/api/me", "/healthz"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), path
        assert headers.get("x-content-type-options") == "nosniff", path
        assert headers.get("referrer-policy") == "same-origin", path
    # Plain http here: no HSTS (it would pin a name that has no https).
    assert "strict-transport-security" not in client.get("/signin").headers


async def test_a_ticket_from_another_site_signs_no_one_in(
    stack: StackConfig, app_database: None
) -> None:
    """Login CSRF: a link on another site carrying the attacker's own ticket."""
    from todo_web import sessions

    attacker = UUID(_cookie_client(stack).get("/api/me").json()["id"])
    ticket = await sessions.issue_ticket(attacker)
    victim = httpx.AsyncClient(base_url=base_url(stack), timeout=30)
    resp = await victim.get(
        f"/api/auth/session?ticket={ticket}",
        headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"},
    )
    assert resp.status_code == 303
    assert "set-cookie" not in resp.headers
    assert resp.headers["location"].startswith("/signin")
    # The app's own navigation still works (with a fresh ticket).
    ticket = await sessions.issue_ticket(attacker)
    own = await victim.get(
        f"/api/auth/session?ticket={ticket}",
        headers={"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate"},
    )
    assert own.status_code == 303 and own.headers["location"] == "/", own.headers
    assert "set-cookie" in own.headers


def _websocket_handshake(stack: StackConfig, origin: str) -> int:
    """The status of a raw websocket upgrade to the UI's event socket from `origin`."""
    port = stack.port("TODO_WEB_PORT")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        request = (
            "GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
            f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
        )
        conn.sendall(request.encode())
        status_line = conn.recv(1024).split(b"\r\n", 1)[0].decode()
    return int(status_line.split()[1])


def test_another_site_cannot_open_the_ui_websocket(stack: StackConfig) -> None:
    """Cross-site websocket hijacking: the socket would carry the visitor's cookie."""
    assert _websocket_handshake(stack, base_url(stack)) == 101
    assert _websocket_handshake(stack, EVIL) != 101
