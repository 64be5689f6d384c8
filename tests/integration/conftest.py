"""Fixtures for tests that run the web app's own code in this process against the stack."""

from collections.abc import AsyncIterator

import pytest

from devstack.config import StackConfig


@pytest.fixture
async def app_database(stack: StackConfig, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """This process reads and writes the stack's database as a web replica does."""
    from todo_core import db
    from todo_core.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", stack.app_database_url())
    for cached in (get_settings, db.get_engine, db.get_session_factory):
        cached.cache_clear()
    yield
    await db.get_engine().dispose()
    for cached in (get_settings, db.get_engine, db.get_session_factory):
        cached.cache_clear()
