"""Before every event of a signed-in tab, check that its session still counts.

The websocket UI resolves the cookie to a user once, at page load; without this, a tab
would keep full access after its session ended elsewhere (a password change, "sign out
everywhere", expiry). A Reflex middleware sees every event before its handler runs: when
the session is gone the event is dropped and the tab is signed out instead. The open page
also re-checks on its own every few seconds (states/live.py), so it leaves within seconds
even while the user does nothing."""

from typing import Any

from loguru import logger
from reflex.middleware import Middleware
from reflex.state import BaseState, StateUpdate
from reflex_base.event import Event

from todo_web.dapr_state import SidecarUnavailable
from todo_web.states.auth import AuthState


class SessionRecheck(Middleware):
    async def preprocess(self, app: Any, state: BaseState, event: Event) -> StateUpdate | None:
        # AuthState's own events sign in and out and check the session themselves (its
        # substates, whose names start the same, are the signed-in pages: checked).
        if event.name.rpartition(".")[0] == AuthState.get_full_name():
            return None
        auth = await state.get_state(AuthState)
        if not auth.user_id:
            return None
        try:
            current = await auth.session_current()
        except SidecarUnavailable:
            logger.warning("session re-check skipped: sidecar unavailable")
            return None
        if current:
            return None
        logger.info("event {} refused: the tab's session is over", event.name)
        gone = f"{AuthState.get_full_name()}.session_gone"
        return StateUpdate(delta={}, events=[Event(name=gone)])
