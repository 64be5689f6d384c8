"""The Reflex app: pages plus the REST API (FastAPI) mounted through api_transformer."""

import reflex as rx

from todo_core.language.dates import warm_up as warm_up_parser
from todo_core.logging import configure_logging
from todo_web.api import create_api
from todo_web.api.origin import socket_origin_allowed
from todo_web.pages.auth import sign_in_page, sign_up_page
from todo_web.pages.tasks import tasks_page
from todo_web.relay import relay_lifespan
from todo_web.states.auth import HOME_ROUTE, SIGN_IN_ROUTE, SIGN_UP_ROUTE, AuthState
from todo_web.states.notifications import NotificationState
from todo_web.states.session_recheck import SessionRecheck
from todo_web.states.tasks import TasksState

configure_logging()
warm_up_parser()  # dateparser's language data loads in ~0.3 s: not on a user's first message

app = rx.App(api_transformer=create_api())
app.register_lifespan_task(relay_lifespan)
app.add_middleware(SessionRecheck())

app.add_page(
    tasks_page,
    route=HOME_ROUTE,
    title="Todo",
    # In order: who is this (or go to sign-in), the saved view and its first page, the bell.
    # Each later step does nothing when the first found no user. The live loop is started by
    # the page itself (pages/tasks.py): background events chained from on_load do not run.
    on_load=[AuthState.require_user, TasksState.load, NotificationState.load],
)
app.add_page(sign_in_page, route=SIGN_IN_ROUTE, title="Sign in · Todo",
             on_load=AuthState.skip_if_signed_in)  # fmt: skip
app.add_page(sign_up_page, route=SIGN_UP_ROUTE, title="Create an account · Todo",
             on_load=AuthState.skip_if_signed_in)  # fmt: skip

# Only this app's pages may open the UI's websocket (Reflex would accept any origin, or none
# checked when CORS allows no other origin): Socket.IO asks this check on every connect.
if app.sio is not None:
    app.sio.eio.cors_allowed_origins = socket_origin_allowed
