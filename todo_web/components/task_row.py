"""One task in a list: complete, title (opens it), due date, reminder, repeat, priority and
tags, delete. Only what carries signal is shown: no flag for the default priority."""

import reflex as rx

from todo_web.components.view_switch import show_view
from todo_web.states.editor import EditorState
from todo_web.states.navigation import TAG_PREFIX
from todo_web.states.tasks import TasksState
from todo_web.states.views import TaskRow


def _due_badge(row: TaskRow) -> rx.Component:
    color = rx.match(
        row.due_state, ("overdue", "red"), ("today", "green"), ("done", "gray"), "blue"
    )
    label = rx.match(row.due_state, ("overdue", "Overdue · "), ("today", ""), "")
    return rx.cond(
        row.due_label != "",
        rx.badge(
            rx.icon("calendar", size=12),
            label,
            row.due_label,
            color_scheme=color,
            variant="soft",
            high_contrast=True,  # step-11 text on a soft badge misses AA for green and amber
            custom_attrs={"data-testid": "due", "data-state": row.due_state},
        ),
    )


def _priority_flag(row: TaskRow) -> rx.Component:
    """Nothing for the default priority, so the others stand out (as Todoist's flags)."""
    return rx.cond(
        row.priority != "medium",
        rx.hstack(
            rx.icon("flag", size=13),
            rx.text(rx.cond(row.priority == "high", "High", "Low"), size="1"),
            spacing="1",
            align="center",
            color=rx.cond(row.priority == "high", "var(--red-11)", "var(--blue-11)"),
            custom_attrs={"data-testid": "row-priority", "data-priority": row.priority},
        ),
    )


def _reminder(row: TaskRow) -> rx.Component:
    return rx.cond(
        row.has_reminder,
        rx.hstack(
            rx.icon("bell", size=13, aria_hidden="true"),
            rx.text(row.reminder_label, size="1"),
            spacing="1",
            align="center",
            color="var(--gray-11)",
            title="Reminder",
            aria_label="Reminder " + row.reminder_label,
            custom_attrs={"data-testid": "row-reminder"},
        ),
    )


def _repeat(row: TaskRow) -> rx.Component:
    """Compact: the icon and summary in small grey text, the full summary on hover."""
    return rx.cond(
        row.repeat != "",
        rx.hstack(
            rx.icon("repeat", size=13, aria_hidden="true"),
            rx.text(row.repeat, size="1", truncate=True, max_width="16em"),
            spacing="1",
            align="center",
            color="var(--violet-11)",
            title=row.repeat,
            custom_attrs={"data-testid": "row-repeat"},
        ),
    )


def task_row(row: TaskRow, draggable: bool = False) -> rx.Component:
    """`draggable` in Upcoming: onto another day (components/agenda_list.py)."""
    return rx.hstack(
        # The checkbox's hit area grows to this box's 44 px square on phones (page_css).
        rx.box(
            rx.checkbox(
                checked=row.done,
                on_change=lambda done: TasksState.toggle_done(row.id, done),
                size="3",
                color_scheme=rx.match(row.priority, ("high", "red"), ("low", "blue"), "gray"),
                aria_label="Complete: " + row.title,
                custom_attrs={"data-testid": "toggle-done"},
            ),
            class_name="touch-target check-target",
        ),
        rx.vstack(
            rx.button(
                rx.text(
                    row.title,
                    text_decoration=rx.cond(row.done, "line-through", "none"),
                    color=rx.cond(row.done, "var(--gray-11)", "var(--gray-12)"),
                    weight="medium",
                    align="left",
                    custom_attrs={"data-testid": "task-title"},
                ),
                variant="ghost",
                on_click=EditorState.open_task(row.id),
                height="auto",
                min_height="28px",
                padding="0",
                white_space="normal",
                text_align="left",
                justify_content="flex-start",
                custom_attrs={"data-testid": "open-task"},
            ),
            rx.flex(
                _due_badge(row),
                _reminder(row),
                _repeat(row),
                _priority_flag(row),
                rx.foreach(
                    row.tags,
                    lambda tag: rx.badge(
                        "#", tag, variant="surface", cursor="pointer", role="link",
                        tab_index=0, on_click=show_view(TAG_PREFIX + tag),
                        custom_attrs={"data-testid": "tag"},
                    ),
                ),
                wrap="wrap",
                spacing="2",
                align="center",
            ),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        rx.icon_button(
            rx.icon("trash_2", size=16),
            variant="ghost",
            color_scheme="gray",
            on_click=TasksState.delete(row.id),
            aria_label="Delete: " + row.title,
            class_name="touch-target",
            custom_attrs={"data-testid": "delete-task"},
        ),
        align="start",
        width="100%",
        padding="2",
        border_bottom="1px solid var(--gray-a4)",
        tab_index=-1,
        class_name="task-row",
        custom_attrs={"data-testid": "task-row", "data-task-id": row.id,
                      "data-done": rx.cond(row.done, "true", "false"),
                      "draggable": "true" if draggable else "false"},
    )  # fmt: skip
