"""A reminder fires: the worker records it, the page shows a toast and the bell counts it."""

from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    api_get,
    choose,
    local_input,
    next_minute_after,
    row,
    sign_up,
    wait_until,
)

TOAST_LIMIT_MS = 2_000  # the limit: toast within 2 s of the worker recording it


def test_due_reminder_shows_as_toast_and_in_the_bell(page: Page) -> None:
    sign_up(page)
    title = "call the dentist"
    due = next_minute_after(70)  # ~70-130 s ahead; the input has minute precision

    page.get_by_test_id("new-task").click()
    page.get_by_test_id("edit-title").fill(title)
    page.get_by_test_id("edit-due").fill(local_input(due))
    choose(page, page.get_by_test_id("reminder"), "1 minute before")
    page.get_by_test_id("save-task").click()
    expect(page.get_by_test_id("task-dialog")).to_have_count(0)
    expect(row(page, title)).to_be_visible()
    expect(page.get_by_test_id("bell-count")).to_have_count(0)

    # The moment the worker has recorded the notification (seen through the REST API)...
    wait_until(
        lambda: [n for n in api_get(page, "/api/notifications?unread=true") if n["title"] == title],
        timeout=(due - next_minute_after(0)).total_seconds() + 120,
        what="the worker to record the reminder",
    )
    # ...the page has 2 s to show it.
    toast = page.locator("[data-sonner-toast]").filter(has_text=title)
    expect(toast).to_be_visible(timeout=TOAST_LIMIT_MS)
    expect(page.get_by_test_id("bell-count")).to_have_text("1", timeout=TOAST_LIMIT_MS)

    page.get_by_test_id("bell").click()
    expect(page.get_by_test_id("notification").filter(has_text=title)).to_be_visible()
