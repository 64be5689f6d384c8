"""The outbox keeps the W3C trace context of the request that wrote each event.

The relay publishes a row seconds (or, after an outage, minutes) after its request ended, in
another task or process; with the request's `traceparent` stored beside the row, the publish
and everything downstream (daprd's produce, the worker's handling) join the request's trace.
Rows from before this column, and rows written outside a sampled span, have none.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # 55 characters: version-traceid-spanid-flags (2+1+32+1+16+1+2).
    op.add_column("outbox", sa.Column("traceparent", sa.String(55)))


def downgrade() -> None:
    op.drop_column("outbox", "traceparent")
