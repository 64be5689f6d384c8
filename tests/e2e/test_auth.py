"""Signing up, in and out; a signed-out visitor sees only those pages."""

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.helpers import PASSWORD, api_get, open_view, quick_add, row, sign_up

SESSION_COOKIE = "todo_session"


def test_visitor_is_sent_to_sign_in(page: Page) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin/?$"))
    expect(page.get_by_test_id("task-list")).to_have_count(0)


def test_session_survives_reload_and_sign_out_ends_it(page: Page) -> None:
    email = sign_up(page)
    quick_add(page, "stay signed in")
    page.reload()
    expect(row(page, "stay signed in")).to_be_visible()

    page.get_by_test_id("account-menu").click()
    page.get_by_test_id("sign-out").click()
    expect(page).to_have_url(re.compile(r"/signin/?$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin/?$"))

    page.get_by_test_id("email").fill(email)
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("submit").click()
    open_view(page, "all")
    expect(row(page, "stay signed in")).to_be_visible()


def test_session_cookie_is_http_only_and_sign_out_clears_it(page: Page) -> None:
    sign_up(page)
    cookie = _session_cookie(page)
    assert cookie is not None, "no session cookie after sign-up"
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["value"] not in page.evaluate("document.cookie")
    assert SESSION_COOKIE not in page.evaluate("document.cookie")
    # What scripts cannot read, the browser still sends: the API knows the user.
    assert api_get(page, "/api/me")["email"]

    page.get_by_test_id("account-menu").click()
    page.get_by_test_id("sign-out").click()
    expect(page).to_have_url(re.compile(r"/signin/?$"))
    assert _session_cookie(page) is None
    # The old token is dead too, not only forgotten by this browser.
    response = page.request.get("/api/me", headers={"Authorization": f"Bearer {cookie['value']}"})
    assert response.status == 401


def test_stale_sign_in_ticket_says_so(page: Page) -> None:
    page.goto("/api/auth/session?ticket=not-a-ticket")
    expect(page).to_have_url(re.compile(r"/signin/?\?problem=expired$"))
    expect(page.get_by_test_id("form-error")).to_contain_text("Sign in again")
    assert _session_cookie(page) is None


def test_a_foreign_link_cannot_clear_a_live_session(page: Page) -> None:
    sign_up(page)
    page.goto("/api/auth/session/end")
    expect(page.get_by_test_id("quick-add")).to_be_visible()
    assert _session_cookie(page) is not None


def _session_cookie(page: Page) -> Any:
    found = [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]
    return found[0] if found else None


def test_errors_show_beside_fields_and_keep_input(page: Page) -> None:
    page.goto("/signup")
    page.get_by_test_id("display-name").fill("Short Password")
    page.get_by_test_id("email").fill("short@example.com")
    page.get_by_test_id("password").fill("short")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("error-password")).to_contain_text("at least 8 characters")
    expect(page.get_by_test_id("email")).to_have_value("short@example.com")

    page.goto("/signin")
    page.get_by_test_id("email").fill("nobody@example.com")
    page.get_by_test_id("password").fill("wrong password")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("Wrong email or password")
    expect(page.get_by_test_id("email")).to_have_value("nobody@example.com")
