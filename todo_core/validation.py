"""The one set of input rules, shared by the REST API and the UI.

Every model forbids unknown fields and every error carries the field's location (pydantic
`loc`), so both front ends can put the message beside the right input.

Due dates arrive as the user's wall-clock time (a naive datetime) and leave validation in
UTC. The user's zone comes through pydantic's validation context:
    TaskCreate.model_validate(data, context={"time_zone": user.time_zone})
(`task_create(data, tz)` does exactly that). An aware datetime (e.g. "...Z" from an API
client) is taken as the instant it names.
"""

import asyncio
import base64
import binascii
import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from todo_core.language.text import MAX_CHARS
from todo_core.models import Priority, Status
from todo_core.recurrence import (
    HORIZON_YEARS,
    RecurrenceError,
    build_rrule,
    normalize_rule,
    occurs_within_horizon,
)
from todo_core.timezones import get_zone, to_utc_strict

MAX_TAGS = 20
PASSWORD_MIN = 8
PASSWORD_MAX = 1024  # argon2 hashes anything, but megabyte "passwords" are a DoS
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# Dates a task may carry. Far dates are no use to a todo list and cost: year 9999 plus a
# reminder's offset overflows datetime in the worker.
YEAR_MIN, YEAR_MAX = 1970, 2199
# How far a fixed reminder may be from its task's due date.
REMINDER_MAX_DISTANCE = timedelta(days=366)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- field types -----------------------------------------------------------------------


def _unique(tags: list[str]) -> list[str]:
    unique = list(dict.fromkeys(tags))  # keeps the user's order
    if len(unique) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags")
    return unique


def _time_zone(name: str) -> str:
    get_zone(name)  # raises ValueError for unknown names
    return name


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here, by field, rather than fail on insert.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _email(value: str) -> str:
    if not EMAIL_RE.match(value):
        raise ValueError("not a valid email address")
    return value


def _password_given(value: SecretStr) -> SecretStr:
    """A password to check against a hash: any content, but bounded (argon2 reads it all)."""
    if len(value.get_secret_value()) > PASSWORD_MAX:
        raise ValueError(f"at most {PASSWORD_MAX} characters")
    return value


GivenPassword = Annotated[SecretStr, AfterValidator(_password_given)]


def _password(value: SecretStr) -> SecretStr:
    length = len(value.get_secret_value())
    if length < PASSWORD_MIN:
        raise ValueError(f"at least {PASSWORD_MIN} characters")
    if length > PASSWORD_MAX:
        raise ValueError(f"at most {PASSWORD_MAX} characters")
    if not value.get_secret_value().strip():
        raise ValueError("must not be only spaces")
    return value


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_nul),
]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=5000), AfterValidator(_no_nul)
]
Tag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40),
    AfterValidator(_no_nul),
]
Tags = Annotated[list[Tag], AfterValidator(_unique)]
TimeZone = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_time_zone)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, max_length=320),
    AfterValidator(_no_nul),
    AfterValidator(_email),
]
Password = Annotated[SecretStr, AfterValidator(_password)]
DisplayName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(_no_nul),
]
Weekday = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


# ---- accounts ----------------------------------------------------------------------------


class SignUp(_Input):
    email: Email
    password: Password
    display_name: DisplayName
    time_zone: TimeZone = "UTC"


class Login(_Input):
    email: Email
    password: GivenPassword  # no minimum here: the hash decides


class ProfileUpdate(_Input):
    display_name: DisplayName | None = None
    time_zone: TimeZone | None = None


class PasswordChange(_Input):
    current_password: GivenPassword
    new_password: Password


# ---- reminders -----------------------------------------------------------------------------


class ReminderNone(_Input):
    kind: Literal["none"] = "none"


class ReminderAtDue(_Input):
    kind: Literal["at_due"] = "at_due"


class ReminderBefore(_Input):
    kind: Literal["before"] = "before"
    minutes: int = Field(ge=1, le=4 * 7 * 24 * 60)


