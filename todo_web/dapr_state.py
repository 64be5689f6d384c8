"""The web app's one Dapr client: state (sessions, preferences, conversations) and the
outbox publisher.

The client is created on first use, not at import: the sidecar starts after the app (daprd
waits for the app's port), and the SDK's constructor waits for the sidecar to be healthy.
"""

import asyncio
import json
from typing import Any

import httpx
from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprGrpcError, DaprInternalError
from dapr.conf import settings

from todo_core.settings import get_settings

_client: DaprClient | None = None
_lock = asyncio.Lock()


class SidecarUnavailable(RuntimeError):
    """The Dapr sidecar (or the store behind it) did not answer."""


# What the SDK raises when the sidecar is down (gRPC) or its store failed (internal).
_UNAVAILABLE = (DaprGrpcError, DaprInternalError, OSError)


async def client() -> DaprClient:
    global _client
    async with _lock:
        if _client is None:
            # The SDK's constructor waits for the sidecar with blocking sleeps (up to a
            # minute), which would freeze this event loop; so check first, without blocking.
            if not await sidecar_ready():
                raise SidecarUnavailable("the Dapr sidecar is not ready yet")
            _client = DaprClient()
        return _client


async def sidecar_ready() -> bool:
    url = f"http://127.0.0.1:{settings.DAPR_HTTP_PORT}/v1.0/healthz/outbound"
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            return (await http.get(url)).status_code < 300
    except httpx.HTTPError:
        return False


async def get_json(key: str) -> dict[str, Any] | None:
    try:
        item = await (await client()).get_state(get_settings().statestore_name, key)
    except _UNAVAILABLE as exc:
        raise SidecarUnavailable(str(exc)) from exc
    return json.loads(item.data) if item.data else None


async def save_json(key: str, value: dict[str, Any], ttl_seconds: int | None = None) -> None:
    metadata = {"ttlInSeconds": str(ttl_seconds)} if ttl_seconds else None
    try:
        await (await client()).save_state(
            get_settings().statestore_name, key, json.dumps(value), state_metadata=metadata
        )
    except _UNAVAILABLE as exc:
        raise SidecarUnavailable(str(exc)) from exc


async def delete(key: str) -> None:
    try:
        await (await client()).delete_state(get_settings().statestore_name, key)
    except _UNAVAILABLE as exc:
        raise SidecarUnavailable(str(exc)) from exc


class StateConflict(RuntimeError):
    """An ETag-guarded write lost: the key changed since it was read."""


async def get_json_etag(key: str) -> tuple[dict[str, Any] | None, str]:
    """(value, etag); an absent key gives (None, "")."""
    try:
        item = await (await client()).get_state(get_settings().statestore_name, key)
    except _UNAVAILABLE as exc:
        raise SidecarUnavailable(str(exc)) from exc
    return (json.loads(item.data) if item.data else None), item.etag or ""


async def save_json_etag(
    key: str, value: dict[str, Any], etag: str, ttl_seconds: int | None = None
) -> None:
    """Write only if the key still has `etag` (StateConflict otherwise). An empty etag is a
    plain upsert: first-write concurrency on a new key is reported by the PostgreSQL store
    as a generic error that the sidecar's retry policy would repeat for seconds."""
    metadata = {"ttlInSeconds": str(ttl_seconds)} if ttl_seconds else None
    try:
        await (await client()).save_state(
            get_settings().statestore_name,
            key,
            json.dumps(value),
            etag=etag or None,
            state_metadata=metadata,
        )
    except _UNAVAILABLE as exc:
        details = exc.details() if isinstance(exc, DaprGrpcError) else None
        text = f"{exc} {details or ''}".lower()
        if etag and ("etag" in text or "no item was updated" in text):
            raise StateConflict(key) from exc
        raise SidecarUnavailable(str(exc)) from exc
