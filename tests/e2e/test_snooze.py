"""Snooze from where the user is (issue 25, part 4): the reminder toast offers 10 min and 1 h,
the bell 10 min, 1 h, tomorrow 9:00 and a picked time. Each moves the task's reminder through
the repository (seen in the REST API) and marks that notification read. Real reminders: the
worker fires them through Dapr Jobs."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.e2e.conftest import BROWSER_ZONE
from tests.e2e.helpers import api_get, api_post, local_input, next_minute_after, sign_up

LEAD_S = 40  # the tasks are saved well before their reminders go off
WORKER_SLACK_S = 120


def remind_at(page: Page, task_id: str) -> datetime:
    return datetime.fromisoformat(api_get(page, f"/api/tasks/{task_id}")["remind_at"])


def test_snooze_from_the_toast_and_from_the_bell(page: Page) -> None:
    sign_up(page)
    due = next_minute_after(LEAD_S)
    ids = {
        title: api_post(
            page,
            "/api/tasks",
            {"title": title, "due": local_input(due), "reminder": {"kind": "at_due"}},
        )["id"]
        for title in ("call mum", "pay rent", "book flights")
    }
    wait_ms = ((due - datetime.now(ZoneInfo("UTC"))).total_seconds() + WORKER_SLACK_S) * 1000

    toast = page.locator("[data-sonner-toast]").filter(has_text="call mum")
    expect(toast).to_be_visible(timeout=wait_ms)
    clicked = datetime.now(ZoneInfo("UTC"))
    toast.get_by_role("button", name="Snooze 10 min").click()
    expect(page.get_by_text("Snoozed until")).to_be_visible()
    moved = remind_at(page, ids["call mum"]) - clicked
    assert timedelta(minutes=9) < moved < timedelta(minutes=11), moved

    page.get_by_test_id("bell").click()
    notes = page.get_by_test_id("notification")
    expect(notes).to_have_count(2)  # the snoozed one is read
    notes.filter(has_text="pay rent").get_by_test_id("snooze-morning").click()
    expect(notes).to_have_count(1)
    tomorrow = datetime.now(ZoneInfo(BROWSER_ZONE)).date() + timedelta(days=1)
    morning = datetime(
        tomorrow.year, tomorrow.month, tomorrow.day, 9, tzinfo=ZoneInfo(BROWSER_ZONE)
    )
    assert remind_at(page, ids["pay rent"]) == morning

    picked = (datetime.now(ZoneInfo(BROWSER_ZONE)) + timedelta(hours=3)).replace(
        second=0, microsecond=0
    )
    flights = notes.filter(has_text="book flights")
    flights.get_by_test_id("snooze-at").fill(local_input(picked))
    flights.get_by_test_id("snooze-pick").click()
    expect(notes).to_have_count(0)
    assert remind_at(page, ids["book flights"]) == picked
