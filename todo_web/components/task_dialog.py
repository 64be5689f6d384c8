"""The task dialog: every field, the recurrence builder with its live summary, and (for an
existing task) its history."""

import reflex as rx
from reflex.vars import ObjectVar

from todo_web.components.fields import error_text, field, form_error, menu
from todo_web.states.editor import WEEKDAYS, EditorState
from todo_web.states.views import REMINDER_CHOICES

PRIORITIES = {"high": "High", "medium": "Medium", "low": "Low"}
REPEAT = {
    "none": "Does not repeat",
    "daily": "Daily",
    "weekdays": "Every weekday",
    "weekly": "Weekly",
    "monthly_day": "Monthly on a day",
    "monthly_weekday": "Monthly on a weekday",
    "yearly": "Yearly",
    "rrule": "Custom rule (RRULE)",
}
ENDS = {"never": "Never ends", "count": "Ends after", "until": "Ends on"}
WEEKS = {"1": "first", "2": "second", "3": "third", "4": "fourth", "-1": "last"}
DAY_NAMES = dict(zip(WEEKDAYS, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], strict=True))
# A state var read on its class is its Var (mypy sees the value's type: see pyproject.toml).
E: ObjectVar[dict[str, str]] = EditorState.errors  # type: ignore[assignment]


def _reminder_menu() -> rx.Component:
    options = dict(REMINDER_CHOICES)
    # A reminder at a fixed time (set through the API) is shown and kept, not offered.
    options["at"] = "At a set time (kept)"
    return menu(options, EditorState.reminder, EditorState.set_reminder,
                aria_label="Reminder", custom_attrs={"data-testid": "reminder"})  # fmt: skip


def _weekday_toggles() -> rx.Component:
    return rx.flex(
        *[
            rx.button(
                DAY_NAMES[day],
                type="button",
                size="1",
                variant=rx.cond(EditorState.rec_days.contains(day), "solid", "outline"),  # type: ignore[attr-defined]
                on_click=EditorState.toggle_day(day),  # type: ignore[operator]
                aria_pressed=rx.cond(EditorState.rec_days.contains(day), "true", "false"),  # type: ignore[attr-defined]
            )
            for day in WEEKDAYS
        ],
        wrap="wrap",
        spacing="1",
    )


def _repeat_details() -> rx.Component:
    kind = EditorState.rec_kind
    interval = rx.hstack(
        rx.text("every", size="2"),
        rx.input(type="number", min=1, max=99, width="5em", name="interval",
                 default_value=EditorState.rec_interval, on_change=EditorState.set_rec_interval,
                 aria_label="Interval"),
        rx.text(rx.match(kind, ("daily", "day(s)"), ("yearly", "year(s)"),
                         ("weekly", "week(s)"), ("weekdays", "week(s)"), "month(s)"), size="2"),
        align="center",
    )  # fmt: skip
    ends = rx.hstack(
        menu(ENDS, EditorState.rec_end, EditorState.set_rec_end, aria_label="Ends"),
        rx.match(
            EditorState.rec_end,
            ("count", rx.hstack(
                rx.input(type="number", min=1, max=1000, width="5em", name="count",
                         default_value=EditorState.rec_count,
                         on_change=EditorState.set_rec_count, aria_label="Occurrences"),
                rx.text("times", size="2"), align="center")),
            ("until", rx.input(type="date", name="until", default_value=EditorState.rec_until,
                               on_change=EditorState.set_rec_until, aria_label="End date")),
            rx.fragment(),
        ),
        align="center",
        wrap="wrap",
    )  # fmt: skip
    return rx.match(
        kind,
        ("none", rx.fragment()),
        ("rrule", rx.input(name="rrule", default_value=EditorState.rec_rrule,
                           on_change=EditorState.set_rec_rrule, placeholder="FREQ=WEEKLY;BYDAY=MO",
                           aria_label="RRULE", width="100%")),
        rx.vstack(
            interval,
            rx.cond(kind == "weekly", _weekday_toggles()),
            rx.cond(kind == "monthly_day",
                    menu({"due": "on the due date's day", "-1": "on the last day"},
                         EditorState.rec_month_day, EditorState.set_rec_month_day,
                         aria_label="Day of month")),
            rx.cond(kind == "monthly_weekday", rx.hstack(
                rx.text("on the", size="2"),
                menu(WEEKS, EditorState.rec_week, EditorState.set_rec_week, aria_label="Week"),
                menu(DAY_NAMES, EditorState.rec_weekday, EditorState.set_rec_weekday,
                     aria_label="Weekday"),
                align="center")),
            ends,
            spacing="2",
        ),
    )  # fmt: skip


