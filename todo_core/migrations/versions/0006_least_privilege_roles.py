"""Least privilege: the apps' role gets DML on the app's tables, Dapr's role its own schema.

The owner, who runs these migrations, keeps DDL; the apps and the state store get no more
than their work needs.

- `DB_APP_ROLE` (todo_app): USAGE on schema public, SELECT/INSERT/UPDATE/DELETE on every
  table in it (alembic_version: SELECT only) and USAGE/SELECT on its sequences. Default
  privileges give the same on every table and sequence the owner creates later, so a new
  migration's table is reachable without a grant of its own. No CREATE anywhere, no
  TRUNCATE, no schema dapr.
- `DB_DAPR_ROLE` (todo_dapr): USAGE and CREATE on schema dapr (the state store creates and
  migrates its own tables there), and ownership of any Dapr table an earlier release made as
  the owner. No USAGE on schema public, so no app table, whatever is granted on it later.
- PUBLIC loses its default USAGE on schema public (and CREATE, which PostgreSQL < 15 gave).

The roles themselves (LOGIN, passwords) are made before this runs, by whoever holds
CREATEROLE: devstack, the chart's local PostgreSQL, or the operator on Neon
(deploy/helm/todo/files/db-roles.sql, docs/deploy.md "Database roles"). They are
cluster-wide; this migration, per database, only grants.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from todo_core.settings import get_settings

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DML = "SELECT, INSERT, UPDATE, DELETE"


def _roles() -> tuple[str, str]:
    """The two role names; Settings allows only plain lower-case identifiers, so they go into
    the statements unquoted."""
    settings = get_settings()
    app, dapr = settings.db_app_role, settings.db_dapr_role
    found = {
        row[0]
        for row in op.get_bind().execute(
            sa.text("SELECT rolname FROM pg_roles WHERE rolname IN (:app, :dapr)"),
            {"app": app, "dapr": dapr},
        )
    }
    missing = [name for name in (app, dapr) if name not in found]
    if missing:
        raise RuntimeError(
            f"database role(s) {', '.join(missing)} missing: create them first "
            "(deploy/helm/todo/files/db-roles.sql; docs/deploy.md 'Database roles')"
        )
    return app, dapr


def _dapr_tables_to(owner: str) -> None:
    """Hand every table in schema dapr to `owner` (its indexes and identity sequences go
    with it): the state store migrates its own table (ALTER TABLE) on a later Dapr release."""
    # `owner` is a validated role name in quotes, or current_user: nothing from outside.
    op.execute(
        f"""
        DO $$
        DECLARE t record;
        BEGIN
          FOR t IN SELECT c.relname FROM pg_class c
                   JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = 'dapr' AND c.relkind IN ('r', 'p')
                     AND pg_get_userbyid(c.relowner) <> {owner}
          LOOP
            EXECUTE format('ALTER TABLE dapr.%I OWNER TO %I', t.relname, {owner});
          END LOOP;
        END $$
        """  # noqa: S608
    )


def upgrade() -> None:
    app, dapr = _roles()
    op.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {app}")
    op.execute(f"GRANT {DML} ON ALL TABLES IN SCHEMA public TO {app}")
    # The migrations' own bookkeeping: the app may read its version, never move it.
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {app}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}")
    # For what the owner (the role running this) creates from now on.
    defaults = "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
    op.execute(f"{defaults} GRANT {DML} ON TABLES TO {app}")
    op.execute(f"{defaults} GRANT USAGE, SELECT ON SEQUENCES TO {app}")

    op.execute(f"GRANT USAGE, CREATE ON SCHEMA dapr TO {dapr}")
    _dapr_tables_to(f"'{dapr}'")


def downgrade() -> None:
    app, dapr = _roles()
    _dapr_tables_to("current_user")
    op.execute(f"REVOKE ALL ON SCHEMA dapr FROM {dapr}")

    defaults = "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
    op.execute(f"{defaults} REVOKE ALL ON SEQUENCES FROM {app}")
    op.execute(f"{defaults} REVOKE ALL ON TABLES FROM {app}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {app}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {app}")
    op.execute(f"REVOKE ALL ON SCHEMA public FROM {app}")
    op.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
