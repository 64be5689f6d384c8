"""Reflex configuration. Settings also come from REFLEX_* environment variables."""

import reflex as rx

from todo_core.settings import get_settings

_settings = get_settings()

config = rx.Config(
    app_name="todo_web",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        # Light or dark follows the system until the user picks one with the switch.
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium")
        ),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
    # CORS: no other origin may read responses with the visitor's cookies (Reflex's default
    # "*" reflects any). The app's own pages are same-origin and need no CORS at all.
    cors_allowed_origins=[_settings.public_origin] if _settings.public_origin else [],
    # The same proxy rule as the API's (todo_web/client_address.py), for the websocket UI.
    trusted_proxy_hops=_settings.trusted_proxy_hops,
)
