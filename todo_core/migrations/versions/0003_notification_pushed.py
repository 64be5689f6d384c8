"""The push outbox: when each notification's push went out.

A trigger records its notifications and commits, then sends their pushes and marks them
pushed; a worker killed in between leaves rows with pushed_at NULL, which the worker's push
sweep sends later. So a push goes out at least once (its notification id lets a receiver
drop a repeat). Rows from before this column were pushed when they were recorded.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("notification", sa.Column("pushed_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE notification SET pushed_at = created_at")
    op.create_index(
        "ix_notification_unpushed",
        "notification",
        ["created_at"],
        postgresql_where=sa.text("pushed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_notification_unpushed", table_name="notification")
    op.drop_column("notification", "pushed_at")
