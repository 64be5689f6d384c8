"""The main page with 500 tasks (issue 25, part 6): its first load on the Today view and the
switch between views (Today, Upcoming, All, a tag), in Debian's Chromium.

A switch is timed from the click to the frame where the new view's title and list are both
shown (they arrive in one state update); Playwright's polling on animation frames adds up to
one frame (~16 ms) to each sample. Beside it, two floors: the same measure for a click that
changes nothing (Playwright's own click and wait: no switch can be faster), and for opening
and closing the assistant panel (a server round trip: one boolean in the state, no query).
The websocket frames the page sends during the switches are counted: a switch happens in the
browser (todo_web/components/view_switch.py), so none should carry an event.
"""

import time
import uuid
from typing import Any

import psycopg
from playwright.sync_api import Page, sync_playwright

from bench.stack import web_url
from bench.stats import Figure
from devstack.browser import CHROMIUM, CHROMIUM_ARGS
from devstack.config import StackConfig
from tests.e2e.helpers import SentEvents

TASKS = 500
TAGS = 8
# Spread over three days back to three weeks ahead (a fifth undated, a quarter done), so
# Today, Upcoming and every tag have rows to show.
_TASKS_SQL = """
INSERT INTO task (id, user_id, title, description, priority, tags, status, due_at,
                  remind_at, reminder, created_at, updated_at, version)
SELECT gen_random_uuid(), %(user_id)s, 'view task ' || g, '',
       (ARRAY['low','medium','high']::task_priority[])[1 + g %% 3],
       ARRAY['t' || (g %% %(tags)s)], (ARRAY['open','done']::task_status[])[1 + (g %% 4 = 0)::int],
       CASE WHEN g %% 5 = 0 THEN NULL ELSE now() + (g %% 576 - 72) * interval '1 hour' END,
       NULL, '{"kind": "none"}', now() - g * interval '1 second', now(), 1
FROM generate_series(1, %(count)s) AS g
"""
TITLES = {"today": "Today", "upcoming": "Upcoming", "all": "All tasks", "tag:t3": "#t3"}
SHOWN = """([title]) => {
  const h = document.querySelector('[data-testid=view-title]');
  return h && h.textContent === title && !document.querySelector('[data-testid=loading]');
}"""
# The same switch timed inside the page: a click dispatched there, to the first frame after
# the view shows (what the app costs, without Playwright's own click and wait).
IN_PAGE = """([view, title]) => new Promise((resolve) => {
  const t0 = performance.now();
  document.querySelector(`[data-testid=nav-item][data-view="${view}"]`).click();
  const shown = () => {
    const h = document.querySelector('[data-testid=view-title]');
    if (h && h.textContent === title && !document.querySelector('[data-testid=loading]')) {
      requestAnimationFrame(() => resolve(performance.now() - t0));
    } else requestAnimationFrame(shown);
  };
  shown();
})"""
PANEL = "([open]) => !!document.querySelector('[data-testid=assistant-panel]') === open"


def _user_with_tasks(cfg: StackConfig, page: Page) -> None:
    reply = page.request.post(
        "/api/auth/register",
        data={
            "email": f"bench-views-{uuid.uuid4().hex[:10]}@example.com",
            "password": "a long enough password",
            "display_name": "Bench",
            "time_zone": "UTC",
        },
    )
    if not reply.ok:
        raise RuntimeError(f"register: {reply.status} {reply.text()}")
    user_id = reply.json()["user"]["id"]
    with psycopg.connect(cfg.database_url("postgresql"), autocommit=True) as conn:
        conn.execute(_TASKS_SQL, {"user_id": user_id, "count": TASKS, "tags": TAGS})
        conn.execute("ANALYZE task")


def _open(page: Page, base: str, view: str) -> float:
    t0 = time.perf_counter()
    page.goto(f"{base}/?view={view}", wait_until="commit")
    page.wait_for_function(SHOWN, arg=[TITLES[view]], polling="raf", timeout=60_000)
    return (time.perf_counter() - t0) * 1000


def views(cfg: StackConfig, quick: bool) -> list[Figure]:
    loads, switches = (3, 20) if quick else (20, 200)
    first = Figure(
        "views_first_load",
        f"Main page first load, Today view, {TASKS} tasks (Chromium, cold cache)",
        "ms",
        "—",
        "≤ 1 s",
    )
    switch = Figure(
        "view_switch", f"View switch with {TASKS} tasks (click to shown)", "ms", "—", "≤ 100 ms"
    )
    floor = Figure(
        "event_floor",
        "Any state change: click to shown (assistant panel open/close, no query)",
        "ms",
        "—",
        "—",
    )
    in_page = Figure(
        "view_switch_in_page", f"View switch with {TASKS} tasks, in the page (click to painted)",
        "ms", "—", "—",
    )  # fmt: skip
    click = Figure(
        "click_floor", "A click that changes nothing: click to shown (the measure's own cost)",
        "ms", "—", "—",
    )  # fmt: skip
    base = web_url(cfg)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(base_url=base)
        page = context.new_page()
        events = SentEvents(page)
        _user_with_tasks(cfg, page)
        cookies: Any = context.cookies()
        _open(page, base, "today")  # unmeasured: the server's caches warm up
        for _ in range(loads):
            cold = browser.new_context(base_url=base)  # empty cache, the same session
            cold.add_cookies(cookies)
            first.samples.append(_open(cold.new_page(), base, "today"))
            cold.close()
        cycle = list(TITLES)
        during: list[str] = []  # events sent between a click and its view shown
        for i in range(switches + 1):
            view = cycle[(i + 1) % len(cycle)]
            t0 = time.perf_counter()
            page.locator(f'[data-testid=nav-item][data-view="{view}"]').click()
            page.wait_for_function(SHOWN, arg=[TITLES[view]], polling="raf")
            t1 = time.perf_counter()
            if i > 0:  # the first switch is unmeasured too
                switch.samples.append((t1 - t0) * 1000)
                during += events.between(t0, t1)
        rows = page.get_by_test_id("task-row").count()
        for i in range(switches):  # on round the cycle from where the clicks left it
            view = cycle[(switches + i + 2) % len(cycle)]
            in_page.samples.append(page.evaluate(IN_PAGE, [view, TITLES[view]]))
        for _ in range(switches // 2):
            t0 = time.perf_counter()
            page.get_by_test_id("view-title").click()
            page.wait_for_function(SHOWN, arg=[TITLES[view]], polling="raf")
            click.samples.append((time.perf_counter() - t0) * 1000)
        for i in range(switches // 2):
            t0 = time.perf_counter()
            page.get_by_test_id("assistant-toggle").click()
            page.wait_for_function(PANEL, arg=[i % 2 == 0], polling="raf")
            floor.samples.append((time.perf_counter() - t0) * 1000)
        browser.close()
    switch.notes.append(f"cycling {', '.join(cycle)}; the last view showed {rows} rows")
    names = sorted(set(during))
    switch.notes.append(
        f"events sent while a switch was on its way (click to shown): {len(during)}"
        + (f" ({', '.join(names)})" if names else "")
    )
    return [first, switch, in_page, click, floor]
