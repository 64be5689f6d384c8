"""One background loop per open tab: every second it takes the user's unread notifications
and task fingerprint from the process's shared feed (one database read per user and second,
however many tabs the user has open: todo_web/live_feed.py) and pushes changes to the page.
Reads happen outside the state lock; only applying them takes it, so the user's own clicks
are not held up."""

import asyncio
import itertools
from typing import Any
from uuid import UUID

import reflex as rx
from loguru import logger

from todo_core.settings import get_settings
from todo_web.dapr_state import SidecarUnavailable
from todo_web.live_feed import LiveFeed
from todo_web.states.auth import AuthState
from todo_web.states.notifications import NotificationState, unread
from todo_web.states.tasks import TasksState, fingerprint
from todo_web.states.views import DB_ERRORS

POLL_SECONDS = 1.0


async def _read(user_id: UUID) -> tuple[list[Any], str]:
    return await unread(user_id), await fingerprint(user_id)


FEED = LiveFeed(_read, max_age=POLL_SECONDS * 0.9)
# A tab that has been gone this long (closed, or its socket dropped for good) stops its loop;
# a reconnect within this time (server blip, network) keeps it.
GONE_SECONDS = 60
# tab token -> the generation of its loop. The page starts a loop when it mounts, and again
# after a reload or reconnect; the newest one runs and retires the older (which may already
# have been cancelled with its socket).
_loops: dict[str, int] = {}
_generations = itertools.count(1)  # process-wide, so a number is never reused


def _connected(token: str) -> bool:
    from reflex.utils.prerequisites import get_app

    namespace = get_app().app.event_namespace
    return namespace is None or token in namespace.token_to_sid


class LiveState(AuthState):
    @rx.event(background=True)
    async def watch(self, source: str = "") -> Any:
        async with self:
            user_id, token = self.user_id, self.router.session.client_token
        if not user_id:
            return
        generation = _loops[token] = next(_generations)
        logger.info("live loop {} started for tab {} ({})", generation, token[:8], source)
        user, gone, checked = UUID(user_id), 0.0, 0.0
        recheck = get_settings().session_recheck_seconds
        try:
            while gone < GONE_SECONDS and _loops.get(token) == generation:
                await asyncio.sleep(POLL_SECONDS)
                gone = 0.0 if _connected(token) else gone + POLL_SECONDS
                checked += POLL_SECONDS
                if checked >= recheck:
                    checked = 0.0
                    if not await self._session_still_counts():
                        yield AuthState.session_gone
                        break
                try:
                    snapshot = await FEED.get(user)
                except DB_ERRORS as exc:
                    logger.warning("live poll: database unavailable ({})", exc)
                    continue
                async with self:
                    if self.user_id != user_id:
                        break  # signed out (or in as someone else) in this tab
                    notes = await self.get_state(NotificationState)
                    events = notes.apply_feed(snapshot)
                    tasks = await self.get_state(TasksState)
                    await tasks.refresh_if(snapshot.mark)
                for event in events:
                    yield event
        finally:
            if _loops.get(token) == generation:
                del _loops[token]
            logger.info("live loop {} ended for tab {}", generation, token[:8])

    async def _session_still_counts(self) -> bool:
        """The periodic re-check (not the user's doing, so it does not reset the idle clock):
        a session ended elsewhere signs this tab out within seconds."""
        try:
            async with self:
                return await self.session_current(touch=False)
        except SidecarUnavailable:
            return True  # unknown is not gone; the next event's check decides
