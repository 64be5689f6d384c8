"""Keyboard first (issue 25, part 3): q/a quick add, j/k and arrows move, x/space complete,
e edit, # tags, t today, u upcoming, ? the list; z undoes a complete or a delete, as the
toast's Undo does."""

from playwright.sync_api import Page, expect

from tests.e2e.helpers import api_get, nav, row, sign_up
from tests.e2e.test_views_agenda import seed


def focused_title(page: Page) -> str:
    return page.evaluate(
        "document.activeElement.closest('[data-testid=task-row]')"
        "?.querySelector('[data-testid=task-title]')?.textContent ?? ''"
    )


def test_moving_completing_and_undoing_with_keys(page: Page) -> None:
    sign_up(page)
    seed(page)
    page.goto("/?view=today")
    expect(page.get_by_test_id("task-title")).to_have_text(["overdue report", "evening call"])
    page.locator("body").click(position={"x": 5, "y": 5})  # out of the quick-add box

    page.keyboard.press("j")
    assert focused_title(page) == "overdue report"
    page.keyboard.press("j")
    assert focused_title(page) == "evening call"
    page.keyboard.press("k")
    assert focused_title(page) == "overdue report"
    page.keyboard.press("ArrowDown")
    assert focused_title(page) == "evening call"

    page.keyboard.press("x")
    expect(row(page, "evening call")).to_have_count(0)
    expect(page.get_by_text("Task completed")).to_be_visible()
    page.keyboard.press("z")
    expect(row(page, "evening call")).to_be_visible()
    still_open = api_get(page, "/api/tasks?status=open")["items"]
    assert "evening call" in [t["title"] for t in still_open]

    page.keyboard.press("j")
    page.keyboard.press(" ")  # Space on a selected row completes it too
    expect(page.get_by_test_id("task-title")).to_have_count(1)
    done = page.get_by_test_id("task-title").all_inner_texts()
    page.get_by_role("button", name="Undo").first.click()  # the toast's Undo, same effect
    expect(page.get_by_test_id("task-title")).to_have_count(2)
    assert len(done) == 1

    row(page, "overdue report").get_by_test_id("delete-task").click()
    expect(row(page, "overdue report")).to_have_count(0)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("z")
    expect(row(page, "overdue report")).to_be_visible()


def test_view_edit_and_help_keys(page: Page) -> None:
    sign_up(page)
    seed(page)
    page.goto("/?view=all")
    expect(row(page, "someday")).to_be_visible()
    page.locator("body").click(position={"x": 5, "y": 5})

    page.keyboard.press("t")
    expect(page.get_by_test_id("view-title")).to_have_text("Today")
    page.keyboard.press("u")
    expect(page.get_by_test_id("view-title")).to_have_text("Upcoming")
    expect(nav(page, "upcoming")).to_have_attribute("aria-current", "page")

    page.keyboard.press("j")
    page.keyboard.press("e")
    expect(page.get_by_test_id("task-dialog")).to_be_visible()
    expect(page.get_by_test_id("edit-title")).to_have_value("dentist")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("task-dialog")).to_have_count(0)

    page.keyboard.press("j")
    page.keyboard.press("#")
    expect(page.get_by_test_id("edit-tags")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("task-dialog")).to_have_count(0)

    page.keyboard.press("?")
    expect(page.get_by_test_id("shortcuts-list")).to_be_visible()
    expect(page.get_by_test_id("shortcuts-list")).to_contain_text("Undo the last complete")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("shortcuts-list")).to_have_count(0)

    page.keyboard.press("a")
    expect(page.get_by_test_id("quick-add")).to_be_focused()
    page.keyboard.type("tj")  # typed into the box, not taken as shortcuts
    expect(page.get_by_test_id("quick-add")).to_have_value("tj")
    expect(page.get_by_test_id("view-title")).to_have_text("Upcoming")