class ReminderAt(_Input):
    kind: Literal["at"] = "at"
    at: datetime  # wall-clock in the user's zone on input; UTC after TaskCreate validation
    # A snoozed reminder ("again in 30 minutes") may go off after the due time has passed.
    snoozed: bool = False


ReminderChoice = Annotated[
    ReminderNone | ReminderAtDue | ReminderBefore | ReminderAt, Field(discriminator="kind")
]


# ---- recurrence ----------------------------------------------------------------------------


class EndNever(_Input):
    kind: Literal["never"] = "never"


class EndAfter(_Input):
    kind: Literal["count"] = "count"
    count: int = Field(ge=1, le=1000)


class EndOn(_Input):
    kind: Literal["until"] = "until"
    until: date

    @field_validator("until")
    @classmethod
    def _sane(cls, until: date) -> date:
        _in_range(until)
        return until


RecurrenceEnd = Annotated[EndNever | EndAfter | EndOn, Field(discriminator="kind")]


class _Repeating(_Input):
    interval: int = Field(default=1, ge=1, le=99)
    ends: RecurrenceEnd = Field(default_factory=EndNever)


class NoRecurrence(_Input):
    kind: Literal["none"] = "none"


class Daily(_Repeating):
    kind: Literal["daily"] = "daily"


class Weekdays(_Repeating):
    kind: Literal["weekdays"] = "weekdays"


class Weekly(_Repeating):
    kind: Literal["weekly"] = "weekly"
    days: list[Weekday] = Field(default_factory=list)  # empty: the due date's weekday


class MonthlyByDay(_Repeating):
    kind: Literal["monthly_day"] = "monthly_day"
    day: int | None = Field(default=None, ge=-1, le=31)  # -1 = last day; None = due's day

    @field_validator("day")
    @classmethod
    def _not_zero(cls, day: int | None) -> int | None:
        if day == 0:
            raise ValueError("day is 1-31, or -1 for the last day")
        return day


class MonthlyByWeekday(_Repeating):
    kind: Literal["monthly_weekday"] = "monthly_weekday"
    week: Literal[1, 2, 3, 4, -1]  # -1 = last, as in "the last Friday"
    weekday: Weekday


class Yearly(_Repeating):
    kind: Literal["yearly"] = "yearly"


class RawRRule(_Input):
    kind: Literal["rrule"] = "rrule"
    rrule: str = Field(max_length=500)

    @field_validator("rrule")
    @classmethod
    def _valid(cls, text: str) -> str:
        try:
            return normalize_rule(text)
        except RecurrenceError as exc:
            raise ValueError(str(exc)) from exc


RecurrenceChoice = Annotated[
    NoRecurrence | Daily | Weekdays | Weekly | MonthlyByDay | MonthlyByWeekday | Yearly | RawRRule,
    Field(discriminator="kind"),
]


# ---- tasks --------------------------------------------------------------------------------


def _zone_from(info: ValidationInfo) -> str:
    zone = (info.context or {}).get("time_zone")
    if not zone:
        # A programming error, not bad input: say how to call it.
        raise RuntimeError("validate tasks with context={'time_zone': <user's IANA zone>}")
    return zone


def _in_range(value: date) -> None:
    if not YEAR_MIN <= value.year <= YEAR_MAX:
        raise ValueError(f"must be a date in the years {YEAR_MIN}-{YEAR_MAX}")


def _local_to_utc(value: datetime, info: ValidationInfo) -> datetime:
    _in_range(value)
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return to_utc_strict(value, get_zone(_zone_from(info)))  # ValueError names the time


