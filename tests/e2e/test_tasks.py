"""Editing in the dialog (errors beside fields, nothing lost), history, delete with undo,
keyboard use and a phone-width screen."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsing
from tests.e2e.helpers import api_get, quick_add, row, rows, sign_up, wait_until


def test_edit_with_an_error_keeps_the_input_then_saves(page: Page) -> None:
    sign_up(page)
    quick_add(page, "draft")
    row(page, "draft").get_by_test_id("open-task").click()
    page.get_by_test_id("edit-title").fill("   ")
    page.get_by_test_id("edit-tags").fill("work, home")
    page.get_by_test_id("save-task").click()
    expect(page.get_by_test_id("error-title")).to_be_visible()
    expect(page.get_by_test_id("edit-tags")).to_have_value("work, home")  # nothing lost

    page.get_by_test_id("edit-title").fill("final version")
    page.get_by_test_id("save-task").click()
    expect(page.get_by_test_id("task-dialog")).to_have_count(0)
    final = row(page, "final version")
    expect(final.get_by_test_id("tag")).to_have_text(["#work", "#home"])

    # The history is fed by the worker from task-events: wait for both entries, then look.
    task_id = final.get_attribute("data-task-id")
    wait_until(
        lambda: len(api_get(page, f"/api/tasks/{task_id}/activity")) >= 2,
        timeout=30,
        what="the task's history",
    )
    final.get_by_test_id("open-task").click()
    page.get_by_test_id("history-tab").click()
    expect(page.get_by_test_id("history-item")).to_have_count(2)
    expect(page.get_by_test_id("history-item").first).to_contain_text("Changed")


def test_delete_then_undo_brings_back_the_same_task(page: Page) -> None:
    sign_up(page)
    quick_add(page, "keep me after all")
    quick_add(page, "really delete me")
    kept_id = row(page, "keep me after all").get_attribute("data-task-id")

    row(page, "really delete me").get_by_test_id("delete-task").click()
    expect(row(page, "really delete me")).to_have_count(0)
    row(page, "keep me after all").get_by_test_id("delete-task").click()
    expect(row(page, "keep me after all")).to_have_count(0)
    expect(page.get_by_test_id("empty")).to_be_visible()
    # The newest toast's Undo brings back its own task, not the other one.
    undo = page.locator("[data-sonner-toast]").filter(has_text="keep me after all")
    undo.get_by_role("button", name="Undo").click()
    expect(row(page, "keep me after all")).to_be_visible()
    expect(row(page, "keep me after all")).to_have_attribute("data-task-id", str(kept_id))

    assert api_get(page, f"/api/tasks/{kept_id}")["title"] == "keep me after all"
    # Its history goes on: created, deleted, and back (the worker records it from the events).
    wait_until(
        lambda: _events(page, str(kept_id)).count("task.created") == 2,
        timeout=30,
        what="the restore in the task's history",
    )
    assert "task.deleted" in _events(page, str(kept_id))
    # The delete that was not undone is a real one.
    assert [t["title"] for t in api_get(page, "/api/tasks")["items"]] == ["keep me after all"]


def _events(page: Page, task_id: str) -> list[str]:
    return [a["event_type"] for a in api_get(page, f"/api/tasks/{task_id}/activity")]


def test_keyboard_only_add_and_complete(page: Page) -> None:
    sign_up(page, view=None)  # on Today, as a new user lands: no click yet
    page.keyboard.type("typed without a mouse")  # the quick-add box has the focus
    page.keyboard.press("Enter")
    task = row(page, "typed without a mouse")
    expect(task).to_be_visible()
    task.get_by_test_id("toggle-done").focus()
    page.keyboard.press("Space")
    expect(task).to_have_count(0)  # Today shows open tasks


def test_phone_width(browsing: Browsing) -> None:
    page = browsing.new_page(viewport={"width": 375, "height": 740}, is_mobile=True)
    sign_up(page)
    quick_add(page, "a task on a small screen with a fairly long title that must wrap")
    assert rows(page).count() == 1
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def test_light_and_dark_theme(page: Page) -> None:
    sign_up(page)
    html = page.locator("html")
    was_dark = "dark" in (html.get_attribute("class") or "")
    page.get_by_role("button", name="Switch light or dark theme").click()
    expect(html).to_have_class(re.compile(r"\blight\b" if was_dark else r"\bdark\b"))
    page.reload()  # the choice is remembered
    expect(html).to_have_class(re.compile(r"\blight\b" if was_dark else r"\bdark\b"))
