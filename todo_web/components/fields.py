"""Form building blocks: a labelled field with its error beside it, and a menu."""

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar, Var


def error_text(errors: ObjectVar[dict[str, str]], key: str) -> rx.Component:
    """The validator's message for `key`, in place under its input (nothing when valid)."""
    return rx.cond(
        errors.contains(key),
        rx.text(
            errors[key].to(str),
            color_scheme="red",
            size="1",
            role="alert",
            custom_attrs={"data-testid": f"error-{key}"},
        ),
    )


def field(
    label: str,
    control: rx.Component,
    errors: ObjectVar[dict[str, str]] | None = None,
    key: str = "",
) -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), control, width="100%"),
        error_text(errors, key) if errors is not None else rx.fragment(),
        spacing="1",
        width="100%",
    )


def menu(
    options: dict[str, str], value: Var[str] | str, on_change: Any, **props: Any
) -> rx.Component:
    """A Radix select from {value: label}."""
    return rx.select.root(
        rx.select.trigger(**{k: v for k, v in props.items() if k != "name"}),
        rx.select.content(*[rx.select.item(label, value=v) for v, label in options.items()]),
        value=value,
        on_change=on_change,
        **({"name": props["name"]} if "name" in props else {}),
    )


def form_error(errors: ObjectVar[dict[str, str]]) -> rx.Component:
    """A form-level problem (not tied to one input), e.g. "wrong email or password"."""
    return rx.cond(
        errors.contains("form"),
        rx.callout(
            errors["form"].to(str),
            icon="triangle_alert",
            color_scheme="red",
            role="alert",
            width="100%",
            custom_attrs={"data-testid": "form-error"},
        ),
    )
