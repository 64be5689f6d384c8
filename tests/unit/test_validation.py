"""The shared input rules: every rule, and every error names its field."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from todo_core.validation import (
    ListQuery,
    PageCursor,
    SignUp,
    TaskUpdate,
    field_errors,
    task_create,
)

BERLIN = "Europe/Berlin"


def errors_of(call: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        call()  # type: ignore[operator]
    return field_errors(caught.value)


def create_errors(data: dict, tz: str = BERLIN) -> dict[str, str]:
    return errors_of(lambda: task_create(data, tz))


# ---- sign-up ----------------------------------------------------------------------------


def test_signup_normalises_email_and_keeps_password_secret() -> None:
    data = SignUp(
        email="  Ada@Example.COM ",
        password="longenough",
        display_name=" Ada ",
        time_zone="America/New_York",
    )
    assert (data.email, data.display_name) == ("ada@example.com", "Ada")
    assert "longenough" not in repr(data)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("email", "a@b"),
        ("password", "short7!"),
        ("password", "        "),
        ("display_name", "   "),
        ("time_zone", "Mars/Olympus"),
        ("time_zone", "EST5EDT,M3.2.0,M11.1.0"),
    ],
)
def test_signup_rejects(field: str, value: str) -> None:
    data = {"email": "a@example.com", "password": "longenough", "display_name": "A"}
    assert field in errors_of(lambda: SignUp.model_validate({**data, field: value}))


def test_signup_forbids_unknown_fields() -> None:
    data = {"email": "a@example.com", "password": "longenough", "display_name": "A", "admin": 1}
    assert "admin" in errors_of(lambda: SignUp.model_validate(data))


# ---- task fields ----------------------------------------------------------------------------


def test_title_and_description_are_trimmed_and_kept_as_given() -> None:
    task = task_create({"title": "  Buy <milk> & 🍞  ", "description": " two %% "}, BERLIN)
    assert (task.title, task.description) == ("Buy <milk> & 🍞", "two %%")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "description": "d" * 5001}, "description"),
        ({"title": "ok", "priority": "urgent"}, "priority"),
        ({"title": "ok", "tags": ["a"] * 0 + [f"t{i}" for i in range(21)]}, "tags"),
        ({"title": "ok", "tags": ["ok", " "]}, "tags.1"),
        ({"title": "ok", "tags": ["x" * 41]}, "tags.0"),
        ({"title": "ok", "colour": "red"}, "colour"),
        ({"title": "ok", "due": "2026-02-30T09:00"}, "due"),
        ({"title": "ok", "due": "2026-03-29T02:30"}, "due"),  # skipped by DST in Berlin
        ({"title": "ok", "due": "2026-10-25T02:30"}, "due"),  # happens twice in Berlin
    ],
)
def test_task_rules_name_the_field(data: dict, field: str) -> None:
    assert field in create_errors(data)


def test_max_title_and_tags_are_accepted() -> None:
    tags = [f"T{i}" for i in range(20)] + ["t0", "T1"]  # duplicates collapse to 20
    task = task_create({"title": "x" * 200, "tags": tags}, BERLIN)
    assert len(task.title) == 200 and task.tags == [f"t{i}" for i in range(20)]


def test_nonexistent_and_ambiguous_times_explain_themselves() -> None:
    assert "does not exist" in create_errors({"title": "a", "due": "2026-03-29T02:30"})["due"]
    assert "twice" in create_errors({"title": "a", "due": "2026-10-25T02:30"})["due"]


def test_due_is_local_wall_clock_stored_as_utc() -> None:
    winter = task_create({"title": "a", "due": "2026-01-15T09:00"}, BERLIN)
    summer = task_create({"title": "a", "due": "2026-07-15T09:00"}, "America/New_York")
    assert winter.due_at == datetime(2026, 1, 15, 8, tzinfo=UTC)
    assert summer.due_at == datetime(2026, 7, 15, 13, tzinfo=UTC)


def test_an_aware_due_time_is_taken_as_the_instant_it_names() -> None:
    task = task_create({"title": "a", "due": "2026-03-29T02:30:00Z"}, BERLIN)
    assert task.due_at == datetime(2026, 3, 29, 2, 30, tzinfo=UTC)


def test_validating_a_due_time_without_a_zone_is_a_programming_error() -> None:
    from todo_core.validation import TaskCreate

    with pytest.raises(RuntimeError):
        TaskCreate.model_validate({"title": "a", "due": "2026-01-15T09:00"})


# ---- reminders ------------------------------------------------------------------------------


def test_reminder_kinds_resolve_to_utc() -> None:
    due = {"title": "a", "due": "2026-01-15T09:00"}
    before = task_create({**due, "reminder": {"kind": "before", "minutes": 90}}, BERLIN)
    at_due = task_create({**due, "reminder": {"kind": "at_due"}}, BERLIN)
    at = task_create({**due, "reminder": {"kind": "at", "at": "2026-01-14T20:00"}}, BERLIN)
    none = task_create(due, BERLIN)
    assert before.remind_at == datetime(2026, 1, 15, 6, 30, tzinfo=UTC)
    assert at_due.remind_at == datetime(2026, 1, 15, 8, tzinfo=UTC)
    assert at.remind_at == datetime(2026, 1, 14, 19, tzinfo=UTC)
    assert none.remind_at is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reminder": {"kind": "at_due"}}, "reminder"),
        ({"reminder": {"kind": "before", "minutes": 10}}, "reminder"),
        (
            {"due": "2026-01-15T09:00", "reminder": {"kind": "before", "minutes": 0}},
            "reminder.before.minutes",
        ),
        ({"due": "2026-01-15T09:00", "reminder": {"kind": "soon"}}, "reminder"),
        (
            {"due": "2026-01-15T09:00", "reminder": {"kind": "at", "at": "2026-01-16T09:00"}},
            "reminder",
        ),
        (
            {"due": "2026-01-15T09:00", "reminder": {"kind": "at", "at": "2026-03-29T02:10"}},
            "reminder",
        ),
    ],
)
def test_reminder_rules(data: dict, field: str) -> None:
    assert field in create_errors({"title": "a", **data})


def test_reminder_after_due_is_allowed_for_a_repeating_task() -> None:
    task = task_create(
        {
            "title": "a",
            "due": "2026-01-15T09:00",
            "recurrence": {"kind": "daily"},
            "reminder": {"kind": "at", "at": "2026-01-15T10:00"},
        },
        BERLIN,
    )
    assert task.remind_at == datetime(2026, 1, 15, 9, tzinfo=UTC)


# ---- recurrence -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "rule"),
    [
        ({"kind": "none"}, None),
        ({"kind": "daily"}, "FREQ=DAILY"),
        ({"kind": "daily", "interval": 3}, "FREQ=DAILY;INTERVAL=3"),
        ({"kind": "weekdays"}, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        (
            {"kind": "weekly", "interval": 2, "days": ["WE", "MO"]},
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE",
        ),
        ({"kind": "weekly"}, "FREQ=WEEKLY"),
        ({"kind": "monthly_day", "day": 15}, "FREQ=MONTHLY;BYMONTHDAY=15"),
        ({"kind": "monthly_day", "day": -1}, "FREQ=MONTHLY;BYMONTHDAY=-1"),
        ({"kind": "monthly_weekday", "week": -1, "weekday": "FR"}, "FREQ=MONTHLY;BYDAY=-1FR"),
        ({"kind": "yearly"}, "FREQ=YEARLY"),
        ({"kind": "daily", "ends": {"kind": "count", "count": 5}}, "FREQ=DAILY;COUNT=5"),
        (
            {"kind": "daily", "ends": {"kind": "until", "until": "2026-12-31"}},
            "FREQ=DAILY;UNTIL=20261231T235959",
        ),
        ({"kind": "rrule", "rrule": "rrule:freq=weekly;byday=tu"}, "FREQ=WEEKLY;BYDAY=TU"),
    ],
)
def test_recurrence_choices_build_rules(choice: dict, rule: str | None) -> None:
    task = task_create({"title": "a", "due": "2026-01-15T09:00", "recurrence": choice}, BERLIN)
    assert task.rrule == rule


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        ({"kind": "daily"}, "recurrence"),  # no due date
        ({"kind": "hourly"}, "recurrence"),
        ({"kind": "daily", "interval": 0}, "recurrence.daily.interval"),
        ({"kind": "weekly", "days": ["XX"]}, "recurrence.weekly.days.0"),
        ({"kind": "monthly_day", "day": 0}, "recurrence.monthly_day.day"),
        ({"kind": "monthly_day", "day": 32}, "recurrence.monthly_day.day"),
        (
            {"kind": "monthly_weekday", "week": 5, "weekday": "FR"},
            "recurrence.monthly_weekday.week",
        ),
        (
            {"kind": "daily", "ends": {"kind": "count", "count": 0}},
            "recurrence.daily.ends.count.count",
        ),
        ({"kind": "rrule", "rrule": "FREQ=SOMETIMES"}, "recurrence.rrule.rrule"),
        ({"kind": "rrule", "rrule": "FREQ=DAILY;BYHOUR=9"}, "recurrence.rrule.rrule"),
        ({"kind": "rrule", "rrule": "FREQ=DAILY;COUNT=2;UNTIL=20270101"}, "recurrence.rrule.rrule"),
        ({"kind": "rrule", "rrule": "FREQ=WEEKLY;BYDAY=XY"}, "recurrence.rrule.rrule"),
        ({"kind": "rrule", "rrule": "FREQ=DAILY;INTERVAL=0"}, "recurrence.rrule.rrule"),
        ({"kind": "rrule", "rrule": "FREQ=DAILY\nFREQ=DAILY"}, "recurrence.rrule.rrule"),
    ],
)
def test_recurrence_rules_name_the_field(choice: dict, field: str) -> None:
    due = {} if field == "recurrence" and choice["kind"] == "daily" else {"due": "2026-01-15T09:00"}
    assert field in create_errors({"title": "a", **due, "recurrence": choice})


def test_recurrence_end_before_due_is_refused() -> None:
    choice = {"kind": "daily", "ends": {"kind": "until", "until": "2026-01-14"}}
    errors = create_errors({"title": "a", "due": "2026-01-15T09:00", "recurrence": choice})
    assert "recurrence" in errors


# ---- update ---------------------------------------------------------------------------------


def test_update_is_partial_and_needs_a_version() -> None:
    change = TaskUpdate(version=3, title=" new ", due=None)
    assert change.changes() == {"title": "new", "due": None}
    assert "version" in errors_of(lambda: TaskUpdate.model_validate({"title": "x"}))


@pytest.mark.parametrize("field", ["title", "tags", "priority", "reminder", "recurrence"])
def test_update_refuses_null_for_fields_that_cannot_be_empty(field: str) -> None:
    assert field in errors_of(lambda: TaskUpdate.model_validate({"version": 1, field: None}))


# ---- list query -----------------------------------------------------------------------------


def test_list_query_defaults_and_limits() -> None:
    query = ListQuery(q="  ", tag=" Work ")
    assert (query.q, query.tag, query.sort, query.order, query.limit) == (
        None, "work", "due", "asc", 50
    )  # fmt: skip
    assert "limit" in errors_of(lambda: ListQuery(limit=101))
    assert "limit" in errors_of(lambda: ListQuery(limit=0))
    assert "due" in errors_of(lambda: ListQuery(due="yesterday"))
    assert "sort" in errors_of(lambda: ListQuery(sort="colour"))


def test_cursor_must_come_from_the_same_sort() -> None:
    from uuid import uuid4

    cursor = PageCursor(sort="title", order="asc", key="abc", id=uuid4()).encode()
    assert ListQuery(sort="title", cursor=cursor).page_cursor.key == "abc"
    assert "cursor" in errors_of(lambda: ListQuery(sort="due", cursor=cursor))
    assert "cursor" in errors_of(lambda: ListQuery(cursor="garbage!"))


def test_nul_characters_are_refused_by_field() -> None:
    from pydantic import ValidationError

    from todo_core.validation import SignUp, field_errors, task_create

    for body, field in [
        ({"title": "a\x00b"}, "title"),
        ({"title": "ok", "description": "\x00"}, "description"),
        ({"title": "ok", "tags": ["x\x00"]}, "tags.0"),
    ]:
        try:
            task_create(body, "UTC")  # type: ignore[arg-type]  # the bodies' values differ
        except ValidationError as exc:
            assert field in field_errors(exc)
        else:
            raise AssertionError(f"{body} was accepted")
    try:
        SignUp.model_validate(
            {"email": "a\x00@b.co", "password": "long enough pw", "display_name": "x\x00"}
        )
    except ValidationError as exc:
        assert {"email", "display_name"} <= set(field_errors(exc))
