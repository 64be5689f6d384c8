"""Feels instant (issue 25, part 5): completing or deleting shows at once, before the
database has it; when the write fails (PostgreSQL stopped, a real outage), the row goes back
as it was and a message says so. Needs the local stack (it stops and starts its PostgreSQL)."""

import time

import pytest
from playwright.sync_api import Page, expect

from devstack import processes
from devstack import stack as devstack_stack
from devstack.config import StackConfig
from devstack.errors import StackError
from tests.e2e.helpers import api_post, row, sign_up, wait_until

ROLLED_BACK = "Could not save that change"


def _restart_postgres(stack: StackConfig) -> None:
    """`up` heals what is missing; a postmaster SIGKILLed after its 15 s of smart shutdown
    can still hold its lock file for a moment, so a refused start is tried again."""
    for attempt in range(3):
        try:
            devstack_stack.up(stack)
            return
        except StackError:
            if attempt == 2:
                raise
            time.sleep(3)


def test_complete_and_delete_roll_back_with_a_message_when_the_database_is_away(
    page: Page, local_stack
) -> None:
    if local_stack is None:
        pytest.fail("this test stops PostgreSQL: run it against the local stack")
    sign_up(page)
    api_post(page, "/api/tasks", {"title": "water plants"})
    page.goto("/?view=all")
    task = row(page, "water plants")
    expect(task).to_be_visible()

    processes.stop(local_stack.run_dir, "postgres")
    try:
        task.get_by_test_id("toggle-done").click()
        expect(page.get_by_text(ROLLED_BACK)).to_be_visible(timeout=30_000)
        expect(task).to_have_attribute("data-done", "false")
        expect(task.get_by_test_id("toggle-done")).not_to_be_checked()

        task.get_by_test_id("delete-task").click()
        expect(page.get_by_text(ROLLED_BACK).nth(1)).to_be_visible(timeout=30_000)
        expect(task).to_be_visible()
    finally:
        _restart_postgres(local_stack)

    def completes() -> bool:
        task.get_by_test_id("toggle-done").click()
        try:
            expect(task).to_have_attribute("data-done", "true", timeout=3_000)
        except AssertionError:
            return False
        return True

    wait_until(completes, timeout=60, what="completing to work again after the restart", every=1)
