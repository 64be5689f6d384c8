"""Sessions a user can end: `user.sessions_valid_after`; sign-in tickets redeemed atomically.

A password change or "sign out everywhere" sets it; a session created before it is over,
wherever it is presented (API, websocket UI). NULL for existing users: their sessions stand.

`sign_in_ticket` replaces the `ticket:{hash}` key in the Dapr state store, whose read-then-
delete let two concurrent redemptions both succeed (a delete guarded by its ETag would be
atomic, but every lost race then counts as a store failure towards the sidecar's circuit
breaker: anyone could open it and stop every session read).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("user", sa.Column("sessions_valid_after", sa.DateTime(timezone=True)))
    op.create_table(
        "sign_in_ticket",
        sa.Column("ticket_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id",
            postgresql.UUID(),
            sa.ForeignKey("user.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sign_in_ticket")
    op.drop_column("user", "sessions_valid_after")
