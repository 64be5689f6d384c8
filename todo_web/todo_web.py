"""The Reflex app: pages plus the REST API (FastAPI) mounted through api_transformer."""

import reflex as rx

from todo_core.logging import configure_logging
from todo_web.api import create_api
from todo_web.relay import relay_lifespan

configure_logging()


def index() -> rx.Component:
    return rx.center(rx.heading("Todo"))


app = rx.App(api_transformer=create_api())
app.register_lifespan_task(relay_lifespan)
app.add_page(index, route="/")
