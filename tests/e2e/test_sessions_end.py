"""Two browsers signed in as one user; a password change in one ends the other's session:
its open page signs out within seconds, and a change it sends is refused."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsing
from tests.e2e.helpers import PASSWORD, open_view, quick_add, row, sign_up

NEW_PASSWORD = "a brand new password"


def _sign_in(page: Page, email: str) -> None:
    page.goto("/signin")
    page.get_by_test_id("email").fill(email)
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("quick-add")).to_be_visible(timeout=15_000)
    open_view(page, "all")  # the other browser's choice may not be saved yet


def _change_password(page: Page) -> None:
    response = page.request.post(
        "/api/me/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status == 204, response.text()


def test_a_password_change_signs_the_other_browser_out(browsing: Browsing) -> None:
    laptop, phone = browsing.new_page(), browsing.new_page()
    email = sign_up(laptop)
    quick_add(laptop, "written before")
    _sign_in(phone, email)
    expect(row(phone, "written before")).to_be_visible()

    _change_password(laptop)
    # The phone does nothing; its page notices on its own (re-check every few seconds).
    expect(phone).to_have_url(re.compile(r"/signin/?$"), timeout=10_000)
    phone.goto("/")
    expect(phone).to_have_url(re.compile(r"/signin/?$"))
    # The browser that changed the password goes on.
    quick_add(laptop, "written after")


def test_a_change_sent_after_the_session_ended_is_refused(browsing: Browsing) -> None:
    laptop, phone = browsing.new_page(), browsing.new_page()
    email = sign_up(laptop)
    quick_add(laptop, "still open")
    _sign_in(phone, email)
    task = row(phone, "still open")
    expect(task).to_be_visible()

    _change_password(laptop)
    # At once, before the phone's periodic re-check: the event itself is checked.
    task.get_by_test_id("toggle-done").click()
    expect(phone).to_have_url(re.compile(r"/signin/?$"), timeout=10_000)
    response = laptop.request.get("/api/tasks")
    assert response.ok, response.text()
    [item] = [t for t in response.json()["items"] if t["title"] == "still open"]
    assert item["status"] == "open"


def test_sign_out_everywhere_ends_both_browsers(browsing: Browsing) -> None:
    laptop, phone = browsing.new_page(), browsing.new_page()
    email = sign_up(laptop)
    _sign_in(phone, email)
    phone.get_by_test_id("account-menu").click()
    phone.get_by_test_id("sign-out-everywhere").click()
    expect(phone).to_have_url(re.compile(r"/signin/?$"))
    expect(laptop).to_have_url(re.compile(r"/signin/?$"), timeout=10_000)
    assert laptop.request.get("/api/me").status == 401
