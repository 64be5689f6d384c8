"""User text is rendered as text: markup in a title is shown, never run."""

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsing
from tests.e2e.helpers import quick_add, row, sign_up

MARKUP = "<img src=x onerror=alert(1)>"


def test_markup_in_a_title_shows_as_text(page: Page, browsing: Browsing) -> None:
    sign_up(page)
    quick_add(page, MARKUP)
    expect(row(page, MARKUP).get_by_test_id("task-title")).to_have_text(MARKUP)
    page.reload()  # rendered again from the database, not from what was typed
    expect(row(page, MARKUP)).to_be_visible()
    expect(page.get_by_test_id("task-list").locator("img")).to_have_count(0)

    row(page, MARKUP).get_by_test_id("open-task").click()
    expect(page.get_by_test_id("edit-title")).to_have_value(MARKUP)
    page.keyboard.press("Escape")
    assert browsing.dialogs == [], f"a script ran: {browsing.dialogs}"
