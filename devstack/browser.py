"""Debian's Chromium as every browser client here launches it (e2e tests, benchmarks).

Playwright's own browser download cannot work on these machines. Without the
background-networking flags, Chromium keeps trying hosts this closed network refuses.
"""

import os

CHROMIUM = os.environ.get("TODO_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
