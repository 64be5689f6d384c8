"""The main page: the signed-in user's tasks."""

import reflex as rx

from todo_web.components.layout import signed_in_frame
from todo_web.components.task_dialog import task_dialog
from todo_web.components.task_list import quick_add, task_list, view_controls
from todo_web.states.auth import AuthState


def tasks_page() -> rx.Component:
    # Nothing of the list renders before the session check: a visitor only sees a spinner
    # until the redirect to sign-in.
    return rx.cond(
        AuthState.signed_in,
        signed_in_frame(quick_add(), view_controls(), task_list(), task_dialog()),
        rx.center(rx.spinner(size="3"), min_height="100vh"),
    )
