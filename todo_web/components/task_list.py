"""The list: quick-add bar, view controls, the current view's rows, and its empty, loading
and error states. Every view's rows are in the page; only the current view's are rendered
(the browser switches which, view_switch.py), so the page's size is one view's."""

import reflex as rx

from todo_web.components.agenda_list import agenda_list
from todo_web.components.assistant_panel import assistant_toggle
from todo_web.components.fields import menu
from todo_web.components.task_row import task_row
from todo_web.components.view_switch import (
    current_view,
    is_agenda,
    is_tag_view,
    show_done,
    tag_of,
    view_title,
)
from todo_web.states.editor import EditorState
from todo_web.states.quick_add import ChipView
from todo_web.states.tasks import ANY, TasksState

STATUS = {"open": "Open", "done": "Done", ANY: "All"}
PRIORITY = {ANY: "Any priority", "high": "High", "medium": "Medium", "low": "Low"}
DUE = {ANY: "Any date", "overdue": "Overdue", "today": "Today", "week": "Next 7 days",
       "none": "No date"}  # fmt: skip
SORT = {"due": "Due date", "priority": "Priority", "created": "Created", "title": "Title"}


def quick_add() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                id="quick-title",
                name="title",
                placeholder="Add a task: “pay rent every 1st at 10 #home p1”, then Enter",
                max_length=500,
                auto_focus=True,
                flex="1",
                size="3",
                aria_label="New task title",
                on_change=lambda text: TasksState.preview_quick(text, current_view()),  # type: ignore[operator]
                custom_attrs={"data-testid": "quick-add"},
            ),
            rx.button(
                rx.icon("sliders_horizontal", size=16),
                rx.text("Details", display=["none", "inline"]),
                type="button",
                variant="soft",
                size="3",
                on_click=EditorState.open_new,
                aria_label="Details",  # the word is hidden on phones
                custom_attrs={"data-testid": "new-task"},
            ),
            assistant_toggle(),
            # In Today a task without a date is due today (states/quick_add.py).
            rx.el.input(type="hidden", name="view", value=current_view()),
            width="100%",
        ),
        rx.cond(
            TasksState.quick_chips.length() > 0,  # type: ignore[attr-defined]
            rx.flex(
                rx.foreach(TasksState.quick_chips, quick_chip),
                wrap="wrap",
                spacing="2",
                custom_attrs={"data-testid": "quick-chips"},
            ),
        ),
        rx.cond(
            TasksState.quick_error != "",
            rx.text(TasksState.quick_error, color_scheme="red", size="1", role="alert"),
        ),
        on_submit=TasksState.quick_add,
        width="100%",
    )


def quick_chip(chip: ChipView, index: rx.Var[int]) -> rx.Component:
    """What quick add recognised; × keeps those words in the title instead."""
    return rx.badge(
        rx.icon(chip.icon, size=12),
        rx.text(chip.label, custom_attrs={"data-testid": "chip-label"}),
        # Today's own date (no words typed) has no ×: in another view the task has no date.
        rx.cond(
            chip.words != "",
            rx.icon_button(
                rx.icon("x", size=12),
                size="1",
                variant="ghost",
                type="button",
                on_click=TasksState.remove_chip(index),  # type: ignore[operator]
                aria_label="Keep these words in the title: " + chip.words,
                custom_attrs={"data-testid": "chip-remove"},
            ),
        ),
        title=rx.cond(chip.words != "", chip.words, "Added in Today: due today"),
        variant="soft",
        size="2",
        radius="full",
        custom_attrs={"data-testid": "chip", "data-kind": chip.kind},
    )


def view_controls() -> rx.Component:
    """Search, filters and sort of All and the tag views. Hidden, not removed, in Today and
    Upcoming: mounting its menus again on every switch from them cost more than the rows."""
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            value=TasksState.q,
            on_change=TasksState.set_q,
            debounce_timeout=300,
            placeholder="Search",
            type="search",
            aria_label="Search tasks",
            min_width="10em",
            flex="1",
            custom_attrs={"data-testid": "search"},
        ),
        menu(STATUS, TasksState.status, TasksState.set_status,
             aria_label="Status", custom_attrs={"data-testid": "filter-status"}),
        menu(PRIORITY, TasksState.priority, TasksState.set_priority,
             aria_label="Priority", custom_attrs={"data-testid": "filter-priority"}),
        menu(DUE, TasksState.due, TasksState.set_due,
             aria_label="Due", custom_attrs={"data-testid": "filter-due"}),
        # All's tag filter; in a tag view, that view's tag (another tag is another view).
        rx.input(
            value=rx.cond(is_tag_view(current_view()), tag_of(current_view()), TasksState.tag),
            on_change=lambda value: TasksState.set_tag(value, current_view()),  # type: ignore[operator]
            debounce_timeout=400,
            placeholder="Tag",
            aria_label="Filter by tag",
            width="7em",
            custom_attrs={"data-testid": "filter-tag"},
        ),
        rx.hstack(
            menu(SORT, TasksState.sort, TasksState.set_sort,
                 aria_label="Sort by", custom_attrs={"data-testid": "sort"}),
            rx.icon_button(
                rx.cond(TasksState.order == "asc", rx.icon("arrow_up"), rx.icon("arrow_down")),
                variant="soft",
                on_click=TasksState.toggle_order,
                aria_label=rx.cond(TasksState.order == "asc", "Ascending", "Descending"),
                custom_attrs={"data-testid": "sort-order"},
            ),
            spacing="1",
        ),
        wrap="wrap",
        spacing="2",
        width="100%",
        align="center",
        display=rx.cond(is_agenda(current_view()), "none", "flex"),
    )  # fmt: skip


