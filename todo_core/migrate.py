"""Run Alembic migrations from code (tests, start-up checks); the CLI is `alembic upgrade head`.

`upgrade_database_async` works inside a running event loop (pytest-asyncio, the app's
lifespan): it hands Alembic a sync connection through `run_sync`, so env.py never calls
asyncio.run() on top of the running loop.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from todo_core.pg_tls import engine_tls
from todo_core.settings import to_asyncpg_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """A Config that does not need alembic.ini (works from an installed package too)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", to_asyncpg_url(url).replace("%", "%%"))
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    """Upgrade from synchronous code (no event loop running in this thread)."""
    command.upgrade(alembic_config(url), revision)


def downgrade_database(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


async def _with_connection(url: str, revision: str, up: bool) -> None:
    config = alembic_config()

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        if up:
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)

    tls_url, connect_args = engine_tls(to_asyncpg_url(url))
    engine = create_async_engine(tls_url, connect_args=connect_args, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()


async def upgrade_database_async(url: str, revision: str = "head") -> None:
    await _with_connection(url, revision, up=True)


async def downgrade_database_async(url: str, revision: str) -> None:
    await _with_connection(url, revision, up=False)
