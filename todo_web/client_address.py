"""The client's address for throttling: the peer's, unless a trusted proxy chain is set.

X-Forwarded-For is written by whoever sends the request, so it is read only when
TRUSTED_PROXY_HOPS says how many proxies of ours append to it; the address is then the
entry that the outermost of them appended (the same rule as Reflex's `trusted_proxy_hops`,
which the websocket UI uses, so both paths count one client the same way)."""

from todo_core.settings import get_settings


def client_address(peer: str, forwarded_for: str) -> str:
    hops = get_settings().trusted_proxy_hops
    if hops:
        chain = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return peer or "?"