def _empty(filtered: rx.Var[bool] | bool) -> rx.Component:
    return rx.center(
        rx.cond(
            filtered,
            rx.vstack(
                rx.text("No tasks match this view."),
                rx.button("Show all open tasks", variant="soft", on_click=TasksState.reset_view),
                align="center",
            ),
            rx.text("No tasks yet. Type a title above and press Enter to add one."),
        ),
        padding="6",
        color_scheme="gray",
        custom_attrs={"data-testid": "empty"},
    )


def view_header() -> rx.Component:
    """The view's name (focused on a switch, so a screen reader announces it) and its
    "show completed" switch, remembered per view."""
    view = current_view()
    return rx.hstack(
        rx.heading(view_title(view), as_="h2", size="6", id="view-title", tab_index=-1,
                   custom_attrs={"data-testid": "view-title"}),
        rx.spacer(),
        rx.el.label(
            rx.hstack(
                rx.switch(checked=show_done(view),
                          on_change=lambda show: TasksState.set_show_done(show, view),  # type: ignore[operator]
                          custom_attrs={"data-testid": "show-done"}),
                rx.text("Show completed", size="2"),
                align="center",
                spacing="2",
            ),
            min_height="44px",
            display="flex",
            align_items="center",
        ),
        width="100%",
        align="center",
    )  # fmt: skip


def _list(view: rx.Var[str]) -> rx.Component:
    """All or a tag view (`view`): one component for both, so a switch between them updates
    the rows already on the page. The rows so far, and "Load more" while there are more."""
    tag, is_tag = tag_of(view), is_tag_view(view)
    rows = rx.cond(is_tag, TasksState.tag_rows[tag], TasksState.rows)  # type: ignore[index]
    cursor = rx.cond(is_tag, TasksState.tag_cursors[tag].to(str), TasksState.next_cursor)  # type: ignore[attr-defined, index]
    # A tag view is filtered by its tag: "Show all open tasks" leads out of it.
    filtered = is_tag | TasksState.filtered
    listed = rx.fragment(
        rx.cond(
            rows.length() > 0,
            rx.vstack(
                rx.foreach(rows, lambda row: task_row(row)),
                spacing="0",
                width="100%",
                custom_attrs={"data-testid": "task-list"},
            ),
            _empty(filtered),
        ),
        rx.cond(
            cursor != "",
            rx.center(
                rx.button("Load more", variant="soft", on_click=TasksState.load_more(view),  # type: ignore[operator]
                          custom_attrs={"data-testid": "load-more"}),
                width="100%",
            ),
        ),
    )  # fmt: skip
    # A tag the page holds no rows for (one only done tasks carry) asks the server for them
    # when its placeholder shows.
    return rx.cond(
        is_tag & ~TasksState.tag_rows.contains(tag),  # type: ignore[attr-defined]
        _loading(on_mount=TasksState.open_view(view)),  # type: ignore[operator]
        listed,
    )


def _loading(**props: object) -> rx.Component:
    return rx.center(rx.spinner(size="3"), padding="6", width="100%",
                     custom_attrs={"data-testid": "loading"}, **props)  # fmt: skip


def task_list() -> rx.Component:
    view = current_view()
    return rx.vstack(
        rx.cond(
            TasksState.load_error != "",
            rx.callout(TasksState.load_error, icon="triangle_alert", color_scheme="red",
                       width="100%"),
        ),
        rx.cond(
            TasksState.loading,
            _loading(),
            rx.cond(is_agenda(view), agenda_list(view), _list(view)),
        ),
        width="100%",
        spacing="2",
    )  # fmt: skip
