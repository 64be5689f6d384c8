"""Database tables (SQLModel). Migration 0001 creates exactly these; a test compares them."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import UUID as PGUUID
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Priority(StrEnum):
    # Declaration order is the sort order of the PostgreSQL enum: low < medium < high.
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Status(StrEnum):
    OPEN = "open"
    DONE = "done"


def _enum(enum: type[StrEnum], name: str) -> SAEnum:
    # Store the lowercase values ("high"), not the member names ("HIGH").
    return SAEnum(enum, name=name, values_callable=lambda e: [m.value for m in e])


def _ts(nullable: bool = True, now_default: bool = False) -> Column[Any]:
    return Column(
        DateTime(timezone=True),
        nullable=nullable,
        server_default=text("now()") if now_default else None,
    )


# The search expression. The trigram index is built on exactly this text, and queries use
# the same literal SQL (not a bound ' ' parameter) so the planner can match the index.
SEARCH_EXPRESSION = "(title || ' ' || description)"


class User(SQLModel, table=True):
    __tablename__ = "user"
    __table_args__ = (CheckConstraint("email = lower(email)", name="ck_user_email_lower"),)

    id: UUID = Field(default_factory=uuid4, sa_column=Column(PGUUID, primary_key=True))
    # Stored case-folded (lowercase), so the plain unique index is a case-insensitive one.
    email: str = Field(sa_column=Column(String(320), nullable=False, unique=True))
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    display_name: str = Field(sa_column=Column(String(100), nullable=False))
    time_zone: str = Field(default="UTC", sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False, True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False, True))
    # Sessions created before this instant are over (password change, sign-out everywhere);
    # NULL: every unexpired session counts.
    sessions_valid_after: datetime | None = Field(default=None, sa_column=_ts(True, False))


class SignInTicket(SQLModel, table=True):
    """A one-time sign-in ticket (the web UI's hand-over from its websocket to the HTTP
    response that sets the cookie), stored hashed. Redeemed by one DELETE … RETURNING, so of
    any number of concurrent redemptions exactly one gets the user."""

    __tablename__ = "sign_in_ticket"

    ticket_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    user_id: UUID = Field(
        sa_column=Column(PGUUID, ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    )
    expires_at: datetime = Field(sa_column=_ts(False))


class Task(SQLModel, table=True):
    __tablename__ = "task"
    __table_args__ = (
        # Recurrence idempotency: one task per series and due time, however often the
        # worker sees the same recurring.completed event.
        UniqueConstraint("series_id", "due_at", name="uq_task_series_due"),
        Index("ix_task_user_status_due", "user_id", "status", "due_at"),
        Index("ix_task_user_due", "user_id", "due_at"),
        Index("ix_task_user_created", "user_id", "created_at"),
        Index("ix_task_user_priority", "user_id", "priority"),
        Index("ix_task_user_title", "user_id", text("lower(title)")),
        Index("ix_task_tags", "tags", postgresql_using="gin"),
        # A reminder trigger finds the open tasks due in its second (worker/jobs.py).
        Index(
            "ix_task_open_remind",
            "remind_at",
            postgresql_where=text("status = 'open' AND remind_at IS NOT NULL"),
        ),
        Index(
            "ix_task_search_trgm",
            text(f"{SEARCH_EXPRESSION} gin_trgm_ops"),
            postgresql_using="gin",
        ),
        CheckConstraint("version >= 1", name="ck_task_version_positive"),
    )

    id: UUID = Field(default_factory=uuid4, sa_column=Column(PGUUID, primary_key=True))
    user_id: UUID = Field(
        sa_column=Column(PGUUID, ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    )
    title: str = Field(sa_column=Column(String(200), nullable=False))
    description: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default=text("''"))
    )
    priority: Priority = Field(
        default=Priority.MEDIUM,
        sa_column=Column(_enum(Priority, "task_priority"), nullable=False, server_default="medium"),
    )
    tags: list[str] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(Text), nullable=False, server_default=text("'{}'")),
    )
    status: Status = Field(
        default=Status.OPEN,
        sa_column=Column(_enum(Status, "task_status"), nullable=False, server_default="open"),
    )
    due_at: datetime | None = Field(default=None, sa_column=_ts())
    remind_at: datetime | None = Field(default=None, sa_column=_ts())
    # The user's reminder choice as given (validation.ReminderChoice JSON); remind_at is
    # derived from it and the due date.
    reminder: dict[str, Any] = Field(
        default_factory=lambda: {"kind": "none"},
        sa_column=Column(JSONB, nullable=False, server_default=text("""'{"kind": "none"}'""")),
    )
    recurrence: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    series_id: UUID | None = Field(default=None, sa_column=Column(PGUUID, nullable=True))
    completed_at: datetime | None = Field(default=None, sa_column=_ts())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False, True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False, True))
    version: int = Field(
        default=1, sa_column=Column(Integer, nullable=False, server_default=text("1"))
    )


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("task_id", "remind_at", name="uq_notification_task_remind"),
        Index("ix_notification_user_created", "user_id", "created_at"),
        Index(
            "ix_notification_unpushed",
            "created_at",
            postgresql_where=text("pushed_at IS NULL"),
        ),
    )

    id: UUID = Field(default_factory=uuid4, sa_column=Column(PGUUID, primary_key=True))
    user_id: UUID = Field(
        sa_column=Column(PGUUID, ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    )
    # No foreign key to task: a reminder may fire just as its task is deleted, and the
    # notification (with its copied title) is a record of what was shown.
    task_id: UUID = Field(sa_column=Column(PGUUID, nullable=False))
    remind_at: datetime = Field(sa_column=_ts(False))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False, True))
    read_at: datetime | None = Field(default=None, sa_column=_ts())
    # When the push went out (NULL: not yet; the worker's push sweep sends it).
    pushed_at: datetime | None = Field(default=None, sa_column=_ts())


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        # The relay only ever reads unpublished rows; partial indexes stay small.
        Index("ix_outbox_pending", "id", postgresql_where=text("published_at IS NULL")),
        Index(
            "ix_outbox_pending_key",
            "topic",
            "partition_key",
            "id",
            postgresql_where=text("published_at IS NULL"),
        ),
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True)
    )
    topic: str = Field(sa_column=Column(String(100), nullable=False))
    event_type: str = Field(sa_column=Column(String(100), nullable=False))
    event_id: UUID = Field(sa_column=Column(PGUUID, nullable=False, unique=True))
    # The task id: Kafka keeps order per key, the relay keeps order per (topic, key).
    partition_key: str = Field(sa_column=Column(String(100), nullable=False))
    payload: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False, True))
    published_at: datetime | None = Field(default=None, sa_column=_ts())
    attempts: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default=text("0"))
    )
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Backoff: the row is not retried before this time.
    available_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False, True))


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "processed_event"

    event_id: UUID = Field(sa_column=Column(PGUUID, primary_key=True))
    handler: str = Field(sa_column=Column(String(100), primary_key=True))
    processed_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False, True))


class TaskActivity(SQLModel, table=True):
    __tablename__ = "task_activity"
    __table_args__ = (Index("ix_task_activity_task_occurred", "task_id", "occurred_at"),)

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True)
    )
    # No foreign key to task: task.deleted arrives after the task is gone, and the history
    # outlives it.
    task_id: UUID = Field(sa_column=Column(PGUUID, nullable=False))
    user_id: UUID = Field(
        sa_column=Column(PGUUID, ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    )
    event_id: UUID = Field(sa_column=Column(PGUUID, nullable=False, unique=True))
    event_type: str = Field(sa_column=Column(String(100), nullable=False))
    occurred_at: datetime = Field(sa_column=_ts(False))
    snapshot: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
