"""The main page: the views beside the signed-in user's tasks, and the assistant."""

import reflex as rx

from todo_web.components.assistant_panel import assistant_panel
from todo_web.components.layout import signed_in_frame
from todo_web.components.page_css import page_css
from todo_web.components.shortcuts import shortcuts_help
from todo_web.components.task_dialog import task_dialog
from todo_web.components.task_list import quick_add, task_list, view_controls, view_header
from todo_web.components.view_nav import view_nav
from todo_web.components.view_switch import view_switch_support
from todo_web.states.auth import AuthState
from todo_web.states.live import LiveState


def tasks_page() -> rx.Component:
    # Nothing of the list renders before the session check: a visitor only sees a spinner
    # until the redirect to sign-in.
    return rx.cond(
        AuthState.signed_in,
        signed_in_frame(
            page_css(),
            rx.flex(
                view_nav(),
                rx.el.main(
                    rx.vstack(
                        quick_add(),
                        rx.hstack(view_header(), shortcuts_help(), width="100%", align="center"),
                        view_controls(),
                        task_list(),
                        spacing="4",
                        width="100%",
                    ),
                    flex="1",
                    min_width="0",
                    width="100%",
                ),
                # Beside the list on wide screens, a sheet from the bottom on phones.
                assistant_panel(),
                direction=rx.breakpoints(initial="column", md="row"),
                spacing="4",
                width="100%",
                align="start",
            ),
            task_dialog(),
            view_switch_support(),
            # Starts the live loop when the page shows, and again after a reconnect (hydration
            # flips is_hydrated off and on, remounting the box): a restarted server has lost
            # the old loop. LiveState keeps one loop per tab: the newest.
            rx.cond(
                rx.State.is_hydrated,
                rx.box(on_mount=LiveState.watch("mount"), display="none"),  # type: ignore[misc]
            ),
            size="4",
        ),
        rx.center(rx.spinner(size="3"), min_height="100vh"),
    )
