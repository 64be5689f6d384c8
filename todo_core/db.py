"""Async engine and sessions (SQLModel over SQLAlchemy asyncio + asyncpg)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache

import sqlalchemy.ext.asyncio as sa_asyncio
from sqlalchemy import event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_core.pg_tls import engine_tls
from todo_core.settings import get_settings, to_asyncpg_url

SessionFactory = async_sessionmaker[AsyncSession]

# Below the idle timeouts of hosted PostgreSQL and its proxies, so a connection they may
# have dropped without a word is replaced before anyone uses it.
POOL_RECYCLE_SECONDS = 240


def create_engine(
    url: str, *, pool_size: int = 5, max_overflow: int = 10, echo: bool = False
) -> AsyncEngine:
    """A new engine that survives database restarts and idle-connection reaping.

    Not pool_pre_ping: with asyncpg it costs three round trips (BEGIN, ping, ROLLBACK) on
    every checkout, several per API request. A server that restarts or reaps closes its
    end, which asyncpg sees without a round trip (checked at checkout); pool_recycle
    covers connections dropped silently; anything else fails one statement, after which
    SQLAlchemy replaces the whole pool.
    """
    # Looked up at call time: tracing (todo_core.telemetry) wraps the module's function after
    # this module is imported, and every engine must be traced.
    tls_url, connect_args = engine_tls(to_asyncpg_url(url))
    engine = sa_asyncio.create_async_engine(
        tls_url,
        connect_args=connect_args,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_recycle=POOL_RECYCLE_SECONDS,
        echo=echo,
    )
    event.listen(engine.sync_engine, "checkout", _replace_if_closed)
    return engine


def _replace_if_closed(
    _dbapi_connection: object, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
) -> None:
    if record.driver_connection is not None and record.driver_connection.is_closed():
        # The pool discards this connection and checks out (or opens) another one.
        raise DisconnectionError("the server closed this connection")


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    # expire_on_commit=False: objects stay readable after commit (handlers return them).
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def create_autocommit_session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions whose statements each commit on their own: for work that is one statement,
    it saves the BEGIN and COMMIT round trips (same pool as `engine`)."""
    return create_session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))


@lru_cache(maxsize=1)
def get_engine() -> AsyncEngine:
    """The process-wide engine built from settings."""
    settings = get_settings()
    return create_engine(
        settings.database_url, pool_size=settings.db_pool_size, echo=settings.db_echo
    )


@lru_cache(maxsize=1)
def get_session_factory() -> SessionFactory:
    return create_session_factory(get_engine())


@asynccontextmanager
async def session_scope(factory: SessionFactory | None = None) -> AsyncIterator[AsyncSession]:
    """One transaction: commit when the block ends, roll back if it raises."""
    factory = factory or get_session_factory()
    async with factory() as session, session.begin():
        yield session


async def database_reachable(engine: AsyncEngine, within_seconds: float = 2.0) -> bool:
    """Whether PostgreSQL answers a trivial query in time."""
    try:
        async with asyncio.timeout(within_seconds), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 (any failure means not reachable)
        return False
    return True
