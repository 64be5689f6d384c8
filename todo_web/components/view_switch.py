"""Switching views in the browser (issue 25, item 6). The page holds every view's rows
(states/view_data.py), so a switch is a client-side state change (CURRENT_VIEW) that shows
the chosen view at once: no server event, no query. The same click focuses the view's title
and, after the paint, puts the view in the address bar; saving the choice for the next visit
is one server event a second after the user settles (so cycling through views sends one).

A server round trip on this machine costs 100-150 ms before any work (bench/notes/views.md);
the target for a switch is 100 ms at p95.
"""

from typing import Any

import reflex as rx
from reflex.event import EventSpec
from reflex_base.vars.function import FunctionStringVar

from todo_web.states.current_view import CURRENT_VIEW
from todo_web.states.navigation import ALL, TAG_PREFIX, TODAY, UPCOMING
from todo_web.states.tasks import TasksState

SAVE_DELAY_MS = 1000

VIEW_SCRIPT = """
if (!window.todoViews) {
  let timer = null;
  window.todoViews = {
    chosen: false,  // whether the user has switched views in this page
    shown(view) {
      this.chosen = true;
      // A screen reader announces the view's name.
      document.getElementById('view-title')?.focus();
      // After the view is painted (the address bar waits for nothing). No history entry
      // per switch: Back leaves the app as it would a Todoist tab.
      requestAnimationFrame(() => setTimeout(() => {
        const query = '?view=' + encodeURIComponent(view).replaceAll('%3A', ':');
        window.history.replaceState(window.history.state, '', query);
      }, 0));
      clearTimeout(timer);
      timer = setTimeout(() => {
        const form = document.getElementById('view-form');
        if (!form) return;
        form.elements.view.value = view;
        form.requestSubmit();
      }, SAVE_DELAY_MS);
    },
  };
}
""".replace("SAVE_DELAY_MS", str(SAVE_DELAY_MS))

_SHOWN: FunctionStringVar = FunctionStringVar.create("window.todoViews.shown")


def current_view() -> rx.Var[str]:
    """The view on screen: the one last chosen in this tab, else the server's (the saved
    one, or the address's, once the page's load has read them)."""
    chosen = CURRENT_VIEW.value.to(str)
    return rx.cond(chosen != "", chosen, TasksState.view).to(str)


def show_view(view: str | rx.Var[str]) -> list[EventSpec | rx.Var[Any]]:
    """What a click on a view does: all of it in the browser."""
    return [CURRENT_VIEW.set_value(view), rx.run_script(_SHOWN.call(view))]


def is_agenda(view: rx.Var[str]) -> rx.Var[bool]:
    return (view == TODAY) | (view == UPCOMING)


def is_tag_view(view: rx.Var[str]) -> rx.Var[bool]:
    return view.startswith(TAG_PREFIX)  # type: ignore[attr-defined]


def tag_of(view: rx.Var[str]) -> rx.Var[str]:
    return view[len(TAG_PREFIX) :]  # type: ignore[index]


def view_title(view: rx.Var[str]) -> rx.Var[str]:
    """The view's name as its heading shows it: "Today", "#home"."""
    return rx.match(
        view,
        (TODAY, "Today"),
        (UPCOMING, "Upcoming"),
        (ALL, "All tasks"),
        "#" + tag_of(view),  # type: ignore[operator]
    ).to(str)


def show_done(view: rx.Var[str]) -> rx.Var[bool]:
    """Today and Upcoming each have their own "show completed"; All and the tag views share
    the status filter."""
    return rx.cond(
        is_agenda(view),
        TasksState.done_views.split(",").contains(view),  # type: ignore[attr-defined]
        TasksState.status != "open",
    ).to(bool)


def view_switch_support() -> rx.Component:
    """The script behind `show_view` and the hidden form that saves the chosen view."""
    return rx.fragment(
        rx.script(VIEW_SCRIPT),
        rx.form(
            rx.el.input(type="hidden", name="view"),
            id="view-form",
            on_submit=TasksState.remember_view,
            display="none",
        ),
    )
