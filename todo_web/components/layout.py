"""The frame of signed-in pages: a top bar with the bell, theme switch and account menu."""

import reflex as rx

from todo_web.components.bell import bell
from todo_web.states.auth import AuthState


def account_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("user", size=16),
                rx.text(AuthState.display_name, display=["none", "none", "inline"]),
                variant="ghost",
                # The visible name is part of the accessible one (WCAG 2.5.3).
                aria_label="Account " + AuthState.display_name,
                custom_attrs={"data-testid": "account-menu"},
            )
        ),
        rx.menu.content(
            rx.box(rx.text(AuthState.email, size="1", color_scheme="gray"), padding_x="2"),
            rx.menu.separator(),
            rx.menu.item(
                "Sign out",
                on_select=AuthState.sign_out,
                custom_attrs={"data-testid": "sign-out"},
            ),
            rx.menu.item(
                "Sign out everywhere",
                on_select=AuthState.sign_out_everywhere,
                custom_attrs={"data-testid": "sign-out-everywhere"},
            ),
        ),
    )


def top_bar() -> rx.Component:
    return rx.hstack(
        rx.hstack(rx.icon("list_checks"), rx.heading("Todo", size="5"), align="center"),
        rx.spacer(),
        bell(),
        rx.color_mode.button(variant="ghost", aria_label="Switch light or dark theme"),
        account_menu(),
        align="center",
        spacing="3",
        width="100%",
        padding_y="3",
    )


def signed_in_frame(*children: rx.Component, size: str = "3") -> rx.Component:
    return rx.container(
        rx.vstack(top_bar(), *children, spacing="4", width="100%"),
        size=size,
        padding_x=["2", "4"],
    )
