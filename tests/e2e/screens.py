"""Where the e2e tests keep screenshots as artefacts (git-ignored: under test-results/)."""

import os
from pathlib import Path

from playwright.sync_api import Page, ViewportSize

SCREENS = Path(os.environ.get("TODO_E2E_SCREENS", "test-results/screens"))

DESKTOP: ViewportSize = {"width": 1366, "height": 850}
PHONE: ViewportSize = {"width": 390, "height": 844}


def shot(page: Page, name: str, full_page: bool = False) -> Path:
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
