"""Sign in and sign up: the only pages a signed-out visitor can see."""

import reflex as rx
from reflex.vars import ObjectVar

from todo_web.components.fields import field, form_error
from todo_web.states.auth import SIGN_IN_ROUTE, SIGN_UP_ROUTE, AuthState

# A state var read on its class is its Var (mypy sees the value's type: see pyproject.toml).
E: ObjectVar[dict[str, str]] = AuthState.auth_errors  # type: ignore[assignment]


def _card(title: str, form: rx.Component, footer: rx.Component) -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.hstack(rx.icon("list_checks"), rx.heading(title, size="6"), align="center"),
                form,
                footer,
                spacing="4",
                width="100%",
            ),
            size="3",
            width="100%",
            max_width="420px",
        ),
        rx.box(
            rx.color_mode.button(variant="ghost", aria_label="Switch light or dark theme"),
            position="fixed",
            top="1em",
            right="1em",
        ),
        min_height="100vh",
        padding="4",
    )


def _email() -> rx.Component:
    return field(
        "Email",
        rx.input(name="email", type="email", auto_complete="email", required=True,
                 auto_focus=True, custom_attrs={"data-testid": "email"}),
        E, "email",
    )  # fmt: skip


def _submit(label: str) -> rx.Component:
    return rx.button(label, type="submit", width="100%", size="3", loading=AuthState.auth_busy,
                     custom_attrs={"data-testid": "submit"})  # fmt: skip


def sign_in_page() -> rx.Component:
    form = rx.form(
        rx.vstack(
            _email(),
            field("Password",
                  rx.input(name="password", type="password", auto_complete="current-password",
                           required=True, custom_attrs={"data-testid": "password"}),
                  E, "password"),
            form_error(E),
            _submit("Sign in"),
            spacing="3",
            width="100%",
        ),
        on_submit=AuthState.sign_in,
    )  # fmt: skip
    footer = rx.text(
        "No account yet? ", rx.link("Create one", href=SIGN_UP_ROUTE, underline="always"), size="2"
    )
    return _card("Sign in", form, footer)


def sign_up_page() -> rx.Component:
    form = rx.form(
        rx.vstack(
            field("Name",
                  rx.input(name="display_name", auto_complete="name", required=True,
                           max_length=100, custom_attrs={"data-testid": "display-name"}),
                  E, "display_name"),
            _email(),
            field("Password (8 characters or more)",
                  rx.input(name="password", type="password", auto_complete="new-password",
                           required=True, custom_attrs={"data-testid": "password"}),
                  E, "password"),
            rx.text("Times are shown in your time zone: ", AuthState.browser_zone, size="1",
                    color_scheme="gray"),
            form_error(E),
            _submit("Create account"),
            spacing="3",
            width="100%",
        ),
        on_submit=AuthState.sign_up,
    )  # fmt: skip
    footer = rx.text(
        "Have an account? ", rx.link("Sign in", href=SIGN_IN_ROUTE, underline="always"), size="2"
    )
    return _card("Create your account", form, footer)