class TaskCreate(_Input):
    """A whole task. Field order matters: later checks read earlier fields (info.data)."""

    title: Title
    description: Description = ""
    priority: Priority = Priority.MEDIUM
    tags: Tags = Field(default_factory=list)
    due: datetime | None = None
    recurrence: RecurrenceChoice = Field(default_factory=NoRecurrence)
    reminder: ReminderChoice = Field(default_factory=ReminderNone)

    @field_validator("due")
    @classmethod
    def _due_to_utc(cls, due: datetime | None, info: ValidationInfo) -> datetime | None:
        return None if due is None else _local_to_utc(due, info)

    @field_validator("recurrence")
    @classmethod
    def _needs_due(cls, rule: RecurrenceChoice, info: ValidationInfo) -> RecurrenceChoice:
        if "due" not in info.data or rule.kind == "none":
            return rule  # due itself was invalid (already reported), or nothing to check
        due: datetime | None = info.data["due"]
        if due is None:
            raise ValueError("a repeating task needs a due date")
        ends = getattr(rule, "ends", None)
        zone = get_zone(_zone_from(info))
        if isinstance(ends, EndOn) and ends.until < due.astimezone(zone).date():
            raise ValueError("the end date is before the due date")
        rrule = build_rrule(rule)
        if rrule and not occurs_within_horizon(rrule, due, zone.key):
            raise ValueError(
                f"the rule has no occurrence within {HORIZON_YEARS} years of the due date"
            )
        return rule

    @field_validator("reminder")
    @classmethod
    def _reminder_fits(cls, choice: ReminderChoice, info: ValidationInfo) -> ReminderChoice:
        if "due" not in info.data or choice.kind == "none":
            return choice
        due: datetime | None = info.data["due"]
        if isinstance(choice, ReminderAt):
            choice = ReminderAt(at=_local_to_utc(choice.at, info), snoozed=choice.snoozed)
            repeating = getattr(info.data.get("recurrence"), "kind", "none") != "none"
            if due is not None and choice.at > due and not repeating and not choice.snoozed:
                raise ValueError("the reminder is after the due date")
            if due is not None and abs(choice.at - due) > REMINDER_MAX_DISTANCE:
                raise ValueError("the reminder must be within a year of the due date")
        elif due is None:
            raise ValueError("this reminder needs a due date")
        return choice

    @property
    def due_at(self) -> datetime | None:
        return self.due

    @property
    def remind_at(self) -> datetime | None:
        return remind_at_for(self.reminder, self.due)

    @property
    def rrule(self) -> str | None:
        return build_rrule(self.recurrence)


def remind_at_for(choice: ReminderChoice, due_at: datetime | None) -> datetime | None:
    """The reminder instant (UTC) for a validated choice; "at" choices are already UTC."""
    if isinstance(choice, ReminderAt):
        return choice.at
    if due_at is None or isinstance(choice, ReminderNone):
        return None
    if isinstance(choice, ReminderBefore):
        return due_at - timedelta(minutes=choice.minutes)
    return due_at


def task_create(data: dict[str, Any], time_zone: str) -> TaskCreate:
    """Validate a new task for a user in `time_zone`; raises pydantic.ValidationError."""
    return TaskCreate.model_validate(data, context={"time_zone": time_zone})


async def task_create_off_loop(data: dict[str, Any], time_zone: str) -> TaskCreate:
    """task_create in a thread: checking that a rule ever occurs can take ~0.2 s of CPU
    (a rule whose days never come), too long for an event loop serving other requests."""
    return await asyncio.to_thread(task_create, data, time_zone)


class TaskUpdate(_Input):
    """A partial change: only the fields sent are changed (model_fields_set). `version` is
    the version the client last saw; the repository refuses the change if it moved on.
    Cross-field rules are checked on the merged task (repositories.tasks.update_task)."""

    version: int = Field(ge=1)
    title: Title | None = None
    description: Description | None = None
    priority: Priority | None = None
    tags: Tags | None = None
    due: datetime | None = None  # null clears the due date
    recurrence: RecurrenceChoice | None = None
    reminder: ReminderChoice | None = None

    @field_validator("title", "description", "priority", "tags", "recurrence", "reminder")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null; leave the field out to keep it")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields sent, in TaskCreate's input shape."""
        return self.model_dump(mode="json", exclude_unset=True, exclude={"version"})


