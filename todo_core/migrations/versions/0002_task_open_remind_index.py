"""An index for reminder triggers: open tasks by remind_at.

A trigger covers one second (and one shard) of reminders and selects the open tasks due in
it (worker/jobs.py); without this index each trigger scans the whole task table.

Built in the migration's transaction, which blocks writes to `task` while it builds (seconds
for a million rows here). For a much larger table, build it by hand first with CREATE INDEX
CONCURRENTLY under the same name: IF NOT EXISTS then makes this a no-op.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_task_open_remind",
        "task",
        ["remind_at"],
        postgresql_where=sa.text("status = 'open' AND remind_at IS NOT NULL"),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_index("ix_task_open_remind", table_name="task", if_exists=True)
