"""The task dialog: create or edit every field, the recurrence builder with its live
summary, and the task's history. Text fields are read from the submitted form; menus and
the fields the summary depends on live here, so an error never loses what was typed (the
dialog stays open with its inputs as they were)."""

from typing import Any
from uuid import UUID

import reflex as rx
from loguru import logger
from pydantic import TypeAdapter, ValidationError

from todo_core.db import session_scope
from todo_core.models import utcnow
from todo_core.recurrence import RecurrenceError, build_rrule, summarize
from todo_core.repositories import tasks as repo
from todo_core.repositories.activity import list_activity
from todo_core.repositories.errors import NotFound, QuotaReached, StaleVersion
from todo_core.validation import RecurrenceChoice, TaskUpdate, field_errors, task_create_off_loop
from todo_web import relay
from todo_web.rule_fields import choice_of, fields_of
from todo_web.states.auth import AuthState
from todo_web.states.tasks import TasksState
from todo_web.states.views import (
    DB_ERRORS,
    ActivityRow,
    activity_row,
    datetime_input_value,
    parse_datetime_input,
    reminder_choice,
    reminder_value,
)

_RECURRENCE: TypeAdapter[RecurrenceChoice] = TypeAdapter(RecurrenceChoice)
REC_FIELDS = (
    "rec_kind", "rec_interval", "rec_days", "rec_month_day", "rec_week", "rec_weekday",
    "rec_end", "rec_count", "rec_until", "rec_rrule",
)  # fmt: skip
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _first_segment(errors: dict[str, str]) -> dict[str, str]:
    """{"recurrence.daily.interval": msg} → {"recurrence": msg}: one message per input."""
    out: dict[str, str] = {}
    for key, message in errors.items():
        out.setdefault(key.split(".")[0] or "form", message)
    return out


