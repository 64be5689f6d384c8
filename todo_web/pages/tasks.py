"""The main page: the signed-in user's tasks."""

import reflex as rx

from todo_web.components.layout import signed_in_frame
from todo_web.components.task_dialog import task_dialog
from todo_web.components.task_list import quick_add, task_list, view_controls
from todo_web.states.auth import AuthState
from todo_web.states.live import LiveState


def tasks_page() -> rx.Component:
    # Nothing of the list renders before the session check: a visitor only sees a spinner
    # until the redirect to sign-in.
    return rx.cond(
        AuthState.signed_in,
        signed_in_frame(
            quick_add(),
            view_controls(),
            task_list(),
            task_dialog(),
            # Starts the live loop when the page shows, and again after a reconnect (hydration
            # flips is_hydrated off and on, remounting the box): a restarted server has lost
            # the old loop. LiveState keeps one loop per tab: the newest.
            rx.cond(
                rx.State.is_hydrated,
                rx.box(on_mount=LiveState.watch("mount"), display="none"),
            ),
        ),
        rx.center(rx.spinner(size="3"), min_height="100vh"),
    )
