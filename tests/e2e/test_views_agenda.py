"""Today, Upcoming, All and per-tag views (issue 25, parts 1 and 2): what each shows, the
counts beside them, the view in the URL across a reload, "show completed" per view, and rows
that carry signal (priority only when not the default, the reminder's time, relative dates)."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.e2e.conftest import BROWSER_ZONE
from tests.e2e.helpers import api_post, nav, open_view, quick_add, row, sign_up

LIVE_LIMIT_MS = 5_000


def wall(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def section_titles(page: Page) -> list[str]:
    return page.get_by_test_id("section").locator("h3").all_inner_texts()


def seed(page: Page) -> dict[str, datetime]:
    now = datetime.now(ZoneInfo(BROWSER_ZONE)).replace(second=0, microsecond=0)
    today = now.replace(hour=0, minute=0)
    when = {
        "overdue report": now - timedelta(hours=3),
        "evening call": today + timedelta(hours=23, minutes=59),
        "dentist": today + timedelta(days=1, hours=9),
        "trip": today + timedelta(days=4, hours=10),
        "far away": today + timedelta(days=20, hours=8),
    }
    for title, due in when.items():
        body: dict = {"title": title, "due": wall(due)}
        if title == "evening call":
            body |= {"priority": "high", "reminder": {"kind": "before", "minutes": 15}}
        if title == "trip":
            body |= {"tags": ["travel"], "priority": "low"}
        api_post(page, "/api/tasks", body)
    api_post(page, "/api/tasks", {"title": "someday", "tags": ["travel"]})
    return when


def test_views_group_what_matters_now_count_it_and_survive_a_reload(page: Page) -> None:
    sign_up(page)
    when = seed(page)
    expect(nav(page, "all").get_by_test_id("count")).to_have_text("6", timeout=LIVE_LIMIT_MS)
    expect(nav(page, "today").get_by_test_id("count")).to_have_text("2")
    expect(nav(page, "upcoming").get_by_test_id("count")).to_have_text("2")
    expect(nav(page, "tag:travel").get_by_test_id("count")).to_have_text("2")

    nav(page, "today").click()
    expect(page).to_have_url(re.compile(r"\?view=today$"))
    expect(page.get_by_test_id("view-title")).to_have_text("Today")
    expect(page.get_by_test_id("task-title")).to_have_text(["overdue report", "evening call"])
    assert section_titles(page)[0] == "Overdue"
    assert section_titles(page)[1].startswith("Today · ")

    nav(page, "upcoming").click()
    expect(page).to_have_url(re.compile(r"\?view=upcoming$"))
    expect(page.get_by_test_id("task-title")).to_have_text(["dentist", "trip"])
    trip = when["trip"]
    assert section_titles(page) == [
        f"Tomorrow · {when['dentist']:%a} {when['dentist'].day} {when['dentist']:%b}",
        f"{trip:%a} {trip.day} {trip:%b}",
    ]
    # The three empty days between are one collapsed line, not three headings.
    expect(page.get_by_test_id("gap")).to_have_count(1)
    expect(page.get_by_test_id("gap")).to_contain_text("nothing planned")

    page.reload()
    expect(page.get_by_test_id("view-title")).to_have_text("Upcoming")
    expect(page.get_by_test_id("task-title")).to_have_text(["dentist", "trip"])

    nav(page, "tag:travel").click()
    expect(page).to_have_url(re.compile(r"\?view=tag:travel$"))
    expect(page.get_by_test_id("view-title")).to_have_text("#travel")
    expect(page.get_by_test_id("task-title")).to_have_text(["trip", "someday"])

    # A bookmarked view opens as itself, whatever was used last.
    page.goto("/?view=today")
    expect(page.get_by_test_id("task-title")).to_have_text(["overdue report", "evening call"])


def test_a_new_user_opens_on_today_where_a_task_without_a_date_is_due_today(
    page: Page,
) -> None:
    sign_up(page, view=None)
    expect(page.get_by_test_id("view-title")).to_have_text("Today")
    expect(page).to_have_url(re.compile(r"\?view=today$"))

    # What quick add will do is shown before Enter: today's date, with no × (no words).
    page.get_by_test_id("quick-add").fill("buy milk #home")
    due_chip = page.locator("[data-testid='chip'][data-kind='due']")
    expect(due_chip).to_have_attribute("title", re.compile("due today"))
    expect(due_chip.get_by_test_id("chip-remove")).to_have_count(0)
    page.get_by_test_id("quick-add").press("Enter")
    expect(row(page, "buy milk").get_by_test_id("due")).to_have_attribute("data-state", "today")
    expect(nav(page, "today").get_by_test_id("count")).to_have_text("1")

    # Anywhere else a task typed without a date has none, so Today does not list it.
    open_view(page, "all")
    quick_add(page, "call the bank")
    expect(row(page, "call the bank").get_by_test_id("due")).to_have_count(0)
    open_view(page, "today")
    expect(page.get_by_test_id("task-title")).to_have_text(["buy milk"])


def test_show_completed_is_a_per_view_choice_that_is_remembered(page: Page) -> None:
    sign_up(page)
    seed(page)
    page.goto("/?view=today")
    expect(page.get_by_test_id("task-title")).to_have_text(["overdue report", "evening call"])
    row(page, "evening call").get_by_test_id("toggle-done").click()
    expect(row(page, "evening call")).to_have_count(0)
    expect(nav(page, "today").get_by_test_id("count")).to_have_text("1")

    page.get_by_test_id("show-done").click()
    expect(row(page, "evening call")).to_have_attribute("data-done", "true")
    page.reload()
    expect(row(page, "evening call")).to_have_attribute("data-done", "true")
    expect(page.get_by_test_id("show-done")).to_be_checked()

    nav(page, "upcoming").click()  # the choice was Today's only
    expect(page.get_by_test_id("show-done")).not_to_be_checked()
    nav(page, "today").click()
    expect(page.get_by_test_id("show-done")).to_be_checked()


def test_rows_carry_signal_only_where_there_is_some(page: Page) -> None:
    sign_up(page)
    when = seed(page)
    page.goto("/?view=all")
    expect(row(page, "someday")).to_be_visible()
    # Default priority: no flag. Others: a flag with its word.
    expect(row(page, "dentist").get_by_test_id("row-priority")).to_have_count(0)
    expect(row(page, "evening call").get_by_test_id("row-priority")).to_have_text("High")
    expect(row(page, "trip").get_by_test_id("row-priority")).to_have_text("Low")
    reminder = when["evening call"] - timedelta(minutes=15)
    expect(row(page, "evening call").get_by_test_id("row-reminder")).to_have_text(
        f"Today {reminder:%H:%M}"
    )
    expect(row(page, "dentist").get_by_test_id("row-reminder")).to_have_count(0)
    expect(row(page, "dentist").get_by_test_id("due")).to_have_text("Tomorrow 09:00")
    overdue = row(page, "overdue report").get_by_test_id("due")
    expect(overdue).to_have_attribute("data-state", "overdue")
    colour = overdue.evaluate("el => getComputedStyle(el).color")
    assert colour != row(page, "dentist").get_by_test_id("due").evaluate(
        "el => getComputedStyle(el).color"
    ), "an overdue date looks like any other"


def test_dragging_a_task_onto_another_day_in_upcoming_keeps_its_time(page: Page) -> None:
    sign_up(page)
    when = seed(page)
    page.goto("/?view=upcoming")
    expect(page.get_by_test_id("task-title")).to_have_text(["dentist", "trip"])

    # Onto the day of "trip": same day, dentist's 09:00 kept.
    trip_day = page.locator(f'[data-testid="section"][data-day="{when["trip"]:%Y-%m-%d}"]')
    row(page, "dentist").drag_to(trip_day)
    expect(trip_day.get_by_test_id("task-title")).to_have_text(["dentist", "trip"])
    moved = when["trip"].replace(hour=9, minute=0)
    expect(row(page, "dentist").get_by_test_id("due")).to_contain_text(f"{moved:%a} {moved.day}")
    expect(row(page, "dentist").get_by_test_id("due")).to_contain_text("09:00")

    # Onto a collapsed run of empty days: its first day.
    gap = page.get_by_test_id("gap").first
    first_empty = gap.get_attribute("data-day")
    row(page, "trip").drag_to(gap)
    landed = page.locator(f'[data-testid="section"][data-day="{first_empty}"]')
    expect(landed.get_by_test_id("task-title")).to_have_text(["trip"])
    expect(row(page, "trip").get_by_test_id("due")).to_contain_text("10:00")
