"""Least privilege in the database, on the stack's own PostgreSQL: the apps' role reads and
writes the app's tables and changes no schema; Dapr's role has its schema and sees no app
table; the owner ran the migrations and owns what they made."""

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from psycopg import errors

from devstack.config import REPO_ROOT, StackConfig
from tests.integration.api_client import sign_up
from todo_core.migrate import downgrade_database_async

pytestmark = pytest.mark.integration

REFUSED_TO_THE_APP = [
    "CREATE TABLE planted (id int)",
    "CREATE TABLE public.planted (id int)",
    "DROP TABLE task",
    "ALTER TABLE task ADD COLUMN planted int",
    "CREATE INDEX planted ON task (title)",
    "TRUNCATE outbox",
    "CREATE SCHEMA planted",
    "CREATE TABLE dapr.planted (id int)",
    "SELECT * FROM dapr.state",
    "UPDATE alembic_version SET version_num = version_num",
]


@pytest.fixture
def app_conn(stack: StackConfig) -> Iterator[psycopg.Connection]:
    with psycopg.connect(stack.app_database_url("postgresql")) as conn:
        yield conn


@pytest.fixture
def dapr_conn(stack: StackConfig) -> Iterator[psycopg.Connection]:
    with psycopg.connect(stack.dapr_state_connection) as conn:
        yield conn


@pytest.fixture
def owner_conn(stack: StackConfig) -> Iterator[psycopg.Connection]:
    with psycopg.connect(stack.database_url("postgresql")) as conn:
        yield conn


def _refused(conn: psycopg.Connection, statement: str) -> str:
    """The error message of a statement the role may not run (its transaction rolled back)."""
    try:
        with pytest.raises(errors.InsufficientPrivilege) as refused:
            conn.execute(statement)
    finally:
        conn.rollback()
    return str(refused.value)


def _app_tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename <> 'alembic_version' ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize("statement", REFUSED_TO_THE_APP)
def test_the_app_role_can_change_no_schema_nor_read_daprs(
    app_conn: psycopg.Connection, statement: str
) -> None:
    message = _refused(app_conn, statement)
    assert "permission denied" in message or "must be owner" in message, message


def test_the_app_roles_are_plain_roles(owner_conn: psycopg.Connection, stack: StackConfig) -> None:
    rows = owner_conn.execute(
        "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolcanlogin "
        "FROM pg_roles WHERE rolname = ANY(%s) ORDER BY 1",
        ([stack.pg_app_user, stack.pg_dapr_user],),
    ).fetchall()
    assert rows == [
        (stack.pg_app_user, False, False, False, False, True),
        (stack.pg_dapr_user, False, False, False, False, True),
    ]


def test_the_app_role_reads_and_writes_every_app_table(
    app_conn: psycopg.Connection, owner_conn: psycopg.Connection, stack: StackConfig
) -> None:
    tables = _app_tables(owner_conn)
    assert {"user", "task", "outbox", "notification", "processed_event"} <= set(tables)
    for table in tables:
        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            allowed = owner_conn.execute(
                "SELECT has_table_privilege(%s, %s, %s)",
                (stack.pg_app_user, f'public."{table}"', privilege),
            ).fetchone()
            assert allowed == (True,), (table, privilege)
    # And for real, through a serial column's sequence too (outbox.id), then rolled back.
    user_id, task_id = uuid.uuid4(), uuid.uuid4()
    app_conn.execute(
        'INSERT INTO "user" (id, email, password_hash, display_name, time_zone) '
        "VALUES (%s, %s, 'x', 'Roles', 'UTC')",
        (user_id, f"roles-{user_id.hex[:8]}@example.com"),
    )
    app_conn.execute(
        "INSERT INTO task (id, user_id, title) VALUES (%s, %s, 'as the app')", (task_id, user_id)
    )
    app_conn.execute("UPDATE task SET title = 'changed' WHERE id = %s", (task_id,))
    app_conn.execute(
        "INSERT INTO outbox (topic, event_type, event_id, partition_key, payload) "
        "VALUES ('task-events', 'x', %s, 'k', '{}')",
        (uuid.uuid4(),),
    )
    app_conn.execute("DELETE FROM task WHERE id = %s", (task_id,))
    assert app_conn.execute("SELECT count(*) FROM task WHERE id = %s", (task_id,)).fetchone() == (
        0,
    )
    app_conn.rollback()


