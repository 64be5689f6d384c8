"""What every open tab of a user polls for, read once per second per user and process.

Each tab's live loop (states/live.py) asks for the user's unread notifications and task
fingerprint every second. Asked of the database per tab, ten tabs cost twenty queries a
second; here the tabs of one user share one read: a fresh answer is served from memory,
and while a read is under way every other tab awaits that same read. So the cost grows
with the users who have a tab open in this process, not with their tabs.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

# A user whose last answer is older than this has no tab polling any more: forgotten.
FORGET_SECONDS = 120.0


@dataclass(frozen=True)
class Snapshot:
    unread: list[Any]  # the user's unread notifications, newest first
    mark: str  # changes whenever any of the user's tasks changes
    read_at: float  # time.monotonic() of the read
    # time.time() when the read began: what a tab changed after it may be missing (the tab
    # may be served by another process, so this is the wall clock, not the monotonic one).
    began: float = 0.0


Fetch = Callable[[UUID], Awaitable[tuple[list[Any], str]]]


class LiveFeed:
    def __init__(self, fetch: Fetch, max_age: float) -> None:
        self._fetch = fetch
        self._max_age = max_age
        self._latest: dict[UUID, Snapshot] = {}
        self._reading: dict[UUID, asyncio.Future[Snapshot]] = {}

    async def get(self, user_id: UUID) -> Snapshot:
        """The user's snapshot, at most `max_age` seconds old. A failed read raises in
        every tab that waited for it, and the next call tries again."""
        latest = self._latest.get(user_id)
        if latest is not None and time.monotonic() - latest.read_at < self._max_age:
            return latest
        reading = self._reading.get(user_id)
        if reading is None:
            reading = asyncio.ensure_future(self._read(user_id))
            self._reading[user_id] = reading
        # shield: one tab going away must not cancel the read the others wait for.
        return await asyncio.shield(reading)

    async def _read(self, user_id: UUID) -> Snapshot:
        try:
            began = time.time()
            unread, mark = await self._fetch(user_id)
            snapshot = Snapshot(unread, mark, time.monotonic(), began)
            self._latest[user_id] = snapshot
            self._forget_idle(snapshot.read_at)
            return snapshot
        finally:
            del self._reading[user_id]

    def _forget_idle(self, now: float) -> None:
        idle = [u for u, s in self._latest.items() if now - s.read_at > FORGET_SECONDS]
        for user_id in idle:
            del self._latest[user_id]

    @property
    def users(self) -> int:
        return len(self._latest)
