"""Long lists come a page at a time (keyset pagination), so 1,000 tasks stay responsive."""

from playwright.sync_api import Page, expect

from tests.e2e.helpers import api_post, rows, sign_up

PAGE = 50


def test_a_long_list_loads_page_by_page(page: Page) -> None:
    sign_up(page)
    for number in range(PAGE * 2 + 20):
        api_post(page, "/api/tasks", {"title": f"task {number:03d}"})
    page.reload()
    expect(rows(page)).to_have_count(PAGE)
    page.get_by_test_id("load-more").click()
    expect(rows(page)).to_have_count(PAGE * 2)
    page.get_by_test_id("load-more").click()
    expect(rows(page)).to_have_count(PAGE * 2 + 20)
    expect(page.get_by_test_id("load-more")).to_have_count(0)
