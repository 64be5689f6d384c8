"""The Reflex app: pages plus the REST API (FastAPI) mounted through api_transformer."""

import reflex as rx

from todo_web.api import create_api


def index() -> rx.Component:
    return rx.center(rx.heading("Todo"))


app = rx.App(api_transformer=create_api())
app.add_page(index, route="/")
