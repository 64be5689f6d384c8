"""Bad input to the REST API: schemathesis generates cases from our own OpenAPI document,
valid and invalid; hypothesis adds task bodies built from the real fields. No case may get
a 5xx, and every 4xx must carry a JSON message."""

from collections import Counter
from datetime import datetime
from typing import Any

import httpx
import hypothesis.strategies as st
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from devstack.config import StackConfig
from tests.faults.helpers import assert_json_error
from tests.integration.api_client import base_url, sign_up

pytestmark = pytest.mark.integration

PER_OPERATION_AND_MODE = 40
MIN_CASES = 1000
# Ending the session or changing the password would sign the fuzzing user out for every
# later case: these run without credentials (the 401 path is fuzzed instead).
UNAUTHENTICATED = {("POST", "/api/auth/logout"), ("POST", "/api/me/password")}

_FUZZ = settings(
    max_examples=PER_OPERATION_AND_MODE,
    deadline=None,
    database=None,  # every run starts fresh; nothing stored in the clone
    suppress_health_check=list(HealthCheck),
    derandomize=False,
)


def _as_httpx(resp: Any) -> httpx.Response:
    """schemathesis' response (headers as lists) as the httpx shape the checks read."""
    headers = [(k, v) for k, values in resp.headers.items() for v in values]
    return httpx.Response(resp.status_code, headers=headers, content=resp.content)


def _outer_router_404(resp: httpx.Response, path_parameters: dict[str, Any] | None) -> bool:
    """A path parameter holding a line break never reaches our API: Reflex mounts the app
    with a route pattern that stops at newlines, so its outermost router answers a plain
    "Not Found". Still a 4xx with a message; known and accepted (see the issue note)."""
    values = [str(v).upper() for v in (path_parameters or {}).values()]
    breaks = any(c in v for v in values for c in ("\n", "\r", "%0A", "%0D"))
    return breaks and resp.status_code == 404 and resp.text == "Not Found"


def _problem(
    resp: httpx.Response, where: str, path_parameters: dict[str, Any] | None = None
) -> str | None:
    """What is wrong with this response, or None."""
    if resp.status_code >= 500:
        return f"{resp.status_code} for {where}: {resp.text[:300]}"
    if _outer_router_404(resp, path_parameters):
        return None
    if resp.status_code >= 400:
        try:
            assert_json_error(resp, where)
        except AssertionError as exc:
            return f"{resp.status_code} without a JSON message for {where}: {exc}"[:600]
    return None


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    url: str,
    headers: dict[str, str],
    counts: Counter[str],
    label: str,
    problems: dict[str, str],
) -> None:
    @_FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        resp = case.call(base_url=url, headers=headers, timeout=30)
        counts[label] += 1
        where = f"{label} path={case.path_parameters} query={case.query} body={case.body!r:.200}"
        problem = _problem(_as_httpx(resp), where, case.path_parameters)
        # Collected, not raised: one bad operation must not stop the others being fuzzed.
        if problem:
            problems.setdefault(f"{label} {resp.status_code}", problem)

    try:
        run()
    except Unsatisfiable:
        # No parameters, so nothing can be made invalid (GET /healthz): positive cases only.
        assert mode == GenerationMode.NEGATIVE, label


def test_openapi_fuzzing_finds_no_5xx_and_only_json_errors(stack: StackConfig) -> None:
    url = base_url(stack)
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    user = sign_up(stack)
    token = user.headers["authorization"]
    # A real task gives path-parameter cases something to find besides random ids.
    user.post("/api/tasks", json={"title": "fuzz target"}).raise_for_status()
    counts: Counter[str] = Counter()
    problems: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err fails the test here
        label = f"{operation.method.upper()} {operation.path}"
        headers = (
            {}
            if (operation.method.upper(), operation.path) in UNAUTHENTICATED
            else {"Authorization": token}
        )
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, url, headers, counts, label, problems)
    total = sum(counts.values())
    print(f"schemathesis cases: {total} over {len(counts)} operations")
    assert total >= MIN_CASES, counts
    assert not problems, "\n".join(problems.values())