def test_a_table_a_later_migration_creates_is_the_app_roles_too(
    owner_conn: psycopg.Connection, stack: StackConfig
) -> None:
    """Default privileges: the owner's next table needs no grant of its own."""
    owner_conn.execute("CREATE TABLE later_table (id bigserial PRIMARY KEY, note text)")
    table = owner_conn.execute(
        "SELECT has_table_privilege(%s, 'later_table', 'SELECT, INSERT, UPDATE, DELETE')",
        (stack.pg_app_user,),
    ).fetchone()
    sequence = owner_conn.execute(
        "SELECT has_sequence_privilege(%s, 'later_table_id_seq', 'USAGE')", (stack.pg_app_user,)
    ).fetchone()
    ddl = owner_conn.execute(
        "SELECT has_table_privilege(%s, 'later_table', 'TRUNCATE')", (stack.pg_app_user,)
    ).fetchone()
    owner_conn.rollback()
    assert (table, sequence, ddl) == ((True,), (True,), (False,))


def test_the_dapr_role_cannot_read_the_app_tables(dapr_conn: psycopg.Connection) -> None:
    # Unqualified, the app's tables are not even found: a schema the role may not use is
    # left out of its search path.
    with pytest.raises(errors.UndefinedTable):
        dapr_conn.execute('SELECT * FROM "user"')
    dapr_conn.rollback()
    for statement in (
        'SELECT * FROM public."user"',
        "SELECT * FROM public.task",
        "SELECT * FROM public.outbox",
        'INSERT INTO public."user" (id) VALUES (gen_random_uuid())',
        "CREATE TABLE public.planted (id int)",
    ):
        assert "permission denied" in _refused(dapr_conn, statement), statement


def test_the_dapr_role_owns_the_state_table_and_sessions_are_there(
    dapr_conn: psycopg.Connection, stack: StackConfig
) -> None:
    sign_up(stack)  # a session: a row the web app's sidecar wrote as the Dapr role
    owners: dict[str, str] = dict(
        dapr_conn.execute(
            "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'dapr'"
        ).fetchall()
    )
    assert owners.get("state") == stack.pg_dapr_user, owners
    assert owners.get("dapr_metadata") == stack.pg_dapr_user, owners
    sessions = dapr_conn.execute(
        "SELECT count(*) FROM dapr.state WHERE key LIKE 'todo-web||session:%%'"
    ).fetchone()
    assert sessions is not None and sessions[0] >= 1


def test_the_running_apps_connect_as_their_roles(
    owner_conn: psycopg.Connection, stack: StackConfig
) -> None:
    """The web app, the worker and the sidecar hold pooled connections: whose are they?"""
    sign_up(stack).get("/api/tasks").raise_for_status()
    users = {
        row[0]
        for row in owner_conn.execute(
            "SELECT DISTINCT usename FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (stack.pg_database,),
        )
    }
    assert {stack.pg_app_user, stack.pg_dapr_user} <= users, users


async def test_migrations_ran_as_the_owner_and_the_app_role_cannot_run_them(
    owner_conn: psycopg.Connection, stack: StackConfig
) -> None:
    owners = {
        row[0]
        for row in owner_conn.execute(
            "SELECT tableowner FROM pg_tables WHERE schemaname = 'public'"
        )
    }
    assert owners == {stack.pg_user}
    head = ScriptDirectory.from_config(Config(str(REPO_ROOT / "alembic.ini"))).get_current_head()
    # A downgrade past 0006, as the app: refused, and nothing changes.
    with pytest.raises(Exception, match="permission denied|must be owner"):
        await downgrade_database_async(stack.app_database_url(), "0005")
    version = owner_conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert version == (head,)
