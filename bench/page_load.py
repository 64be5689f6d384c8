"""Main page first load in Debian's Chromium with a cold cache (a new browser each time)."""

import time

from playwright.sync_api import sync_playwright

from bench.stack import web_url
from bench.stats import Figure
from devstack.browser import CHROMIUM, CHROMIUM_ARGS
from devstack.config import StackConfig


def first_load(cfg: StackConfig, n: int) -> Figure:
    fig = Figure(
        "page_load", "Main page first load (Chromium, cold cache)", "ms", "2 s", "≤ 500 ms"
    )
    dcl: list[float] = []
    with sync_playwright() as pw:
        for i in range(-1, n):  # one unmeasured load lets the server warm its own caches
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            page = browser.new_context().new_page()  # a new context: empty cache and cookies
            t0 = time.perf_counter()
            page.goto(web_url(cfg) + "/", wait_until="load")
            loaded = (time.perf_counter() - t0) * 1000
            timing = page.evaluate(
                "() => { const n = performance.getEntriesByType('navigation')[0];"
                " return [n.domContentLoadedEventEnd, n.loadEventEnd]; }"
            )
            browser.close()
            if i >= 0:
                fig.samples.append(loaded)
                dcl.append(timing[0])
    fig.notes.append(
        "load event, measured from goto(); DOMContentLoaded p50 "
        f"{sorted(dcl)[len(dcl) // 2]:.0f} ms (navigation timing)"
    )
    return fig
