"""Today and Upcoming: the rows in titled day groups, empty days collapsed to one line. In
Upcoming a row can be dragged onto another day (or an empty run of days) to move it there at
the same time: the drop fills a hidden form whose submit is TasksState.move_to_day."""

import reflex as rx

from todo_web.components.task_row import task_row
from todo_web.states.agenda import Section
from todo_web.states.navigation import TODAY, UPCOMING
from todo_web.states.tasks import TasksState

DRAG_SCRIPT = """
if (!window.__taskDrag) {
  window.__taskDrag = true;
  const TYPE = 'text/x-task-id';
  const target = (e) => e.target.closest && e.target.closest('[data-day]');
  document.addEventListener('dragstart', (e) => {
    const row = e.target.closest && e.target.closest('[data-testid="task-row"][draggable="true"]');
    if (!row) return;
    e.dataTransfer.setData(TYPE, row.dataset.taskId);
    e.dataTransfer.effectAllowed = 'move';
  });
  document.addEventListener('dragover', (e) => {
    const day = target(e);
    if (!day || !e.dataTransfer.types.includes(TYPE)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    day.dataset.dropping = 'true';
  });
  document.addEventListener('dragleave', (e) => {
    const day = target(e);
    if (day && !day.contains(e.relatedTarget)) delete day.dataset.dropping;
  });
  document.addEventListener('drop', (e) => {
    const day = target(e);
    const id = e.dataTransfer.getData(TYPE);
    if (!day || !id) return;
    e.preventDefault();
    delete day.dataset.dropping;
    const form = document.getElementById('move-form');
    form.elements.task_id.value = id;
    form.elements.day.value = day.dataset.day;
    form.requestSubmit();
  });
}
"""


def _move_form() -> rx.Component:
    return rx.fragment(
        rx.script(DRAG_SCRIPT),
        rx.form(
            rx.el.input(type="hidden", name="task_id"),
            rx.el.input(type="hidden", name="day"),
            id="move-form",
            on_submit=TasksState.move_to_day,
            display="none",
        ),
    )


def _section(section: Section, draggable: rx.Var[bool]) -> rx.Component:
    return rx.cond(
        section.gap,
        rx.text(
            section.title,
            size="1",
            color="var(--gray-11)",
            padding_x="var(--space-2)",
            padding_y="var(--space-2)",
            custom_attrs={"data-testid": "gap", "data-day": section.day},
        ),
        rx.vstack(
            rx.hstack(
                rx.heading(
                    section.title,
                    as_="h3",
                    size="2",
                    color=rx.cond(section.key == "overdue", "var(--red-11)", "var(--gray-12)"),
                ),
                rx.text(section.rows.length(), size="1", color="var(--gray-11)"),  # type: ignore[attr-defined]
                align="baseline",
                spacing="2",
                padding_x="var(--space-2)",
                padding_top="var(--space-5)",
                padding_bottom="var(--space-1)",
                width="100%",
                border_bottom="1px solid var(--gray-a6)",
            ),
            rx.foreach(section.rows, lambda row: task_row(row, draggable)),
            spacing="0",
            width="100%",
            custom_attrs={
                "data-testid": "section",
                "data-key": section.key,
                "data-day": section.day,
            },  # fmt: skip
        ),
    )


def _empty(view: rx.Var[str]) -> rx.Component:
    return rx.center(
        rx.text(
            rx.cond(
                view == TODAY,
                "Nothing due today. A task added here is due today: “call Sam 17:00”.",
                "Nothing planned for the next 7 days.",
            ),
            color="var(--gray-11)",
        ),
        padding="6",
        width="100%",
        custom_attrs={"data-testid": "empty"},
    )


def agenda_list(view: rx.Var[str]) -> rx.Component:
    """Today or Upcoming (`view`, the browser's current view): one component for both, so a
    switch between them updates the rows already on the page instead of building new ones.
    Only Upcoming's rows can be dragged onto another day."""
    upcoming = view == UPCOMING
    sections = rx.cond(upcoming, TasksState.upcoming_sections, TasksState.today_sections)
    return rx.fragment(
        rx.cond(upcoming, _move_form()),
        rx.cond(
            sections.length() > 0,
            rx.vstack(
                rx.foreach(sections, lambda section: _section(section, upcoming)),
                spacing="1",
                width="100%",
                custom_attrs={"data-testid": "task-list"},
            ),
            _empty(view),
        ),
    )
