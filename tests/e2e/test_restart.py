"""The session lives in the Dapr state store: it survives a restart of the web server, and
the page picks up again (state, live updates) once its socket reconnects."""

import pytest
from playwright.sync_api import Page, expect

from devstack import processes
from devstack import stack as devstack_stack
from tests.e2e.helpers import api_post, quick_add, row, sign_up

LIVE_LIMIT_MS = 5_000


# Restarts the local stack's web server: pr.yml deselects it against the deployed app.
@pytest.mark.local_stack_only
def test_session_and_live_updates_survive_a_server_restart(page: Page, local_stack) -> None:
    assert local_stack is not None, "needs the local stack: deselect with -m 'not local_stack_only'"
    sign_up(page)
    quick_add(page, "written before the restart")

    processes.stop(local_stack.run_dir, "todo-web")
    devstack_stack.up(local_stack)  # starts what is missing: the web app

    # No reload: the page reconnects on its own, finds its session and resumes live updates.
    api_post(page, "/api/tasks", {"title": "written after the restart"})
    expect(row(page, "written after the restart")).to_be_visible(timeout=30_000)

    page.reload()
    expect(row(page, "written before the restart")).to_be_visible()
    expect(row(page, "written after the restart")).to_be_visible()
