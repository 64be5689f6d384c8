"""Signing up, in and out; a signed-out visitor sees only those pages."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.helpers import PASSWORD, quick_add, row, sign_up


def test_visitor_is_sent_to_sign_in(page: Page) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin$"))
    expect(page.get_by_test_id("task-list")).to_have_count(0)


def test_session_survives_reload_and_sign_out_ends_it(page: Page) -> None:
    email = sign_up(page)
    quick_add(page, "stay signed in")
    page.reload()
    expect(row(page, "stay signed in")).to_be_visible()

    page.get_by_test_id("account-menu").click()
    page.get_by_test_id("sign-out").click()
    expect(page).to_have_url(re.compile(r"/signin$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin$"))

    page.get_by_test_id("email").fill(email)
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("submit").click()
    expect(row(page, "stay signed in")).to_be_visible()


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
