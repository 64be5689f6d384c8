"""Reflex configuration. Settings also come from REFLEX_* environment variables."""

import reflex as rx

config = rx.Config(
    app_name="todo_web",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=["reflex.plugins.sitemap.SitemapPlugin"],
)