def _recurrence() -> rx.Component:
    return rx.vstack(
        rx.text("Repeat", size="2", weight="medium"),
        menu(REPEAT, EditorState.rec_kind, EditorState.set_rec_kind,
             aria_label="Repeat", custom_attrs={"data-testid": "repeat"}),
        _repeat_details(),
        rx.text(EditorState.summary, size="2", color_scheme="violet",
                custom_attrs={"data-testid": "repeat-summary"}),
        error_text(E, "recurrence"),
        spacing="2",
        width="100%",
    )  # fmt: skip


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            field("Title", rx.input(name="title", default_value=EditorState.title,
                                    max_length=200, auto_focus=True,
                                    custom_attrs={"data-testid": "edit-title"}), E, "title"),
            field("Description", rx.text_area(name="description",
                                              default_value=EditorState.description,
                                              rows="3", max_length=5000), E, "description"),
            rx.flex(
                field("Priority", menu(PRIORITIES, EditorState.priority,
                                       EditorState.set_priority, aria_label="Priority",
                                       custom_attrs={"data-testid": "edit-priority"}),
                      E, "priority"),
                field("Due", rx.input(type="datetime-local", name="due",
                                      default_value=EditorState.due_text,
                                      on_change=EditorState.set_due_text,
                                      custom_attrs={"data-testid": "edit-due"}), E, "due"),
                field("Reminder", _reminder_menu(), E, "reminder"),
                spacing="3",
                direction=rx.breakpoints(initial="column", sm="row"),
                width="100%",
            ),
            field("Tags", rx.input(name="tags", default_value=EditorState.tags_text,
                                   placeholder="work, home",
                                   custom_attrs={"data-testid": "edit-tags"}), E, "tags"),
            _recurrence(),
            form_error(E),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", type="button", variant="soft",
                                          color_scheme="gray")),
                rx.button("Save", type="submit", loading=EditorState.saving,
                          custom_attrs={"data-testid": "save-task"}),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=EditorState.save,
        reset_on_submit=False,
    )  # fmt: skip


def _history() -> rx.Component:
    return rx.cond(
        EditorState.history.length() > 0,  # type: ignore[attr-defined]
        rx.vstack(
            rx.foreach(
                EditorState.history,
                lambda a: rx.hstack(
                    rx.badge(a.what, variant="soft"),
                    rx.text(a.when, size="2", color_scheme="gray"),
                    custom_attrs={"data-testid": "history-item"},
                ),
            ),
            spacing="2",
        ),
        rx.text("No history yet. Each change shows up here a moment after it is saved.",
                size="2", color_scheme="gray"),
    )  # fmt: skip


def task_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(EditorState.task_id != "", "Task", "New task")),
            rx.cond(
                EditorState.task_id != "",
                rx.tabs.root(
                    rx.tabs.list(rx.tabs.trigger("Details", value="details"),
                                 rx.tabs.trigger("History", value="history",
                                                 custom_attrs={"data-testid": "history-tab"})),
                    # Kept mounted (hidden) on the History tab, so typed text survives.
                    rx.tabs.content(rx.box(_form(), padding_top="3"), value="details",
                                    force_mount=True),
                    rx.tabs.content(rx.box(_history(), padding_top="3"), value="history"),
                    value=EditorState.tab,
                    on_change=EditorState.set_tab,
                ),
                _form(),
            ),
            max_width="560px",
            custom_attrs={"data-testid": "task-dialog"},
        ),
        open=EditorState.is_open,
        on_open_change=EditorState.set_open,
    )  # fmt: skip
