"""Reflex states, one per concern; pages and components read their vars."""
