"""Initial schema: users, tasks, notifications, outbox, processed events, task activity,
and the `dapr` schema for Dapr's PostgreSQL state store.

Search uses pg_trgm (a GIN trigram index on title || ' ' || description) rather than a
tsvector: people search todos by fragments ("meet" should find "meeting", "inv" an invoice
number), which ILIKE '%q%' on a trigram index serves in any language, while full-text search
matches whole (stemmed) words only. pg_trgm is a contrib extension available both locally
(Debian's postgresql-contrib) and on Neon, and CREATE EXTENSION needs only the database
owner there.

Revision ID: 0001
Revises:
Create Date: 2026-05-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRIORITY = pg.ENUM("low", "medium", "high", name="task_priority", create_type=False)
STATUS = pg.ENUM("open", "done", name="task_status", create_type=False)
PENDING = sa.text("published_at IS NULL")


def _ts(name: str, nullable: bool = True, now: bool = False) -> sa.Column:
    default = sa.text("now()") if now else None
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, server_default=default)


def _user_fk() -> sa.Column:
    return sa.Column(
        "user_id", pg.UUID(), sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False
    )


def _create_user() -> None:
    op.create_table(
        "user",
        sa.Column("id", pg.UUID(), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        _ts("created_at", False, True),
        _ts("updated_at", False, True),
        sa.CheckConstraint("email = lower(email)", name="ck_user_email_lower"),
    )


def _create_task() -> None:
    op.create_table(
        "task",
        sa.Column("id", pg.UUID(), primary_key=True),
        _user_fk(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False, server_default=sa.text("''")),
        sa.Column("priority", PRIORITY, nullable=False, server_default="medium"),
        sa.Column("tags", pg.ARRAY(sa.Text()), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("status", STATUS, nullable=False, server_default="open"),
        _ts("due_at"),
        _ts("remind_at"),
        sa.Column(
            "reminder",
            pg.JSONB(),
            nullable=False,
            server_default=sa.text("""'{"kind": "none"}'"""),
        ),
        sa.Column("recurrence", sa.Text(), nullable=True),
        sa.Column("series_id", pg.UUID(), nullable=True),
        _ts("completed_at"),
        _ts("created_at", False, True),
        _ts("updated_at", False, True),
        sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
        sa.UniqueConstraint("series_id", "due_at", name="uq_task_series_due"),
        sa.CheckConstraint("version >= 1", name="ck_task_version_positive"),
    )
    # One index per list query: status filter + due sort, due sort, created sort,
    # priority sort, title sort, tag filter, text search.
    op.create_index("ix_task_user_status_due", "task", ["user_id", "status", "due_at"])
    op.create_index("ix_task_user_due", "task", ["user_id", "due_at"])
    op.create_index("ix_task_user_created", "task", ["user_id", "created_at"])
    op.create_index("ix_task_user_priority", "task", ["user_id", "priority"])
    op.create_index("ix_task_user_title", "task", ["user_id", sa.text("lower(title)")])
    op.create_index("ix_task_tags", "task", ["tags"], postgresql_using="gin")
    op.execute(
        "CREATE INDEX ix_task_search_trgm ON task "
        "USING gin ((title || ' ' || description) gin_trgm_ops)"
    )


def _create_notification() -> None:
    op.create_table(
        "notification",
        sa.Column("id", pg.UUID(), primary_key=True),
        _user_fk(),
        sa.Column("task_id", pg.UUID(), nullable=False),
        _ts("remind_at", False),
        sa.Column("title", sa.String(200), nullable=False),
        _ts("created_at", False, True),
        _ts("read_at"),
        sa.UniqueConstraint("task_id", "remind_at", name="uq_notification_task_remind"),
    )
    op.create_index("ix_notification_user_created", "notification", ["user_id", "created_at"])


def _create_outbox() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("event_id", pg.UUID(), nullable=False, unique=True),
        sa.Column("partition_key", sa.String(100), nullable=False),
        sa.Column("payload", pg.JSONB(), nullable=False),
        _ts("created_at", False, True),
        _ts("published_at"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text(), nullable=True),
        _ts("available_at", False, True),
    )
    op.create_index("ix_outbox_pending", "outbox", ["id"], postgresql_where=PENDING)
    op.create_index(
        "ix_outbox_pending_key",
        "outbox",
        ["topic", "partition_key", "id"],
        postgresql_where=PENDING,
    )


def _create_processed_and_activity() -> None:
    op.create_table(
        "processed_event",
        sa.Column("event_id", pg.UUID(), primary_key=True),
        sa.Column("handler", sa.String(100), primary_key=True),
        _ts("processed_at", False, True),
    )
    op.create_table(
        "task_activity",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("task_id", pg.UUID(), nullable=False),
        _user_fk(),
        sa.Column("event_id", pg.UUID(), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        _ts("occurred_at", False),
        sa.Column("snapshot", pg.JSONB(), nullable=False),
    )
    op.create_index("ix_task_activity_task_occurred", "task_activity", ["task_id", "occurred_at"])


def upgrade() -> None:
    # Dapr's state.postgresql component (tablePrefix "dapr.") keeps its tables here.
    op.execute("CREATE SCHEMA IF NOT EXISTS dapr")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    PRIORITY.create(op.get_bind(), checkfirst=True)
    STATUS.create(op.get_bind(), checkfirst=True)
    _create_user()
    _create_task()
    _create_notification()
    _create_outbox()
    _create_processed_and_activity()


def downgrade() -> None:
    # Schema `dapr` (Dapr's own state) and the pg_trgm extension are left in place: they
    # may hold data or serve others, and upgrade() creates both only if missing.
    for table in ("task_activity", "processed_event", "outbox", "notification", "task", "user"):
        op.drop_table(table)
    STATUS.drop(op.get_bind(), checkfirst=True)
    PRIORITY.drop(op.get_bind(), checkfirst=True)
