"""Completing a daily task: the worker spawns the next one and the list shows it unprompted."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.e2e.conftest import BROWSER_ZONE
from tests.e2e.helpers import api_get, api_post, choose, local_input, row, sign_up, wait_until

LIVE_LIMIT_MS = 5_000  # the limit: changes made elsewhere show within 5 s


def test_completing_a_daily_task_shows_the_next_one_without_reload(page: Page) -> None:
    sign_up(page)
    title = "water the plants"
    due = datetime.now().astimezone() + timedelta(hours=2)
    clock = due.astimezone(ZoneInfo(BROWSER_ZONE)).strftime("%H:%M")

    page.get_by_test_id("new-task").click()
    page.get_by_test_id("edit-title").fill(title)
    page.get_by_test_id("edit-due").fill(local_input(due))
    choose(page, page.get_by_test_id("repeat"), "Daily")
    expect(page.get_by_test_id("repeat-summary")).to_have_text(f"Repeats every day at {clock}")
    page.get_by_test_id("save-task").click()
    first = row(page, title)
    expect(first).to_contain_text(f"every day at {clock}")
    first_id = first.get_attribute("data-task-id")

    first.get_by_test_id("toggle-done").click()

    def next_task() -> str | None:
        items = api_get(page, "/api/tasks?status=open")["items"]
        return next((t["id"] for t in items if t["title"] == title and t["id"] != first_id), None)

    next_id = wait_until(next_task, timeout=60, what="the worker to create the next occurrence")
    # The list shows it (and no longer the completed one) without a reload.
    expect(page.locator(f'[data-task-id="{next_id}"]')).to_be_visible(timeout=LIVE_LIMIT_MS)
    expect(page.locator(f'[data-task-id="{first_id}"]')).to_have_count(0)
    expect(row(page, title)).to_contain_text(f"every day at {clock}")


def test_a_stored_rule_opens_in_the_builder_when_it_can_say_it(page: Page) -> None:
    sign_up(page)
    due = local_input(datetime.now().astimezone() + timedelta(days=2))
    weekly = {"kind": "rrule", "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=4"}
    custom = {"kind": "rrule", "rrule": "FREQ=YEARLY;BYMONTH=3"}
    api_post(page, "/api/tasks", {"title": "team sync", "due": due, "recurrence": weekly})
    api_post(page, "/api/tasks", {"title": "taxes", "due": due, "recurrence": custom})
    page.reload()

    row(page, "team sync").get_by_test_id("task-title").click()
    expect(page.get_by_test_id("repeat")).to_contain_text("Weekly")
    expect(page.get_by_label("Interval")).to_have_value("2")
    expect(page.get_by_label("Occurrences")).to_have_value("4")
    summary = page.get_by_test_id("repeat-summary")
    expect(summary).to_contain_text("every 2 weeks on Monday and Wednesday")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("task-dialog")).to_have_count(0)

    row(page, "taxes").get_by_test_id("task-title").click()
    expect(page.get_by_test_id("repeat")).to_contain_text("Custom rule (RRULE)")
    expect(page.get_by_label("RRULE")).to_have_value("FREQ=YEARLY;BYMONTH=3")
