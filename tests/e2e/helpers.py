"""What a user does, step by step, in the app's own words (labels and test ids)."""

import re
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, WebSocket, expect

from tests.e2e.conftest import BROWSER_ZONE

PASSWORD = "a long enough password"


def sign_up(page: Page, name: str = "Tester", view: str | None = "all") -> str:
    """A new account, signed in. A new user lands on Today; most tests were written for All
    (where a task without a date shows), so `view` opens it: None stays where one lands."""
    email = f"e2e-{uuid.uuid4().hex[:12]}@example.com"
    page.goto("/signup")
    page.get_by_test_id("display-name").fill(name)
    page.get_by_test_id("email").fill(email)
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("quick-add")).to_be_visible(timeout=15_000)
    expect(page).to_have_url(re.compile(r"/(\?view=[a-z:]+)?$"))
    if view is not None:
        open_view(page, view)
    return email


def nav(page: Page, view: str) -> Locator:
    """The view's entry in the side list (`today`, `upcoming`, `all`, `tag:NAME`)."""
    return page.locator(f'[data-testid="nav-item"][data-view="{view}"]')


def open_view(page: Page, view: str) -> None:
    nav(page, view).click()
    expect(page).to_have_url(re.compile(rf"\?view={re.escape(view)}$"))


def quick_add(page: Page, title: str) -> None:
    box = page.get_by_test_id("quick-add")
    box.fill(title)
    box.press("Enter")
    expect(row(page, title)).to_be_visible()
    expect(box).to_have_value("")


def rows(page: Page) -> Locator:
    return page.get_by_test_id("task-row")


def row(page: Page, title: str) -> Locator:
    return rows(page).filter(has=page.get_by_test_id("task-title").get_by_text(title, exact=True))


def titles(page: Page) -> list[str]:
    return page.get_by_test_id("task-title").all_inner_texts()


def choose(page: Page, trigger: Locator, option: str) -> None:
    """Pick an entry of a Radix select menu."""
    trigger.click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(trigger).to_contain_text(option)


def local_input(moment: datetime) -> str:
    """The value an <input type=datetime-local> takes, in the browser's zone."""
    return moment.astimezone(ZoneInfo(BROWSER_ZONE)).strftime("%Y-%m-%dT%H:%M")


def next_minute_after(seconds: float) -> datetime:
    """The first whole minute at least `seconds` from now (inputs have minute precision)."""
    soon = datetime.now(ZoneInfo("UTC")) + timedelta(seconds=seconds)
    return soon.replace(second=0, microsecond=0) + timedelta(minutes=1)


# Records every system notification the page constructs (the real one is still shown), so a
# test can see what the user would have seen outside the page.
RECORD_NOTIFICATIONS = """
(() => {
  window.__notifications = [];
  const Real = window.Notification;
  if (!Real) return;
  window.Notification = class extends Real {
    constructor(title, options) {
      window.__notifications.push({title: String(title), body: String(options?.body ?? '')});
      super(title, options);
    }
  };
})();
"""


def record_notifications(page: Page) -> None:
    """Call before the page's first navigation (the script runs on every load)."""
    page.add_init_script(RECORD_NOTIFICATIONS)


def wait_for_notification(page: Page, text: str, timeout_ms: float) -> None:
    """Until a system notification whose title or body contains `text` was shown."""
    page.wait_for_function(
        "text => window.__notifications.some(n => n.title.includes(text) || n.body.includes(text))",
        arg=text,
        timeout=timeout_ms,
    )


def api_get(page: Page, path: str) -> Any:
    """The REST API as the page's user: the browser session cookie is the API's token."""
    response = page.request.get(path)
    assert response.ok, f"{path}: {response.status} {response.text()}"
    return response.json()


def api_post(page: Page, path: str, body: dict[str, Any]) -> Any:
    response = page.request.post(path, data=body)
    assert response.ok, f"{path}: {response.status} {response.text()}"
    return response.json()


def wait_until(check: Callable[[], Any], timeout: float, what: str, every: float = 0.2) -> Any:
    """Poll `check` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


EVENT_NAME = re.compile(r'"name":"[^"]*?\.([a-z_]+)"')


class SentEvents:
    """Every Reflex event the page sends over its websocket, by name, with when it was sent
    (time.perf_counter). Create it before the page opens its socket."""

    def __init__(self, page: Page) -> None:
        self.sent: list[tuple[float, str]] = []
        page.on("websocket", self._watch)

    def _watch(self, socket: WebSocket) -> None:
        socket.on("framesent", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        text = payload if isinstance(payload, str) else payload.decode(errors="replace")
        self.sent += [(time.perf_counter(), name) for name in EVENT_NAME.findall(text)]

    def between(self, start: float, end: float) -> list[str]:
        return [name for t, name in self.sent if start <= t <= end]

    def since(self, moment: float) -> list[tuple[float, str]]:
        return [(t, name) for t, name in self.sent if t >= moment]

    def wait_since(self, page: Page, moment: float, timeout: float) -> list[tuple[float, str]]:
        """Playwright hands over frames only while it runs: wait in the page, not in sleep."""
        deadline = time.perf_counter() + timeout
        while not self.since(moment) and time.perf_counter() < deadline:
            page.wait_for_timeout(50)
        return self.since(moment)
