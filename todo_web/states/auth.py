"""Who is signed in: the `todo_session` cookie holds the same opaque token the REST API
accepts; the session itself lives in the Dapr state store (todo_web.sessions), so it
survives a reload and a restart of the server.

The cookie is HttpOnly: page scripts never see it, and Reflex's websocket cannot set it. This
state reads it from the headers the websocket was opened with; signing in hands a one-time
ticket to an HTTP route that sets it, and signing out ends the session here, then sends the
browser to the route that clears it (todo_web.api.browser_session)."""

import json
from typing import Any
from uuid import UUID

import reflex as rx
from loguru import logger
from pydantic import ValidationError
from reflex.event import EventSpec

from todo_core.db import session_scope
from todo_core.repositories import users
from todo_core.repositories.errors import EmailTaken
from todo_core.validation import Login, SignUp, field_errors
from todo_web import sessions
from todo_web.api.browser_session import END_PATH, EXPIRED, START_PATH
from todo_web.api.browser_session import UNAVAILABLE as SESSION_UNAVAILABLE
from todo_web.dapr_state import SidecarUnavailable
from todo_web.session_cookie import token_in
from todo_web.throttle import Throttled, throttle

SIGN_IN_ROUTE = "/signin"
SIGN_UP_ROUTE = "/signup"
HOME_ROUTE = "/"
UNAVAILABLE = "The server cannot reach its session store right now. Try again in a moment."
WRONG = "Wrong email or password. Check both, or create an account."
# Why the session routes sent the browser back to sign-in (?problem=…).
PROBLEMS = {
    EXPIRED: "Signing in took too long and was not completed. Sign in again.",
    SESSION_UNAVAILABLE: UNAVAILABLE,
}