def test_unknown_api_routes_answer_json(stack: StackConfig) -> None:
    """A path or method the API doesn't have is still an API answer, not the UI's page."""
    api = sign_up(stack)
    for method, path in [
        ("GET", "/api/no-such-thing"),
        ("GET", "/api/tasks/not-a-uuid"),
        ("PUT", "/api/tasks"),
    ]:
        resp = api.request(method, path)
        assert 400 <= resp.status_code < 500, (method, path, resp.status_code)
        assert_json_error(resp, f"{method} {path}")
    # A line break in the path is answered by Reflex's outer router (see _outer_router_404).
    broken = api.get("/api/tasks/%0A0")
    assert _outer_router_404(broken, {"task_id": "\n0"}), (broken.status_code, broken.text)


# ---- task bodies from the real fields, valid and not --------------------------------------

_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=300),
)


def _mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Valid values most of the time, so cases get past the first check to the deep ones."""
    return st.one_of(valid, valid, valid, _junk)


_minute = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 12, 31)).map(
    lambda d: d.isoformat(timespec="minutes")
)
_due = st.one_of(
    _minute,
    st.sampled_from(
        ["2026-02-30T10:00", "2030-03-31T02:30", "2030-10-27T02:30", "9999-12-31T23:59"]
    ),
    st.text(max_size=30),
)
_reminder = st.one_of(
    st.fixed_dictionaries({"kind": st.sampled_from(["none", "at_due", "weird", ""])}),
    st.fixed_dictionaries({"kind": st.just("before"), "minutes": _mostly(st.integers(-10, 10**9))}),
    st.fixed_dictionaries({"kind": st.just("at"), "at": _due}),
)
_rule = st.sampled_from(
    [
        "FREQ=DAILY;COUNT=3",
        "FREQ=WEEKLY;BYDAY=MO,WE",
        "FREQ=SOMETIMES",
        "",
        "FREQ=SECONDLY",
        "X" * 5000,
    ]
)
_recurrence = st.one_of(
    st.fixed_dictionaries(
        {"kind": st.sampled_from(["none", "daily", "weekdays", "weekly", "monthly", "nope"])}
    ),
    st.fixed_dictionaries({"kind": st.just("rrule"), "rule": _rule}),
)
_fields = {
    "description": _mostly(st.text(max_size=50)),
    "priority": _mostly(st.sampled_from(["low", "medium", "high", "urgent"])),
    "tags": _mostly(st.lists(st.text(max_size=40), max_size=30)),
    "due": _mostly(_due),
    "reminder": _mostly(_reminder),
    "recurrence": _mostly(_recurrence),
}
_create_body = st.fixed_dictionaries(
    {"title": _mostly(st.text(min_size=1, max_size=250))}, optional=_fields
)
_patch_body = st.fixed_dictionaries(
    {"version": _mostly(st.integers(-5, 10**12))},
    optional={"title": _mostly(st.text(max_size=250)), **_fields},
)


def test_task_bodies_from_real_fields_never_5xx(stack: StackConfig) -> None:
    api = sign_up(stack)
    target = api.post("/api/tasks", json={"title": "patch me"}).json()
    seen: Counter[int] = Counter()

    @settings(
        max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(body=st.one_of(_create_body, _patch_body))
    def run(body: dict[str, Any]) -> None:
        if "version" in body:
            resp = api.patch(f"/api/tasks/{target['id']}", json=body)
        else:
            resp = api.post("/api/tasks", json=body)
        seen[resp.status_code] += 1
        assert resp.status_code < 500, (body, resp.status_code, resp.text[:500])
        if resp.status_code >= 400:
            assert_json_error(resp, body)

    run()
    print(f"task-body cases by status: {dict(seen)}")
