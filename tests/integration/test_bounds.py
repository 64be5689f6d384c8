"""Every request has a bounded cost: body sizes, password lengths, dates, rules and
per-user quotas, checked through the running web app and its database."""

from collections.abc import Iterator

import httpx
import pytest

from devstack.config import StackConfig
from tests.faults.helpers import assert_json_error

from .api_client import base_url, sign_up

pytestmark = pytest.mark.integration
LIMIT = 64 * 1024


def _refused_too_large(resp: httpx.Response) -> None:
    assert resp.status_code == 413, resp.text[:200]
    assert_json_error(resp)
    assert resp.json()["error"]["code"] == "payload_too_large"


def test_a_large_body_is_refused_before_sign_in(stack: StackConfig) -> None:
    client = httpx.Client(base_url=base_url(stack), timeout=30)
    big = b'{"email": "a@example.com", "password": "' + b"x" * (2 * LIMIT) + b'"}'
    _refused_too_large(
        client.post("/api/auth/login", content=big, headers={"content-type": "application/json"})
    )


def test_a_chunked_body_is_cut_off_at_the_limit(stack: StackConfig) -> None:
    client = httpx.Client(base_url=base_url(stack), timeout=30)
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        for _ in range(1024):  # up to 64 MiB if nobody stops it
            sent += 64 * 1024
            yield b" " * (64 * 1024)

    try:
        resp = client.post("/api/auth/register", content=chunks())
    except httpx.HTTPError:
        resp = None  # the server may close the connection while the client still sends
    if resp is not None:
        _refused_too_large(resp)
    assert sent < 64 * 1024 * 1024


def test_a_body_within_the_limit_still_works(stack: StackConfig) -> None:
    api = sign_up(stack)
    resp = api.post("/api/tasks", json={"title": "x", "description": "d" * 4000})
    assert resp.status_code == 201, resp.text


def test_password_fields_are_bounded(stack: StackConfig) -> None:
    client = httpx.Client(base_url=base_url(stack), timeout=30)
    resp = client.post("/api/auth/login", json={"email": "a@example.com", "password": "p" * 5000})
    assert resp.status_code == 422 and "password" in resp.json()["error"]["fields"]
    api = sign_up(stack)
    resp = api.post(
        "/api/me/password",
        json={"current_password": "p" * 5000, "new_password": "a new long password"},
    )
    assert resp.status_code == 422 and "current_password" in resp.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"due": "9999-12-31T12:00"}, "due", "1970-2199"),
        (
            {
                "due": "2027-01-04T09:00",
                "recurrence": {"kind": "daily"},
                "reminder": {"kind": "at", "at": "9999-12-31T12:00"},
            },
            "reminder",
            "1970-2199",
        ),
        (
            {
                "due": "2027-01-04T09:00",
                "recurrence": {"kind": "daily"},
                "reminder": {"kind": "at", "at": "2029-01-04T09:00"},
            },
            "reminder",
            "within a year",
        ),
        (
            {
                "due": "2027-01-04T09:00",
                "recurrence": {"kind": "rrule", "rrule": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"},
            },
            "recurrence",
            "no occurrence within 30 years",
        ),
    ],
)
def test_far_dates_and_rules_that_never_occur_are_refused(
    stack: StackConfig, body: dict, field: str, words: str
) -> None:
    api = sign_up(stack)
    resp = api.post("/api/tasks", json={"title": "bounded", **body})
    assert resp.status_code == 422, resp.text
    fields = resp.json()["error"]["fields"]
    assert any(key.startswith(field) and words in msg for key, msg in fields.items()), fields
    assert api.get("/api/tasks").json()["items"] == []  # nothing half-written


def test_an_account_keeps_at_most_its_quota_of_conversations(stack: StackConfig) -> None:
    api = sign_up(stack)
    first = None
    for _ in range(200):  # MAX_CONVERSATIONS_PER_USER's default
        resp = api.post("/api/chat", json={"message": "help"})
        assert resp.status_code == 200, resp.text
        first = first or resp.json()["conversation_id"]
    resp = api.post("/api/chat", json={"message": "help"})
    assert resp.status_code == 409, resp.text
    assert resp.json()["error"]["code"] == "quota_reached"
    assert "at most 200 conversations" in resp.json()["error"]["message"]
    # Going on in one that exists still works; forgetting one makes room.
    resp = api.post("/api/chat", json={"message": "help", "conversation_id": first})
    assert resp.status_code == 200, resp.text
    assert api.delete(f"/api/chat/{first}").status_code in (200, 204)
    assert api.post("/api/chat", json={"message": "help"}).status_code == 200
