"""The live feed's cost grows with users, not with their open tabs (a fake read, counted),
and a tab does not take back its own change from a snapshot read before it."""

import asyncio
import time
from uuid import UUID, uuid4

import pytest

from todo_web.live_feed import LiveFeed, Snapshot
from todo_web.states.notifications import NotificationState


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


async def test_a_snapshot_knows_when_its_read_began() -> None:
    """A change a tab makes while the read is under way may be missing from it."""
    changed: list[float] = []

    async def read_during_a_change(user_id: UUID) -> tuple[list[object], str]:
        await asyncio.sleep(0.01)
        changed.append(time.time())  # e.g. the user snoozes a reminder now
        await asyncio.sleep(0.01)
        return ["the reminder, still unread"], "mark"

    snapshot = await LiveFeed(read_during_a_change, max_age=0.2).get(uuid4())
    assert snapshot.began < changed[0]


class FakeBell:
    """Stands in for NotificationState: what apply_feed reads and calls."""

    def __init__(self, changed_at: float) -> None:
        self._changed_at = changed_at
        self.shown: list[object] | None = None

    def apply(self, rows: list[object]) -> list[object]:
        self.shown = rows
        return []


def test_the_bell_skips_a_snapshot_read_before_its_last_change() -> None:
    # Reflex makes the method an EventHandler; .fn is the function as written.
    apply_feed = NotificationState.apply_feed.fn  # type: ignore[attr-defined]
    stale = Snapshot(["snoozed a moment ago"], "m", read_at=0.0, began=100.0)
    bell = FakeBell(changed_at=100.5)
    apply_feed(bell, stale)
    assert bell.shown is None  # the user's snooze stays put
    fresh = Snapshot(["another"], "m", read_at=0.0, began=101.0)
    apply_feed(bell, fresh)
    assert bell.shown == ["another"]
