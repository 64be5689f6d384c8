"""The web app: Reflex UI and state, plus the REST API under /api."""
