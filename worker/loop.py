"""The worker's single asyncio event loop, in its own thread.

Dapr's gRPC App is a synchronous server on a thread pool; the database (asyncpg) and the
sidecar client (grpc.aio) are asyncio. Every gRPC thread hands its coroutine to this one
loop and waits for the result, so all async resources live on one loop, as they must.
"""

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """Owns an event loop running forever in a daemon thread until `stop()`."""

    def __init__(self, name: str = "worker-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def start(self) -> None:
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coro` on the loop from another thread and wait; TimeoutError cancels it."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise TimeoutError(f"handler took longer than {timeout}s") from None

    def stop(self) -> None:
        """Stop the loop (call after its work is done) and wait for the thread."""
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        if not self.loop.is_running():
            self.loop.close()
