"""Search, filters and sort change the list, are saved per user, and survive a reload;
tasks created through the REST API appear without a reload."""

from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.helpers import api_post, choose, row, sign_up, titles

LIVE_LIMIT_MS = 5_000

TASKS: list[dict[str, Any]] = [
    {"title": "alpha report", "priority": "high", "tags": ["work"]},
    {"title": "beta groceries", "priority": "low", "tags": ["home"]},
    {"title": "gamma alpha review", "priority": "medium", "tags": ["work"]},
]


def test_search_filter_sort_change_the_list_and_survive_reload(page: Page) -> None:
    sign_up(page)
    for task in TASKS:
        api_post(page, "/api/tasks", task)
    for task in TASKS:  # created elsewhere (the API): shown without a reload
        expect(row(page, task["title"])).to_be_visible(timeout=LIVE_LIMIT_MS)

    page.get_by_test_id("search").fill("alpha")
    expect(row(page, "beta groceries")).to_have_count(0)
    assert sorted(titles(page)) == ["alpha report", "gamma alpha review"]

    choose(page, page.get_by_test_id("filter-priority"), "High")
    expect(row(page, "gamma alpha review")).to_have_count(0)
    expect(row(page, "alpha report")).to_be_visible()

    page.reload()
    expect(page.get_by_test_id("search")).to_have_value("alpha")
    expect(page.get_by_test_id("filter-priority")).to_contain_text("High")
    expect(row(page, "alpha report")).to_be_visible()
    assert titles(page) == ["alpha report"]

    page.get_by_test_id("search").fill("")
    choose(page, page.get_by_test_id("filter-priority"), "Any priority")
    choose(page, page.get_by_test_id("sort"), "Title")
    page.get_by_test_id("sort-order").click()
    expected = ["gamma alpha review", "beta groceries", "alpha report"]
    expect(page.get_by_test_id("task-title")).to_have_text(expected)

    page.reload()
    expect(page.get_by_test_id("task-title")).to_have_text(expected)
    expect(page.get_by_test_id("sort")).to_contain_text("Title")

    row(page, "beta groceries").get_by_test_id("tag").click()  # a tag badge filters by it
    expect(page.get_by_test_id("filter-tag")).to_have_value("home")
    expect(page.get_by_test_id("task-title")).to_have_text(["beta groceries"])

    # Live updates keep working after the reloads above.
    api_post(page, "/api/tasks", {"title": "delta shopping", "tags": ["home"]})
    expect(row(page, "delta shopping")).to_be_visible(timeout=LIVE_LIMIT_MS)
