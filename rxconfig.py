"""Reflex configuration. Settings also come from REFLEX_* environment variables."""

import reflex as rx

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
)
