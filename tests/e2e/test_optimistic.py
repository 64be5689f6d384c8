"""Feels instant (issue 25, part 5): completing or deleting shows at once, before the
database has it; when PostgreSQL refuses the write, the row goes back as it was and a message
says so.

The refusal is PostgreSQL's own: a trigger that raises on any change of this one task, so
the failure is real (the driver's error reaches the app) and touches nothing else on the
stack. Needs the local stack (it writes the trigger with psycopg).
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import api_get, api_post, row, sign_up

ROLLED_BACK = "Could not save that change"

REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION e2e_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'refused by an e2e test'; END $$
"""


@contextmanager
def refused_changes(database_url: str, task_id: str) -> Iterator[None]:
    """PostgreSQL raises on every UPDATE or DELETE of this task while inside."""
    name = f"e2e_refuse_{uuid.uuid4().hex[:12]}"
    uuid.UUID(task_id)  # only a UUID reaches the statement below
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(REFUSE_FUNCTION)
        conn.execute(
            f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON task FOR EACH ROW "
            f"WHEN (OLD.id = '{task_id}') EXECUTE FUNCTION e2e_refuse_change()"
        )
        try:
            yield
        finally:
            conn.execute(f"DROP TRIGGER {name} ON task")


def test_complete_and_delete_roll_back_with_a_message_when_the_write_fails(
    page: Page, local_stack
) -> None:
    if local_stack is None:
        pytest.fail("this test writes a trigger into the database: run it on the local stack")
    sign_up(page)
    task_id = api_post(page, "/api/tasks", {"title": "water plants"})["id"]
    page.goto("/?view=all")
    task = row(page, "water plants")
    expect(task).to_be_visible()

    with refused_changes(local_stack.database_url("postgresql"), task_id):
        task.get_by_test_id("toggle-done").click()
        expect(page.get_by_text(ROLLED_BACK)).to_be_visible()
        expect(task).to_have_attribute("data-done", "false")
        expect(task.get_by_test_id("toggle-done")).not_to_be_checked()

        task.get_by_test_id("delete-task").click()
        expect(page.get_by_text(ROLLED_BACK)).to_have_count(2)
        expect(task).to_be_visible()

    # The same actions work once the database accepts them: nothing was left half-done.
    task.get_by_test_id("toggle-done").click()
    expect(task).to_have_count(0)  # done, and this view hides completed tasks
    done = api_get(page, "/api/tasks?status=done")["items"]
    assert [t["id"] for t in done] == [task_id]
