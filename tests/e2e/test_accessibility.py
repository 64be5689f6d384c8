"""axe-core audits every page and the main page's states (each view, the task dialog, the
shortcuts list, the assistant) in light and dark, at a laptop's and a phone's size: zero
serious or critical violations (colour contrast AA among them); and every control is reached
with Tab and shows a visible focus."""

from typing import Literal

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.e2e.axe import audit
from tests.e2e.helpers import row, sign_up
from tests.e2e.screens import DESKTOP, PHONE
from tests.e2e.test_views_agenda import seed

TITLES = {"today": "Today", "upcoming": "Upcoming", "all": "All tasks", "tag:travel": "#travel"}


def _clean(page: Page, where: str) -> None:
    found = audit(page)
    assert found == [], f"{where}: " + "\n".join(found)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_page_and_state_has_no_serious_violations(
    page: Page, scheme: Literal["light", "dark"], size: ViewportSize
) -> None:
    page.set_viewport_size(size)
    page.emulate_media(color_scheme=scheme)
    for path in ("/signin", "/signup"):
        page.goto(path)
        expect(page.get_by_test_id("submit")).to_be_visible()
        _clean(page, path)
    sign_up(page)
    seed(page)
    for view in ("today", "upcoming", "all", "tag:travel"):
        page.goto(f"/?view={view}")
        expect(page.get_by_test_id("view-title")).to_have_text(TITLES[view])
        expect(page.get_by_test_id("task-list")).to_be_visible()
        _clean(page, view)
    row(page, "trip").get_by_test_id("open-task").click()
    expect(page.get_by_test_id("task-dialog")).to_be_visible()
    _clean(page, "task dialog")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("task-dialog")).to_have_count(0)
    page.get_by_test_id("shortcuts-button").click()
    expect(page.get_by_test_id("shortcuts-list")).to_be_visible()
    _clean(page, "shortcuts")
    page.keyboard.press("Escape")
    page.get_by_test_id("bell").click()
    expect(page.get_by_test_id("bell-list")).to_be_visible()
    _clean(page, "bell")
    page.keyboard.press("Escape")
    page.get_by_test_id("assistant-toggle").click()
    expect(page.get_by_test_id("assistant-panel")).to_be_visible()
    _clean(page, "assistant")


# A ring on the element or on the pseudo-element Radix draws the control with.
FOCUS_RING = """el => [null, '::before', '::after'].some(part => {
  const s = getComputedStyle(el, part);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  return outline || (s.boxShadow && s.boxShadow !== 'none');
})"""


def test_tab_reaches_every_control_with_a_visible_focus(page: Page) -> None:
    page.set_viewport_size(DESKTOP)
    sign_up(page)
    seed(page)
    page.goto("/?view=upcoming")
    expect(page.get_by_test_id("task-list")).to_be_visible()
    wanted = {"nav-item", "toggle-done", "open-task", "delete-task", "shortcuts-button"}
    reached: set[str] = set()
    for _ in range(80):  # more than the page's controls: each is met once
        page.keyboard.press("Tab")
        focused = page.evaluate_handle("document.activeElement")
        testid = focused.evaluate("el => el.getAttribute('data-testid') || ''")
        if testid in wanted:
            reached.add(testid)
            assert focused.evaluate(FOCUS_RING), f"{testid} has no visible focus"
    assert reached == wanted, f"never reached by Tab: {wanted - reached}"
