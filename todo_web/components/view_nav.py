"""The views with their counts: a side list on wide screens, a scrolling strip on phones. A
click switches in the browser (view_switch.py)."""

import reflex as rx

from todo_web.components.view_switch import current_view, show_view
from todo_web.states.navigation import ALL, TODAY, UPCOMING, TagCount
from todo_web.states.tasks import TasksState


def _item(view: str | rx.Var[str], icon: str, label: rx.Var | str, count: rx.Var) -> rx.Component:
    current = current_view() == view
    return rx.button(
        rx.icon(icon, size=16, aria_hidden="true"),
        rx.text(label, flex="1", text_align="left", truncate=True),
        rx.text(count, size="1", color="var(--gray-11)", custom_attrs={"data-testid": "count"}),
        # Soft for all (ghost buttons carry negative margins): only the current is tinted.
        variant="soft",
        color_scheme="gray",
        background=rx.cond(current, "var(--gray-a4)", "transparent"),
        color="var(--gray-12)",
        on_click=show_view(view),
        justify_content="flex-start",
        min_height="44px",
        width=["auto", "auto", "100%"],
        flex_shrink="0",
        aria_current=rx.cond(current, "page", "false"),
        custom_attrs={"data-testid": "nav-item", "data-view": view},
    )


def _tag_item(tag: TagCount) -> rx.Component:
    return _item("tag:" + tag.name, "hash", tag.name, tag.count)  # type: ignore[arg-type]


def view_nav() -> rx.Component:
    return rx.el.nav(
        rx.flex(
            _item(TODAY, "calendar_check", "Today", TasksState.count_today),  # type: ignore[arg-type]
            _item(UPCOMING, "calendar_days", "Upcoming", TasksState.count_upcoming),  # type: ignore[arg-type]
            _item(ALL, "inbox", "All tasks", TasksState.count_all),  # type: ignore[arg-type]
            rx.cond(
                TasksState.tag_counts.length() > 0,  # type: ignore[attr-defined]
                rx.text("Tags", size="1", weight="bold", color="var(--gray-11)",
                        padding_x="var(--space-3)", padding_top="var(--space-3)",
                        display=["none", "none", "block"]),
            ),
            rx.foreach(TasksState.tag_counts, _tag_item),
            direction=rx.breakpoints(initial="row", md="column"),
            spacing="1",
            overflow_x=["auto", "auto", "visible"],
            width="100%",
        ),
        aria_label="Views",
        width=["100%", "100%", "13em"],
        flex_shrink="0",
        custom_attrs={"data-testid": "view-nav"},
    )  # fmt: skip
