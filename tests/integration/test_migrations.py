"""Migrations up and down on a scratch database, and the models agree with them."""

import warnings
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import todo_core.models  # noqa: F401  (registers the tables)
from todo_core.migrate import downgrade_database_async, upgrade_database_async

pytestmark = pytest.mark.integration
TABLES = {
    "user",
    "task",
    "notification",
    "outbox",
    "processed_event",
    "task_activity",
    "sign_in_ticket",
}


@pytest.fixture(scope="module")
async def scratch_url(db_url: str) -> AsyncIterator[str]:
    server = make_url(db_url)
    name = f"migrations_{server.database}_scratch"[:60]
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


def describe(conn: Connection) -> dict[str, object]:
    found = inspect(conn)
    return {
        "tables": set(found.get_table_names()) - {"alembic_version"},
        "schemas": set(found.get_schema_names()),
        "task_indexes": {i["name"] for i in found.get_indexes("task")}
        if found.has_table("task")
        else set(),
        "extensions": {row[0] for row in conn.execute(text("SELECT extname FROM pg_extension"))},
    }


def model_diff(conn: Connection) -> list:
    with warnings.catch_warnings():
        # Alembic cannot compare the trigram index's operator-class expression and says so.
        warnings.simplefilter("ignore", UserWarning)
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


async def inspect_db(url: str, what: Callable[[Connection], Any]) -> Any:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(what)
    finally:
        await engine.dispose()


async def test_upgrade_creates_everything_and_matches_the_models(scratch_url: str) -> None:
    await upgrade_database_async(scratch_url)
    state = await inspect_db(scratch_url, describe)
    assert state["tables"] == TABLES
    assert "dapr" in state["schemas"] and "pg_trgm" in state["extensions"]
    assert {
        "ix_task_user_status_due",
        "ix_task_user_created",
        "ix_task_user_priority",
        "ix_task_tags",
        "ix_task_search_trgm",
    } <= state["task_indexes"]
    assert await inspect_db(scratch_url, model_diff) == []


async def test_downgrade_removes_tables_and_upgrade_again_works(scratch_url: str) -> None:
    await upgrade_database_async(scratch_url)
    await downgrade_database_async(scratch_url, "base")
    state = await inspect_db(scratch_url, describe)
    assert state["tables"] == set()
    assert "dapr" in state["schemas"]  # Dapr's own data is never dropped by us
    await upgrade_database_async(scratch_url)
    assert (await inspect_db(scratch_url, describe))["tables"] == TABLES
