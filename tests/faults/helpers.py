"""Shared by the fault tests: waiting for an outcome, and what an error response must be."""

import time
from collections.abc import Callable
from typing import Any

import httpx

# How long a test waits for the system to reach an outcome. A bound on waiting, not a
# performance assertion: the outcome is what is asserted, this only stops a hung test.
SETTLE_SECONDS = 180.0


def wait_until(
    predicate: Callable[[], Any], what: str, timeout: float = SETTLE_SECONDS, every: float = 0.5
) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except (httpx.HTTPError, OSError) as exc:  # the service may still be coming back
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(every)
    raise AssertionError(f"gave up waiting for {what} (last: {last!r})")


def assert_json_error(resp: httpx.Response, context: object = "") -> None:
    """A 4xx/5xx the client can show: JSON {"error": {"code", "message"}}, no stack trace."""
    assert resp.headers.get("content-type", "").startswith("application/json"), (
        context,
        resp.status_code,
        resp.text[:300],
    )
    body = resp.json()
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict), (context, resp.status_code, body)
    assert isinstance(error.get("message"), str) and error["message"].strip(), (context, body)
    assert "Traceback" not in resp.text and 'File "' not in resp.text, (context, resp.text[:300])
