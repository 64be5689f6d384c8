"""The page at a laptop's and a phone's size, light and dark (issue 25, parts 4 and README):
single column on a phone, the assistant as a bottom sheet, touch targets of at least 44 px;
screenshots of every combination are kept in test-results/screens/, and the README's two
(Today and Upcoming) are refreshed when TODO_E2E_README_SHOTS=1."""

import os
from pathlib import Path
from typing import Literal

import pytest
from playwright.sync_api import FloatRect, Page, expect

from tests.e2e.helpers import sign_up
from tests.e2e.screens import DESKTOP, PHONE, shot
from tests.e2e.test_views_agenda import seed

README_SHOTS = Path("docs/screenshots")
TOUCH_MIN = 44
Scheme = Literal["light", "dark"]
TITLES = {"today": "Today", "upcoming": "Upcoming", "all": "All tasks"}
# Every visible control of the list and side list smaller than `min` px either way; a control
# inside a <label> counts the label, which toggles it too, and a checkbox its target box when
# a press at that box's corner lands on the checkbox.
SMALL_TARGETS = """min => Array.from(document.querySelectorAll(
    'main button, main [role=checkbox], main [role=switch], nav button, [data-testid=tag]'))
  .filter(el => el.offsetParent !== null)
  .map(el => {
    const box = el.closest('.check-target');
    const r = box && box.getBoundingClientRect();
    const hit = r && el.contains(document.elementFromPoint(r.left + 1, r.top + 1));
    return [el, (hit ? box : (el.closest('label') || el)).getBoundingClientRect()];
  })
  .filter(([, r]) => r.width < min || r.height < min)
  .map(([el, r]) => (el.getAttribute('aria-label') || el.getAttribute('data-testid')
                     || el.textContent.trim()) + `: ${r.width.toFixed(0)}x${r.height.toFixed(0)}`)
"""


def _show(page: Page, view: str, scheme: Scheme) -> None:
    page.emulate_media(color_scheme=scheme)
    page.goto(f"/?view={view}")
    # The tab's state from before the reload shows first; wait for the asked view's.
    expect(page.get_by_test_id("view-title")).to_have_text(TITLES[view])
    expect(page.get_by_test_id("task-list")).to_be_visible()


def _readme_shot(page: Page, path: Path) -> None:
    """The page down to its content (not the empty half of the window), for the README."""
    bottom = page.evaluate(
        "Math.max(...['main', 'nav'].map("
        "s => document.querySelector(s).getBoundingClientRect().bottom))"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    clip: FloatRect = {
        "x": 0,
        "y": 0,
        "width": DESKTOP["width"],
        "height": min(DESKTOP["height"], bottom + 24),
    }
    page.screenshot(path=str(path), clip=clip)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_desktop_views_light_and_dark(page: Page, scheme: Scheme) -> None:
    page.set_viewport_size(DESKTOP)
    sign_up(page)
    seed(page)
    for view in ("today", "upcoming", "all"):
        _show(page, view, scheme)
        shot(page, f"desktop-{view}-{scheme}")
        if scheme == "light" and view != "all" and os.environ.get("TODO_E2E_README_SHOTS"):
            _readme_shot(page, README_SHOTS / f"{view}.png")
    # Side list, list and (when open) assistant side by side.
    nav_box = page.get_by_test_id("view-nav").bounding_box()
    list_box = page.get_by_test_id("task-list").bounding_box()
    assert nav_box and list_box and nav_box["x"] + nav_box["width"] <= list_box["x"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_is_one_column_with_44px_targets_and_a_sheet_assistant(
    page: Page, scheme: Scheme
) -> None:
    page.set_viewport_size(PHONE)
    sign_up(page)
    seed(page)
    _show(page, "today", scheme)
    shot(page, f"phone-today-{scheme}")
    nav_box = page.get_by_test_id("view-nav").bounding_box()
    list_box = page.get_by_test_id("task-list").bounding_box()
    assert nav_box and list_box and nav_box["y"] + nav_box["height"] <= list_box["y"]
    assert list_box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
        "the page scrolls sideways on a phone"
    )
    small = page.evaluate(SMALL_TARGETS, TOUCH_MIN)
    assert small == [], f"touch targets under {TOUCH_MIN} px: {small}"

    page.get_by_test_id("assistant-toggle").click()
    sheet = page.get_by_test_id("assistant-panel")
    expect(sheet).to_be_visible()
    box = sheet.bounding_box()
    assert box and abs(box["y"] + box["height"] - PHONE["height"]) <= 1, "not a bottom sheet"
    assert box["width"] >= PHONE["width"] - 1
    shot(page, f"phone-assistant-{scheme}")
