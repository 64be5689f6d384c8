"""One task in a list: complete, title (opens it), due date, reminder, repeat, priority and
tags, delete. Only what carries signal is shown: no flag for the default priority.

A row is plain elements wearing Radix Themes' own class names (the markup Radix's Flex,
Badge, Button and Checkbox render), not those components: a view switch renders up to a
few hundred rows in the browser, and the components' per-row work (prop parsing, emotion
styles, the checkbox's state machinery) cost 5-10× the row itself (bench/notes/views.md).
What the components' props said is in page_css.py, under the row's own class names. The
class names are Radix Themes' as Reflex pins it: after an upgrade of Reflex, compare a row
with the other controls (tests/e2e/test_layout.py keeps screenshots of every view).
"""

import reflex as rx

from todo_web.components.row_icons import row_icon
from todo_web.components.view_switch import show_view
from todo_web.states.editor import EditorState
from todo_web.states.navigation import TAG_PREFIX
from todo_web.states.tasks import TasksState
from todo_web.states.views import TaskRow

# Radix Themes' classes for what the row used to build with its components.
ROW = "rt-Flex rt-r-fd-row rt-r-ai-start rt-r-gap-3 task-row"
BADGE = "rt-reset rt-Badge rt-r-size-1"
GHOST_BUTTON = "rt-reset rt-BaseButton rt-r-size-2 rt-variant-ghost"
META = "rt-Flex rt-r-fd-row rt-r-ai-center rt-r-gap-1 row-meta"
SMALL_TEXT = "rt-Text rt-r-size-1"
LABEL = "rt-Text rt-r-size-3"
CHECKBOX = "rt-reset rt-BaseCheckboxRoot rt-CheckboxRoot rt-r-size-3 rt-variant-surface"
# Radix Themes' checkbox tick (its ThickCheckIcon), drawn while the task is done.
TICK = (
    "M8.53547 0.62293C8.88226 0.849446 8.97976 1.3142 8.75325 1.66099L4.5083 8.1599C4.38833 "
    "8.34356 4.19397 8.4655 3.9764 8.49358C3.75883 8.52167 3.53987 8.45309 3.3772 8.30591L0.616113"
    " 5.80777C0.308959 5.52987 0.285246 5.05559 0.563148 4.74844C0.84105 4.44128 1.31533 4.41757 "
    "1.62249 4.69547L3.73256 6.60459L7.49741 0.840706C7.72393 0.493916 8.18868 0.396414 8.53547 "
    "0.62293Z"
)


def _check(row: TaskRow) -> rx.Component:
    """Radix's checkbox as markup: a button with role checkbox (Space and a click toggle it;
    x and Space on a selected row click it, components/shortcuts.py)."""
    state = rx.cond(row.done, "checked", "unchecked")
    box = rx.el.button(
        rx.cond(
            row.done,
            rx.el.svg(
                rx.el.path(d=TICK, fill_rule="evenodd", clip_rule="evenodd"),
                width="9",
                height="9",
                view_box="0 0 9 9",
                fill="currentcolor",
                class_name="rt-BaseCheckboxIndicator rt-CheckboxIndicator",
                custom_attrs={"data-state": "checked"},
            ),
        ),
        type="button",
        role="checkbox",
        aria_checked=rx.cond(row.done, "true", "false"),
        aria_label="Complete: " + row.title,
        on_click=lambda: TasksState.toggle_done(row.id, ~row.done),  # type: ignore[operator]
        class_name=CHECKBOX,
        custom_attrs={
            "data-testid": "toggle-done",
            "data-state": state,
            "data-accent-color": rx.match(row.priority, ("high", "red"), ("low", "blue"), "gray"),
        },  # fmt: skip
    )
    # Radix's own wrapping (a label of text size 3): the same height and alignment.
    return rx.el.div(
        rx.el.label(rx.el.div(box, class_name="rt-Flex rt-r-gap-2"), class_name=LABEL),
        # The checkbox's hit area grows to this box's 44 px square on phones (page_css).
        class_name="touch-target check-target",
    )


