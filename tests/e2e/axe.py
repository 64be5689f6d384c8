"""axe-core (pinned in devstack/versions.py, fetched by `devstack provision --browser`)
injected into a page: the serious and critical violations it finds, described for a failure
message."""

from typing import Any

import pytest
from playwright.sync_api import Page

from devstack import provision

BLOCKING = ("serious", "critical")


def audit(page: Page) -> list[str]:
    script = provision.axe_script()
    if not script.exists():
        pytest.fail(f"{script} is missing: run `python -m devstack provision --browser`")
    # A dialog fading in has blended colours: contrast is judged on the settled page.
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    page.add_script_tag(path=str(script))
    result: dict[str, Any] = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]
