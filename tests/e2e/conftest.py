"""Playwright against the whole stack, in Debian's Chromium.

The app under test is the local test stack (the `stack` fixture) unless a URL is given with
`--base-url` or TODO_E2E_BASE_URL (a deployed app). On failure each test leaves a screenshot
of every page it opened and the pages' console log in its pytest-playwright output folder
(test-results/<test id>/failure/), with the tails of the local stack's app logs.
"""

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from devstack.browser import CHROMIUM, CHROMIUM_ARGS

# The browser's zone becomes the user's zone at sign-up; not UTC, so conversions show.
BROWSER_ZONE = "Europe/Berlin"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in item.nodeid.replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _external_url(config: pytest.Config) -> str | None:
    return config.getoption("--base-url", None) or os.environ.get("TODO_E2E_BASE_URL")


@pytest.fixture(scope="session")
def local_stack(request: pytest.FixtureRequest, pytestconfig: pytest.Config) -> Any:
    """The local stack under test (started here), or None against a deployed app."""
    if _external_url(pytestconfig):
        return None
    return request.getfixturevalue("stack")


@pytest.fixture(scope="session")
def base_url(local_stack: Any, pytestconfig: pytest.Config) -> str:
    if local_stack is None:
        return str(_external_url(pytestconfig)).rstrip("/")
    return f"http://127.0.0.1:{local_stack.port('TODO_WEB_PORT')}"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `python -m devstack provision --browser`")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "timezone_id": BROWSER_ZONE, "locale": "en-GB"}


class Browsing:
    """The pages a test opened, what their consoles said, and any JavaScript dialogs."""

    def __init__(self, new_context: Callable[..., BrowserContext]) -> None:
        self._new_context = new_context
        self.pages: list[Page] = []
        self.console: list[str] = []
        self.dialogs: list[str] = []

    def new_page(self, **context_args: Any) -> Page:
        """A page in a fresh browser context: its own cookies, so its own user."""
        page = self._new_context(**context_args).new_page()
        number = len(self.pages)
        page.on("console", lambda m: self.console.append(f"[page {number}] {m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.console.append(f"[page {number}] pageerror: {e}"))

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        self.pages.append(page)
        return page

    def save(self, folder: Path, stack_logs: Path | None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for number, page in enumerate(self.pages):
            try:
                page.screenshot(path=str(folder / f"page-{number}.png"), full_page=True)
            except Exception as exc:  # noqa: BLE001 (a closed page must not hide the failure)
                self.console.append(f"[page {number}] no screenshot: {exc}")
        (folder / "console.log").write_text("\n".join(self.console) + "\n")
        # The next test session wipes the stack's folder: keep the apps' logs with the failure.
        for log in sorted(stack_logs.glob("todo-*.log")) if stack_logs else []:
            lines = log.read_text(errors="replace").splitlines()[-3000:]
            (folder / log.name).write_text("\n".join(lines) + "\n")


@contextmanager
def recorded(
    new_context: Callable[..., BrowserContext],
    request: pytest.FixtureRequest,
    output_path: str,
    logs: Path | None,
) -> Iterator[Browsing]:
    """A browsing session whose pages, console and `logs` are kept when the test fails."""
    session = Browsing(new_context)
    yield session
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        folder = Path(output_path)
        shutil.rmtree(folder / "failure", ignore_errors=True)
        session.save(folder / "failure", logs)
        print(f"\nscreenshots and console log: {folder / 'failure'}")


@pytest.fixture
def browsing(
    new_context: Callable[..., BrowserContext],
    request: pytest.FixtureRequest,
    output_path: str,
    local_stack: Any,
) -> Iterator[Browsing]:
    logs = local_stack.log_dir if local_stack else None
    with recorded(new_context, request, output_path, logs) as session:
        yield session


@pytest.fixture
def page(browsing: Browsing) -> Page:
    return browsing.new_page()
