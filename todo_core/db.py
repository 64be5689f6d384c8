"""Async engine and sessions (SQLModel over SQLAlchemy asyncio + asyncpg)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_core.settings import get_settings, to_asyncpg_url

SessionFactory = async_sessionmaker[AsyncSession]


def create_engine(url: str, *, pool_size: int = 5, echo: bool = False) -> AsyncEngine:
    """A new engine; pool_pre_ping survives database restarts and idle-connection reaping."""
    return create_async_engine(
        to_asyncpg_url(url), pool_size=pool_size, pool_pre_ping=True, echo=echo
    )


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    # expire_on_commit=False: objects stay readable after commit (handlers return them).
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


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
