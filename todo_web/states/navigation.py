"""The views a user moves between (Today, Upcoming, All, one per tag) and how each is named
in the URL (`/?view=upcoming`, `/?view=tag:home`), so a view survives a reload and can be
bookmarked. Pure functions: the state (states/tasks.py) and the tests share them."""

import json
from dataclasses import dataclass
from urllib.parse import quote

TODAY, UPCOMING, ALL = "today", "upcoming", "all"
AGENDA_VIEWS = (TODAY, UPCOMING)
TAG_PREFIX = "tag:"
# What matters now, as Todoist and TickTick open on.
DEFAULT_VIEW = TODAY
TAG_MAX = 40


@dataclass
class TagCount:
    name: str = ""
    count: int = 0


def normalise_view(value: str | None) -> str:
    """A view name from the URL or saved prefs; anything unknown is the default view."""
    text = (value or "").strip().lower()
    if text in (TODAY, UPCOMING, ALL):
        return text
    tag = text.removeprefix(TAG_PREFIX)
    if text.startswith(TAG_PREFIX) and tag and len(tag) <= TAG_MAX and " " not in tag:
        return TAG_PREFIX + tag
    return DEFAULT_VIEW


def view_tag(view: str) -> str:
    """The tag of a per-tag view, "" for the others."""
    return view.removeprefix(TAG_PREFIX) if view.startswith(TAG_PREFIX) else ""


def url_script(view: str, unless_chosen: bool = False) -> str:
    """Puts the view in the address bar without a navigation (no new page load, no history
    entry per click: Back leaves the app as it would a Todoist tab). `unless_chosen`: not if
    the user has switched views in this page (components/view_switch.py marks it)."""
    query = "?view=" + quote(view, safe=":")
    replace = f"window.history.replaceState(window.history.state, '', {json.dumps(query)})"
    return f"if (!window.todoViews?.chosen) {replace}" if unless_chosen else replace


def done_views(text: str) -> set[str]:
    """The saved set of views that show completed tasks ("today,tag:home")."""
    return {normalise_view(v) for v in text.split(",") if v.strip()}
