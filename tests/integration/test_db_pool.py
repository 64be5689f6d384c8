"""The connection pool against a real PostgreSQL: a pooled connection the server closed is
replaced at checkout (no pre-ping round trips), so no statement fails for it."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from todo_core.db import create_engine

pytestmark = pytest.mark.integration


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_url, pool_size=1)
    yield engine
    await engine.dispose()


async def backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()


async def terminate(db_url: str, pid: int) -> None:
    """What a server restart or an idle reaper does to the pooled connection."""
    admin = create_engine(db_url)
    try:
        async with admin.connect() as conn:
            # The second argument waits until the backend is gone (PostgreSQL ≥ 14).
            await conn.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})
    finally:
        await admin.dispose()


async def test_a_connection_closed_by_the_server_is_replaced_at_checkout(
    engine: AsyncEngine, db_url: str
) -> None:
    first = await backend_pid(engine)
    await terminate(db_url, first)
    await asyncio.sleep(0.2)  # lets the event loop read the server's goodbye on the socket
    second = await backend_pid(engine)  # would raise "connection is closed" if reused
    assert second != first
