"""The view on screen, kept in the browser (issue 25, item 6): a switch sets it there and
shows the view from data the page already holds, with no server event on the way. The server
only sets it when it decides the view itself (the page's load, "Show all open tasks", a tag
typed into a tag view's box), with `CURRENT_VIEW.push(view)`."""

from reflex.experimental.client_state import ClientStateVar

# "" until the page's load pushes the view it opened with (components/view_switch.py then
# falls back to the server's TasksState.view).
CURRENT_VIEW = ClientStateVar.create("current_view", default="")
