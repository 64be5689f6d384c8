"""The live feed's cost grows with users, not with their open tabs (a fake read, counted)."""

import asyncio
from uuid import UUID, uuid4

import pytest

from todo_web.live_feed import LiveFeed


class FakeReads:
    """Stands in for the database: counts reads per user, each taking a little while."""

    def __init__(self, fail: bool = False) -> None:
        self.count: dict[UUID, int] = {}
        self.fail = fail

    async def __call__(self, user_id: UUID) -> tuple[list[object], str]:
        self.count[user_id] = self.count.get(user_id, 0) + 1
        await asyncio.sleep(0.01)
        if self.fail:
            raise ConnectionError("database away")
        return [f"note of {user_id}"], f"mark {self.count[user_id]}"


async def test_a_hundred_tabs_of_one_user_cost_one_read_a_poll() -> None:
    reads = FakeReads()
    feed = LiveFeed(reads, max_age=0.2)
    alice, bob = uuid4(), uuid4()
    for _ in range(3):  # three polls
        tabs = [feed.get(alice) for _ in range(100)] + [feed.get(bob) for _ in range(5)]
        snapshots = await asyncio.gather(*tabs)
        assert {s.unread[0] for s in snapshots[:100]} == {f"note of {alice}"}
        assert {s.unread[0] for s in snapshots[100:]} == {f"note of {bob}"}
        await asyncio.sleep(0.25)
    assert reads.count == {alice: 3, bob: 3}


async def test_a_failed_read_reaches_every_waiting_tab_and_is_tried_again() -> None:
    reads = FakeReads(fail=True)
    feed = LiveFeed(reads, max_age=0.2)
    user = uuid4()
    results = await asyncio.gather(*(feed.get(user) for _ in range(10)), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    reads.fail = False
    assert (await feed.get(user)).mark == "mark 2"


async def test_a_tab_that_goes_away_does_not_cancel_the_read_of_the_others() -> None:
    feed = LiveFeed(FakeReads(), max_age=0.2)
    user = uuid4()
    leaving = asyncio.ensure_future(feed.get(user))
    staying = asyncio.ensure_future(feed.get(user))
    await asyncio.sleep(0)
    leaving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leaving
    assert (await staying).unread == [f"note of {user}"]