class EditorState(AuthState):
    is_open: bool = False
    task_id: str = ""  # "" while creating
    version: int = 0
    tab: str = "details"
    saving: bool = False
    errors: dict[str, str] = {}

    # Initial values of the text inputs (uncontrolled; read back from the form on save).
    title: str = ""
    description: str = ""
    tags_text: str = ""

    # Controlled: the menus, and what the live summary needs.
    priority: str = "medium"
    due_text: str = ""
    reminder: str = "none"
    rec_kind: str = "none"
    rec_interval: str = "1"
    rec_days: list[str] = []
    rec_month_day: str = "due"  # "due" = the due date's day, or "-1" = the last day
    rec_week: str = "1"
    rec_weekday: str = "MO"
    rec_end: str = "never"
    rec_count: str = "10"
    rec_until: str = ""
    rec_rrule: str = ""

    history: list[ActivityRow] = []
    history_loading: bool = False

    # ---- opening ------------------------------------------------------------------------

    def _clear(self) -> None:
        self.errors, self.history, self.tab = {}, [], "details"
        self.title = self.description = self.tags_text = self.due_text = ""
        self.priority, self.reminder = "medium", "none"
        self.rec_kind, self.rec_interval, self.rec_days = "none", "1", []
        self.rec_month_day, self.rec_week, self.rec_weekday = "due", "1", "MO"
        self.rec_end, self.rec_count, self.rec_until, self.rec_rrule = "never", "10", "", ""

    @rx.event
    def open_new(self) -> None:
        self._clear()
        self.task_id, self.version, self.is_open = "", 0, True

    @rx.event
    async def open_task(self, task_id: str) -> Any:
        """The detail view of one task: its fields, editable, and its history."""
        self._clear()
        async with session_scope() as db:
            task = await repo.get_task(db, self.user_uuid, UUID(task_id))
            history = await list_activity(db, self.user_uuid, UUID(task_id))
        if task is None:
            return rx.toast.warning("That task no longer exists.")
        self.task_id, self.version = str(task.id), task.version
        self.title, self.description = task.title, task.description
        self.tags_text = ", ".join(task.tags)
        self.priority = task.priority.value
        self.due_text = datetime_input_value(task.due_at, self.time_zone)
        self.reminder = reminder_value(task.reminder)
        if task.recurrence:
            self._show_rule(task.recurrence)
        now = utcnow()
        self.history = [activity_row(a, self.time_zone, now) for a in reversed(history)]
        self.is_open = True
        return None

    def _show_rule(self, rule: str) -> None:
        """In the builder when it can say the rule exactly; as RRULE text otherwise."""
        fields = fields_of(rule)
        if fields is None:
            self.rec_kind, self.rec_rrule = "rrule", rule
            return
        for name, value in fields.items():
            setattr(self, name, value)
        self.rec_rrule = rule  # what "Custom rule" shows if the user switches to it

    @rx.event
    def set_open(self, value: bool) -> None:
        self.is_open = value

    @rx.event
    def set_tab(self, value: str) -> None:
        self.tab = value

    # ---- controlled fields ----------------------------------------------------------------

    @rx.event
    def set_priority(self, value: str) -> None:
        self.priority = value

    @rx.event
    def set_due_text(self, value: str) -> None:
        self.due_text = value
        self.errors = {k: v for k, v in self.errors.items() if k != "due"}

    @rx.event
    def set_reminder(self, value: str) -> None:
        self.reminder = value

    @rx.event
    def set_rec_kind(self, value: str) -> None:
        self.rec_kind = value

    @rx.event
    def set_rec_interval(self, value: str) -> None:
        self.rec_interval = value

    @rx.event
    def toggle_day(self, day: str) -> None:
        days = set(self.rec_days) ^ {day}
        self.rec_days = [d for d in WEEKDAYS if d in days]

    @rx.event
    def set_rec_month_day(self, value: str) -> None:
        self.rec_month_day = value

    @rx.event
    def set_rec_week(self, value: str) -> None:
        self.rec_week = value

    @rx.event
    def set_rec_weekday(self, value: str) -> None:
        self.rec_weekday = value

    @rx.event
    def set_rec_end(self, value: str) -> None:
        self.rec_end = value

    @rx.event
    def set_rec_count(self, value: str) -> None:
        self.rec_count = value

    @rx.event
    def set_rec_until(self, value: str) -> None:
        self.rec_until = value

    @rx.event
    def set_rec_rrule(self, value: str) -> None:
        self.rec_rrule = value

    # ---- the recurrence builder -----------------------------------------------------------

    def _recurrence(self) -> dict[str, Any]:
        return choice_of({name: getattr(self, name) for name in REC_FIELDS})

    # cache=False: it reads helper methods, which dependency tracking may not see through.
    @rx.var(cache=False)
    def summary(self) -> str:
        """The live description of the schedule, e.g. "every weekday at 09:00"."""
        if self.rec_kind == "none":
            return "Does not repeat"
        try:
            due = parse_datetime_input(self.due_text)
        except ValueError:
            due = None
        if due is None:
            return "Set a due date: the series starts there."
        try:
            rule = build_rrule(_RECURRENCE.validate_python(self._recurrence()))
            return f"Repeats {summarize(rule, due)}" if rule else "Does not repeat"
        except (ValidationError, RecurrenceError, ValueError):
            return "Check the repeat settings."

    # ---- saving ------------------------------------------------------------------------

    def _payload(self, form: dict[str, Any]) -> dict[str, Any]:
        due = self.due_text.strip() or None
        payload: dict[str, Any] = {
            "title": form.get("title", ""),
            "description": form.get("description", ""),
            "priority": self.priority,
            "tags": [t for t in str(form.get("tags", "")).replace(",", " ").split() if t],
            "due": due,
            "recurrence": self._recurrence(),
        }
        # "at" (a fixed reminder time, set through the API) is kept as it is.
        if self.reminder != "at":
            payload["reminder"] = reminder_choice(self.reminder)
        return payload

    @rx.event
    async def save(self, form: dict[str, Any]) -> Any:
        # Remember the text as typed: reopening after an error shows it again.
        self.title = str(form.get("title", ""))
        self.description = str(form.get("description", ""))
        self.tags_text = str(form.get("tags", ""))
        self.saving = True
        yield
        try:
            yield await self._save(self._payload(form))
        except ValidationError as exc:
            self.errors = _first_segment(field_errors(exc))
        except StaleVersion as exc:
            self.version = exc.current
            self.errors = {
                "form": "This task was changed somewhere else meanwhile. "
                "Your edits are still here: press Save again to keep them."
            }
        except NotFound:
            self.errors = {"form": "This task was deleted somewhere else. Close the dialog."}
        except QuotaReached as exc:
            self.errors = {"form": f"{str(exc).capitalize()}."}
        except DB_ERRORS:
            logger.exception("saving a task failed")
            self.errors = {"form": "Could not reach the database. Your edits are kept; retry."}
        finally:
            self.saving = False

    async def _save(self, payload: dict[str, Any]) -> Any:
        if self.task_id:
            changes = TaskUpdate.model_validate(
                {"version": self.version, **payload}, context={"time_zone": self.time_zone}
            )
            async with session_scope() as db:
                await repo.update_task(db, self.user_uuid, UUID(self.task_id), changes)
            message = "Task saved"
        else:
            data = await task_create_off_loop(payload, self.time_zone)
            async with session_scope() as db:
                await repo.create_task(db, self.user_uuid, data)
            message = "Task added"
        relay.notify()
        self.errors, self.is_open = {}, False
        tasks = await self.get_state(TasksState)
        await tasks.reload(keep_shown=True)
        return rx.toast.success(message)
