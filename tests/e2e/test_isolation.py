"""Two users in two browser contexts never see each other's tasks."""

from playwright.sync_api import expect

from tests.e2e.conftest import Browsing
from tests.e2e.helpers import api_get, quick_add, row, sign_up


def test_two_users_never_see_each_others_tasks(browsing: Browsing) -> None:
    ann, bob = browsing.new_page(), browsing.new_page()
    sign_up(ann, "Ann")
    sign_up(bob, "Bob")
    quick_add(ann, "ann's secret")
    quick_add(bob, "bob's secret")

    for page, mine, theirs in ((ann, "ann's secret", "bob's secret"),
                               (bob, "bob's secret", "ann's secret")):  # fmt: skip
        page.reload()
        expect(row(page, mine)).to_be_visible()
        expect(row(page, theirs)).to_have_count(0)
        page.get_by_test_id("search").fill("secret")
        expect(page.get_by_test_id("task-title")).to_have_text([mine])
        listed = [t["title"] for t in api_get(page, "/api/tasks")["items"]]
        assert listed == [mine]
