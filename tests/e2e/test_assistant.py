"""The assistant panel and quick add's chips, in the browser: a chat-made task appears in
the list without a reload, a delete waits for its confirmation button, and quick add shows
what it recognised as removable chips before saving."""

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.helpers import api_get, api_post, quick_add, row, sign_up


def _say(page: Page, message: str) -> None:
    box = page.get_by_test_id("assistant-input")
    box.fill(message)
    box.press("Enter")
    expect(page.get_by_test_id("turn-user").last).to_have_text(message)
    expect(box).to_have_value("")


def test_add_by_chat_shows_in_the_list_without_a_reload(page: Page) -> None:
    sign_up(page)
    page.get_by_test_id("quick-add").click()
    page.keyboard.press("Control+/")  # the shortcut opens the panel
    expect(page.get_by_test_id("assistant-panel")).to_be_visible()

    _say(page, "remind me to call the plumber tomorrow at 5pm #home")
    reply = page.get_by_test_id("turn-assistant").last
    expect(reply).to_contain_text("Added “call the plumber”")
    understood = page.get_by_test_id("assistant-understood").last
    expect(understood).to_contain_text("#home")
    expect(understood).to_contain_text("reminder at the due time")
    plumber = row(page, "call the plumber")
    expect(plumber).to_be_visible()
    expect(plumber.get_by_test_id("tag")).to_have_text(["#home"])
    task = api_get(page, f"/api/tasks/{plumber.get_attribute('data-task-id')}")
    assert task["reminder"] == {"kind": "at_due"} and task["remind_at"] == task["due_at"]

    # The action links to its task.
    page.get_by_test_id("assistant-action").last.click()
    expect(page.get_by_test_id("task-dialog")).to_be_visible()
    page.keyboard.press("Escape")

    # A message that is too long is refused; the box keeps it.
    box = page.get_by_test_id("assistant-input")
    box.fill("x" * 2001)
    box.press("Enter")
    expect(page.get_by_test_id("assistant-error")).to_contain_text("Message")
    expect(box).to_have_value("x" * 2001)

    page.keyboard.press("Control+/")  # and closes it
    expect(page.get_by_test_id("assistant-panel")).to_have_count(0)


def test_a_delete_waits_for_the_confirmation_button(page: Page) -> None:
    sign_up(page)
    quick_add(page, "renew passport")
    quick_add(page, "water the plants")
    page.get_by_test_id("assistant-toggle").click()

    _say(page, "delete renew passport")
    options = page.get_by_test_id("assistant-option")
    expect(options).to_have_text(["Yes", "No"])
    expect(row(page, "renew passport")).to_be_visible()  # nothing yet

    options.filter(has_text="Yes").click()
    expect(page.get_by_test_id("turn-assistant").last).to_contain_text("Deleted")
    expect(row(page, "renew passport")).to_have_count(0)  # gone without a reload
    expect(page.get_by_test_id("assistant-option")).to_have_count(0)

    _say(page, "complete water the plants")
    expect(row(page, "water the plants")).to_have_count(0)  # the open list drops it


def test_quick_add_shows_chips_and_a_removed_chip_stays_in_the_title(page: Page) -> None:
    sign_up(page)
    box = page.get_by_test_id("quick-add")
    box.fill("pay rent every 1st at 10 #home p1")
    chips = page.get_by_test_id("chip")
    expect(chips).to_have_count(4)
    repeat = chips.and_(page.locator("[data-kind='repeat']"))
    expect(repeat).to_contain_text("monthly on day 1 at 10:00")

    repeat.get_by_test_id("chip-remove").click()
    expect(box).to_have_value('pay rent "every 1st" at 10 #home p1')
    expect(chips).to_have_count(3)
    expect(page.locator("[data-testid='chip'][data-kind='repeat']")).to_have_count(0)

    box.press("Enter")
    added = row(page, "pay rent every 1st")
    expect(added).to_be_visible()
    expect(box).to_have_value("")
    expect(chips).to_have_count(0)
    task = api_get(page, f"/api/tasks/{added.get_attribute('data-task-id')}")
    assert (task["tags"], task["priority"], task["recurrence"]) == (["home"], "high", None)
    assert task["due_at"] is not None


def test_a_chat_change_shows_before_and_after_and_one_click_undoes_it(page: Page) -> None:
    sign_up(page)
    day = (datetime.now(UTC) + timedelta(days=2)).date()
    created = api_post(
        page, "/api/tasks", {"title": "File the expense report", "due": f"{day}T14:30"}
    )
    task_id = created["id"]
    page.get_by_test_id("assistant-toggle").click()

    _say(page, "move the expense report to friday")
    change = page.get_by_test_id("assistant-change")
    expect(change).to_have_count(1)
    # before → after, and the time of day kept: only the day was said
    expect(change).to_have_text(re.compile(r"^due: \w{3} .* 14:30 → Fri .* 14:30$"))
    moved = api_get(page, f"/api/tasks/{task_id}")
    assert moved["due_at"] != created["due_at"]

    page.get_by_test_id("assistant-undo").click()
    expect(page.get_by_test_id("turn-assistant").last).to_contain_text("Undone")
    expect(page.get_by_test_id("assistant-undo")).to_have_count(0)
    assert api_get(page, f"/api/tasks/{task_id}")["due_at"] == created["due_at"]