def _due_badge(row: TaskRow) -> rx.Component:
    color = rx.match(
        row.due_state, ("overdue", "red"), ("today", "green"), ("done", "gray"), "blue"
    )
    label = rx.match(row.due_state, ("overdue", "Overdue · "), ("today", ""), "")
    return rx.cond(
        row.due_label != "",
        rx.el.span(
            row_icon("calendar"),
            label,
            row.due_label,
            # High contrast: step-11 text on a soft badge misses AA for green and amber.
            class_name=BADGE + " rt-variant-soft rt-high-contrast",
            custom_attrs={"data-testid": "due", "data-state": row.due_state,
                          "data-accent-color": color},
        ),
    )  # fmt: skip


def _priority_flag(row: TaskRow) -> rx.Component:
    """Nothing for the default priority, so the others stand out (as Todoist's flags)."""
    return rx.cond(
        row.priority != "medium",
        rx.el.div(
            row_icon("flag"),
            rx.el.p(rx.cond(row.priority == "high", "High", "Low"), class_name=SMALL_TEXT),
            class_name=META + " row-flag",
            custom_attrs={"data-testid": "row-priority", "data-priority": row.priority},
        ),
    )


def _reminder(row: TaskRow) -> rx.Component:
    return rx.cond(
        row.has_reminder,
        rx.el.div(
            row_icon("bell"),
            rx.el.p(row.reminder_label, class_name=SMALL_TEXT),
            title="Reminder",
            aria_label="Reminder " + row.reminder_label,
            class_name=META,
            custom_attrs={"data-testid": "row-reminder"},
        ),
    )


def _repeat(row: TaskRow) -> rx.Component:
    """Compact: the icon and summary in small grey text, the full summary on hover."""
    return rx.cond(
        row.repeat != "",
        rx.el.div(
            row_icon("repeat"),
            rx.el.p(row.repeat, class_name=SMALL_TEXT),
            title=row.repeat,
            class_name=META + " row-repeat",
            custom_attrs={"data-testid": "row-repeat"},
        ),
    )


def _tag(tag: rx.Var[str]) -> rx.Component:
    return rx.el.span(
        "#",
        tag,
        role="link",
        tab_index=0,
        on_click=show_view(TAG_PREFIX + tag),  # type: ignore[operator]
        class_name=BADGE + " rt-variant-surface row-tag",
        custom_attrs={"data-testid": "tag", "data-accent-color": ""},
    )


def task_row(row: TaskRow, draggable: rx.Var[bool] | bool = False) -> rx.Component:
    """`draggable` in Upcoming: onto another day (components/agenda_list.py)."""
    return rx.el.div(
        _check(row),
        rx.el.div(
            rx.el.button(
                rx.el.p(
                    row.title,
                    class_name="rt-Text rt-r-weight-medium rt-r-ta-left task-title",
                    custom_attrs={"data-testid": "task-title"},
                ),
                on_click=EditorState.open_task(row.id),  # type: ignore[operator]
                class_name=GHOST_BUTTON + " rt-Button task-open",
                custom_attrs={"data-testid": "open-task", "data-accent-color": ""},
            ),
            rx.el.div(
                _due_badge(row),
                _reminder(row),
                _repeat(row),
                _priority_flag(row),
                rx.foreach(row.tags, _tag),
                class_name="rt-Flex rt-r-ai-center rt-r-fw-wrap rt-r-gap-2",
            ),
            class_name="rt-Flex rt-r-fd-column rt-r-ai-start rt-r-gap-1 task-main",
        ),
        rx.el.button(
            row_icon("trash"),
            aria_label="Delete: " + row.title,
            on_click=TasksState.delete(row.id),  # type: ignore[operator]
            class_name=GHOST_BUTTON + " rt-IconButton touch-target task-delete",
            custom_attrs={"data-testid": "delete-task", "data-accent-color": "gray"},
        ),
        tab_index=-1,
        class_name=ROW,
        custom_attrs={"data-testid": "task-row", "data-task-id": row.id,
                      "data-done": rx.cond(row.done, "true", "false"),
                      "draggable": rx.cond(draggable, "true", "false")},
    )  # fmt: skip
