"""A view switch happens in the browser (issue 25, item 6): the page holds every view's rows,
so a click or a key shows the view, its rows and its address with no event sent to the
server; the choice is saved by one event a second later (components/view_switch.py)."""

import re
import time

from playwright.sync_api import Page, WebSocketRoute, expect

from tests.e2e.helpers import SentEvents, api_post, nav, row, sign_up
from tests.e2e.test_views_agenda import seed

SAVE_DELAY = 1.0  # view_switch.SAVE_DELAY_MS


def test_a_switch_sends_nothing_to_the_server_and_the_choice_is_saved_after(page: Page) -> None:
    events = SentEvents(page)  # before the first page opens its socket
    sign_up(page)
    seed(page)
    page.goto("/?view=all")
    expect(page.get_by_test_id("task-title")).to_have_count(6)
    page.locator("body").click(position={"x": 5, "y": 5})  # out of the quick-add box

    switches = [
        ("upcoming", lambda: nav(page, "upcoming").click(), ["dentist", "trip"]),
        ("tag:travel", lambda: nav(page, "tag:travel").click(), ["trip", "someday"]),
        ("today", lambda: page.keyboard.press("t"), ["overdue report", "evening call"]),
    ]
    for view, switch, titles in switches:
        page.wait_for_timeout(300)  # the page's own start-up events are behind us
        clicked = time.perf_counter()
        switch()
        expect(page.get_by_test_id("task-title")).to_have_text(titles)
        expect(page.get_by_test_id("view-title")).to_be_focused()
        expect(page).to_have_url(re.compile(rf"\?view={view}$"))
        # Nothing was sent for the switch; one event saves the choice, a second later.
        saved = events.wait_since(page, clicked, 10)
        assert [name for _, name in saved] == ["remember_view"], saved
        assert saved[0][0] - clicked >= SAVE_DELAY * 0.9, "the save was not after the switch"

    page.goto("/")  # no view in the address: the saved one
    expect(page.get_by_test_id("view-title")).to_have_text("Today")
    expect(page).to_have_url(re.compile(r"\?view=today$"))


def test_a_tag_view_the_page_holds_no_rows_for_asks_for_them(page: Page) -> None:
    """A tag only a completed task carries is not in the side list, so the page holds no
    rows for it: its view asks the server when it shows, then lists the task."""
    sign_up(page)
    done = api_post(page, "/api/tasks", {"title": "filed taxes", "tags": ["paperwork"]})
    api_post(page, f"/api/tasks/{done['id']}/complete", {})
    page.goto("/?view=all")
    expect(page.get_by_test_id("view-title")).to_have_text("All tasks")  # the load is in
    page.get_by_test_id("show-done").click()  # All and the tag views: the status filter
    expect(row(page, "filed taxes")).to_be_visible()
    expect(nav(page, "tag:paperwork")).to_have_count(0)

    row(page, "filed taxes").get_by_test_id("tag").click()
    expect(page.get_by_test_id("view-title")).to_have_text("#paperwork")
    expect(page).to_have_url(re.compile(r"\?view=tag:paperwork$"))
    expect(page.get_by_test_id("task-title")).to_have_text(["filed taxes"])


def test_a_view_picked_while_the_page_is_loading_stays(page: Page) -> None:
    """The server's answer to the page's load (the saved view, every view's rows) arrives
    after the user has already picked a view: the pick stays on screen and in the address."""
    sign_up(page)  # on All, saved a second later
    api_post(page, "/api/tasks", {"title": "listed once the load is answered"})
    page.wait_for_timeout(SAVE_DELAY * 1000 + 500)
    held: list[str | bytes] = []
    phase = {"now": "passing"}  # then "holding" from the load's answer on, then "released"
    sockets: list[WebSocketRoute] = []

    def route(socket: WebSocketRoute) -> None:
        """The page's socket, with the server's words from the load's answer on held."""
        server = socket.connect_to_server()
        sockets.append(socket)

        def from_server(message: str | bytes) -> None:
            # Hydration and the page's load run as one event; the auth state's part comes
            # first (the page shows), the list's state is the load's answer.
            if phase["now"] == "passing" and "tasks_state" in str(message):
                phase["now"] = "holding"
            if phase["now"] == "holding":
                held.append(message)
            else:
                socket.send(message)

        server.on_message(from_server)

    page = page.context.new_page()  # a new tab: a new state, filled by its own load
    page.route_web_socket(re.compile(r"/_event"), route)
    page.goto("/")
    expect(nav(page, "today")).to_be_visible()
    page.wait_for_timeout(300)
    assert held, "the load's answer never came"
    expect(nav(page, "all").get_by_test_id("count")).to_have_text("0")  # not loaded yet
    nav(page, "today").click()
    expect(page).to_have_url(re.compile(r"\?view=today$"))

    phase["now"] = "released"
    for message in held:
        sockets[-1].send(message)
    expect(nav(page, "all").get_by_test_id("count")).to_have_text("1")  # the load landed
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("view-title")).to_have_text("Today")
    expect(page).to_have_url(re.compile(r"\?view=today$"))