# ---- snoozing a reminder ------------------------------------------------------------------

SNOOZE_MAX = timedelta(days=366)  # as far ahead as a reminder may be from its due date


class SnoozeRequest(_Input):
    """Snooze a task's reminder: by `minutes` from now, or `until` an instant (a wall-clock
    time in the user's zone, or with an offset). Exactly one of the two; `version` guards
    against a change made meanwhile, as for a PATCH. Validate with the context
    {"time_zone": …, "now": aware datetime}; `until` comes out in UTC."""

    minutes: int | None = Field(default=None, ge=1, le=int(SNOOZE_MAX.total_seconds() // 60))
    until: datetime | None = None
    version: int | None = Field(default=None, ge=1)

    @field_validator("until")
    @classmethod
    def _until_ahead(cls, until: datetime | None, info: ValidationInfo) -> datetime | None:
        if until is None:
            return None
        now: datetime = (info.context or {})["now"]
        until = _local_to_utc(until, info)
        if not now < until <= now + SNOOZE_MAX:
            raise ValueError("must be in the future and within a year")
        return until

    @model_validator(mode="after")
    def _one_of(self) -> "SnoozeRequest":
        if (self.minutes is None) == (self.until is None):
            raise ValueError("give either minutes or until")
        return self

    def instant(self, now: datetime) -> datetime:
        """The new reminder instant (UTC)."""
        if self.until is not None:
            return self.until
        return now + timedelta(minutes=self.minutes or 0)


# ---- the assistant -----------------------------------------------------------------------

CHAT_MAX = MAX_CHARS  # the parser's own limit
ChatText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=CHAT_MAX),
    AfterValidator(_no_nul),
]


class ChatMessage(_Input):
    """One message to the assistant; without a conversation id it starts a new one."""

    message: ChatText
    conversation_id: UUID | None = None


# ---- listing ------------------------------------------------------------------------------

SortKey = Literal["due", "priority", "created", "title"]
SortOrder = Literal["asc", "desc"]


class PageCursor(BaseModel):
    """Where a page ended: the sort key's value and the id of the last row (tie-breaker)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sort: SortKey
    order: SortOrder
    key: str | None  # the sort value as text (ISO time, enum value, lowercased title)
    id: UUID

    def encode(self) -> str:
        raw = json.dumps(self.model_dump(mode="json"), separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "PageCursor":
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            return cls.model_validate_json(raw)
        except (binascii.Error, ValueError, ValidationError) as exc:
            raise ValueError("not a cursor from this list") from exc


class ListQuery(_Input):
    q: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_no_nul)
        ]
        | None
    ) = None
    status: Status | None = None
    priority: Priority | None = None
    tag: Tag | None = None
    due: Literal["overdue", "today", "week", "none"] | None = None
    sort: SortKey = "due"
    order: SortOrder = "asc"
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = None

    @field_validator("q")
    @classmethod
    def _blank_is_none(cls, q: str | None) -> str | None:
        return q or None

    @field_validator("cursor")
    @classmethod
    def _cursor_matches(cls, cursor: str | None, info: ValidationInfo) -> str | None:
        if cursor is None:
            return None
        decoded = PageCursor.decode(cursor)
        if (decoded.sort, decoded.order) != (info.data.get("sort"), info.data.get("order")):
            raise ValueError("the cursor belongs to another sort order; start from page 1")
        return cursor

    @property
    def page_cursor(self) -> PageCursor | None:
        return PageCursor.decode(self.cursor) if self.cursor else None


def field_errors(error: ValidationError) -> dict[str, str]:
    """{"reminder.minutes": "Input should be ..."} for showing messages beside inputs."""
    return {
        ".".join(str(p) for p in e["loc"]): e["msg"].removeprefix("Value error, ")
        for e in error.errors()
    }
