"""GET /healthz on HEALTH_PORT for the launcher and the Kubernetes probes, and GET /metrics
for the metrics store.

Served from the worker's event loop, so a 200 also says the loop is responsive. It does
not depend on the sidecar (which starts after the app) nor on the database (a database
outage is ridden out by retries, not by restarting the pod). While draining after SIGTERM
it answers 503, so no new traffic is routed here.
"""

import asyncio
from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

_OK = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 3\r\nConnection: close\r\n\r\nok\n"
)
_DRAINING = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 9\r\nConnection: close\r\n\r\ndraining\n"
)
_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def _metrics_response() -> bytes:
    body = generate_latest()
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: {CONTENT_TYPE_LATEST}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


class HealthServer:
    def __init__(self, host: str, port: int, draining: Callable[[], bool]) -> None:
        self._host = host
        self._port = port
        self._draining = draining
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self._host, self._port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), timeout=5)
            parts = request.decode("latin-1").split()
            path = parts[1].split("?")[0] if len(parts) >= 2 else ""
            if path in ("/healthz", "/livez", "/readyz"):
                writer.write(_DRAINING if self._draining() else _OK)
            elif path == "/metrics":
                writer.write(_metrics_response())
            else:
                writer.write(_NOT_FOUND)
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
