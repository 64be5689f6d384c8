"""Alembic environment, async-capable.

Where the connection comes from, in order:
1. `config.attributes["connection"]`: a sync Connection handed in by a caller that already
   has one (e.g. `await conn.run_sync(...)` from inside a running event loop; see
   todo_core.migrate);
2. `sqlalchemy.url` set on the Config (tests, `alembic -x`-free scripting);
3. DATABASE_URL through todo_core.settings (the CLI, the Helm migration Job).
"""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import todo_core.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from todo_core.pg_tls import engine_tls
from todo_core.settings import get_settings, to_asyncpg_url

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def _url() -> str:
    return to_asyncpg_url(config.get_main_option("sqlalchemy.url") or get_settings().database_url)


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    url, connect_args = engine_tls(_url())
    engine = create_async_engine(url, connect_args=connect_args, poolclass=NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