class AuthState(rx.State):
    """The base of every signed-in state: substates read `user_id` and `time_zone`."""

    user_id: str = ""
    display_name: str = ""
    email: str = ""
    time_zone: str = "UTC"
    # The browser's IANA zone, read by a script on the sign-up page.
    browser_zone: str = "UTC"
    auth_errors: dict[str, str] = {}
    auth_busy: bool = False

    @rx.var
    def signed_in(self) -> bool:
        return bool(self.user_id)

    @property
    def user_uuid(self) -> UUID:
        return UUID(self.user_id)

    def _session_token(self) -> str:
        return token_in(self.router.headers.cookie)

    async def _load_user(self) -> bool:
        """Resolve the cookie's token to a user; False when signed out or expired."""
        token = self._session_token()
        user_id = await sessions.user_of(token) if token else None
        if user_id is None:
            self.user_id = ""
            return False
        async with session_scope() as db:
            user = await users.get_user(db, user_id)
        if user is None:
            self.user_id = ""
            return False
        self.user_id, self.display_name = str(user.id), user.display_name
        self.email, self.time_zone = user.email, user.time_zone
        return True

    @rx.event
    async def require_user(self) -> Any:
        """on_load of every signed-in page: a visitor without a session goes to sign-in."""
        try:
            if not await self._load_user():
                return rx.redirect(SIGN_IN_ROUTE)
        except SidecarUnavailable:
            logger.warning("session check failed: sidecar unavailable")
            return rx.toast.error(UNAVAILABLE)
        return None

    @rx.event
    async def skip_if_signed_in(self) -> Any:
        """on_load of the sign-in and sign-up pages."""
        problem = PROBLEMS.get(self.router.url.query_parameters.get("problem", ""))
        self.auth_errors = {"form": problem} if problem else {}
        try:
            if await self._load_user():
                return rx.redirect(HOME_ROUTE)
        except SidecarUnavailable:
            pass  # the form still works once the sidecar is back
        return rx.call_script(
            "Intl.DateTimeFormat().resolvedOptions().timeZone",
            callback=AuthState.set_browser_zone,
        )

    @rx.event
    def set_browser_zone(self, zone: str) -> None:
        self.browser_zone = zone if isinstance(zone, str) and zone else "UTC"

    async def _start_session(self, user_id: UUID) -> Any:
        ticket = await sessions.issue_ticket(user_id)
        self.auth_errors = {}
        return _navigate(f"{START_PATH}?ticket={ticket}")

    @rx.event
    async def sign_up(self, form: dict[str, Any]) -> Any:
        self.auth_busy = True
        yield
        try:
            data = SignUp.model_validate(
                {
                    "email": form.get("email", ""),
                    "password": form.get("password", ""),
                    "display_name": form.get("display_name", ""),
                    "time_zone": self._known_zone(self.browser_zone),
                }
            )
            await throttle().attempt("sign_up", data.email, self.router.session.client_ip or "?")
            async with session_scope() as db:
                user = await users.create_user(db, data)
            yield await self._start_session(user.id)
        except Throttled as exc:
            self.auth_errors = {"form": f"Too many attempts. Try again in {exc.retry_after} s."}
        except ValidationError as exc:
            self.auth_errors = field_errors(exc)
        except EmailTaken:
            self.auth_errors = {"email": "An account with this email exists. Sign in instead."}
        except SidecarUnavailable:
            self.auth_errors = {"form": UNAVAILABLE}
        finally:
            self.auth_busy = False

    @rx.event
    async def sign_in(self, form: dict[str, Any]) -> Any:
        self.auth_busy = True
        yield
        try:
            data = Login.model_validate(
                {"email": form.get("email", ""), "password": form.get("password", "")}
            )
            # The same counters as the API's login, so the UI is no way around them.
            address = self.router.session.client_ip or "?"
            await throttle().check("sign_in", data.email, address)
            async with session_scope() as db:
                user = await users.authenticate(db, data.email, data.password.get_secret_value())
            if user is None:
                self.auth_errors = {"form": WRONG}
                await throttle().count("sign_in", data.email, address)
            else:
                await throttle().clear_account("sign_in", data.email)
                yield await self._start_session(user.id)
        except Throttled as exc:
            self.auth_errors = {"form": f"Too many attempts. Try again in {exc.retry_after} s."}
        except ValidationError as exc:
            self.auth_errors = field_errors(exc)
        except SidecarUnavailable:
            self.auth_errors = {"form": UNAVAILABLE}
        finally:
            self.auth_busy = False

    @rx.event
    async def sign_out(self) -> Any:
        token = self._session_token()
        try:
            if token:
                await sessions.end_session(token)
        except SidecarUnavailable:
            # Still signed in: saying so beats a signed-out look over a live session.
            logger.warning("sign-out failed: sidecar unavailable")
            return rx.toast.error("Could not sign out: " + UNAVAILABLE)
        self.reset()  # forget everything this tab knew about the user
        return _navigate(END_PATH)

    @rx.event
    async def sign_out_everywhere(self) -> Any:
        """End every session of this user (every device, every tab), this one included."""
        token = self._session_token()
        try:
            if self.user_id:
                async with session_scope() as db:
                    await users.end_all_sessions(db, self.user_uuid)
            if token:
                await sessions.end_session(token)
        except SidecarUnavailable:
            logger.warning("sign-out everywhere: sidecar unavailable")
            return rx.toast.error("Could not sign out: " + UNAVAILABLE)
        self.reset()
        return _navigate(END_PATH)

    async def session_current(self, touch: bool = True) -> bool:
        """Whether this tab's session still counts (ended elsewhere, expired, idle: no)."""
        token = self._session_token()
        return bool(token) and await sessions.user_of(token, touch) == self.user_uuid

    @rx.event
    def session_gone(self) -> Any:
        """The session ended elsewhere: forget the user here and leave through the route
        that clears the cookie (it clears only a dead session's)."""
        if not self.user_id:
            return None
        self.reset()
        return _navigate(END_PATH)

    @staticmethod
    def _known_zone(zone: str) -> str:
        from todo_core.timezones import get_zone

        try:
            get_zone(zone)
        except ValueError:
            return "UTC"
        return zone


def _navigate(path: str) -> EventSpec:
    """A full page load (the session routes are HTTP, not pages of the app); replace, so
    the single-use ticket stays out of the history."""
    return rx.call_script(f"window.location.replace({json.dumps(path)})")
