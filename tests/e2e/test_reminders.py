"""A reminder fires: the worker records it, the page shows a toast and a system notification,
and the bell counts it."""

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsing
from tests.e2e.helpers import (
    api_get,
    choose,
    local_input,
    next_minute_after,
    record_notifications,
    row,
    sign_up,
    wait_for_notification,
    wait_until,
)

TOAST_LIMIT_MS = 2_000  # the limit: toast within 2 s of the worker recording it
# The reminder must still be ahead when the task is saved, however slow the machine: the
# form takes a few seconds to fill, and the bell is checked empty before it fires.
REMINDER_LEAD_S = 30
# How long past its time the test waits for the worker (its own limit is 5 s).
WORKER_SLACK_S = 120


def test_due_reminder_shows_as_toast_notification_and_in_the_bell(browsing: Browsing) -> None:
    page = browsing.new_page(permissions=["notifications"])
    record_notifications(page)
    sign_up(page)
    assert page.evaluate("Notification.permission") == "granted"
    expect(page.get_by_test_id("bell-count")).to_have_count(0)

    title = "call the dentist"
    due = next_minute_after(60 + REMINDER_LEAD_S)  # the input has minute precision
    remind_at = due - timedelta(minutes=1)
    _add_task_with_reminder(page, title, due)

    # The moment the worker has recorded the notification (seen through the REST API)...
    wait_until(
        lambda: [n for n in api_get(page, "/api/notifications?unread=true") if n["title"] == title],
        timeout=(remind_at - datetime.now(UTC)).total_seconds() + WORKER_SLACK_S,
        what="the worker to record the reminder",
    )
    # ...the page has 2 s to show it.
    toast = page.locator("[data-sonner-toast]").filter(has_text=title)
    expect(toast).to_be_visible(timeout=TOAST_LIMIT_MS)
    wait_for_notification(page, title, timeout_ms=TOAST_LIMIT_MS)
    expect(page.get_by_test_id("bell-count")).to_have_text("1", timeout=TOAST_LIMIT_MS)

    page.get_by_test_id("bell").click()
    expect(page.get_by_test_id("notification").filter(has_text=title)).to_be_visible()


def _add_task_with_reminder(page: Page, title: str, due: datetime) -> None:
    page.get_by_test_id("new-task").click()
    page.get_by_test_id("edit-title").fill(title)
    page.get_by_test_id("edit-due").fill(local_input(due))
    choose(page, page.get_by_test_id("reminder"), "1 minute before")
    page.get_by_test_id("save-task").click()
    expect(page.get_by_test_id("task-dialog")).to_have_count(0)
    expect(row(page, title)).to_be_visible()
