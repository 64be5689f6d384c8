"""The view on screen, kept in the browser (issue 25, item 6): a switch sets it there and
shows the view from data the page already holds, with no server event on the way. The server
sets it when the user asks it for another view ("Show all open tasks", a tag typed into a tag
view's box), with `CURRENT_VIEW.push(view)`; the view a page opens on is TasksState.view."""

from reflex.experimental.client_state import ClientStateVar

# "" until the user picks a view in this page (components/view_switch.py shows the server's
# TasksState.view until then).
CURRENT_VIEW = ClientStateVar.create("current_view", default="")
