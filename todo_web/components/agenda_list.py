"""Today and Upcoming: the rows in titled day groups, empty days collapsed to one line."""

import reflex as rx

from todo_web.components.task_row import task_row
from todo_web.states.agenda import Section
from todo_web.states.navigation import TODAY
from todo_web.states.tasks import TasksState


def _section(section: Section) -> rx.Component:
    return rx.cond(
        section.gap,
        rx.text(
            section.title,
            size="1",
            color="var(--gray-11)",
            padding_x="2",
            padding_top="3",
            custom_attrs={"data-testid": "gap"},
        ),
        rx.vstack(
            rx.hstack(
                rx.heading(
                    section.title,
                    as_="h3",
                    size="2",
                    color=rx.cond(section.key == "overdue", "var(--red-11)", "var(--gray-12)"),
                ),
                rx.text(section.rows.length(), size="1", color="var(--gray-11)"),
                align="baseline",
                spacing="2",
                padding_x="2",
                padding_top="4",
                padding_bottom="1",
                width="100%",
                border_bottom="1px solid var(--gray-a6)",
            ),
            rx.foreach(section.rows, task_row),
            spacing="0",
            width="100%",
            custom_attrs={"data-testid": "section", "data-key": section.key},
        ),
    )


def _empty() -> rx.Component:
    return rx.center(
        rx.text(
            rx.cond(
                TasksState.view == TODAY,
                "Nothing due today. Add a task with a date, like “call Sam today 17:00”.",
                "Nothing planned for the next 7 days.",
            ),
            color="var(--gray-11)",
        ),
        padding="6",
        width="100%",
        custom_attrs={"data-testid": "empty"},
    )


def agenda_list() -> rx.Component:
    return rx.cond(
        TasksState.sections.length() > 0,
        rx.vstack(
            rx.foreach(TasksState.sections, _section),
            spacing="1",
            width="100%",
            custom_attrs={"data-testid": "task-list"},
        ),
        _empty(),
    )
