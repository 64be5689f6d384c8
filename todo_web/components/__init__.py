"""Reusable pieces of the pages, each a function returning a component."""
