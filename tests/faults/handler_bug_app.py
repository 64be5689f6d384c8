"""A worker whose `task-events` handler has a bug: for a task titled "bug: …" it adds a
number to a date (TypeError). Everything around the handler is the worker's own code: the
gRPC app callback, the dispatcher that decides retry or dead-letter, and the sidecar client
that dead-letters. It records each event it handled, one JSON line each, in BUG_OUT."""

import asyncio
import json
import os
import time

from dapr.proto.runtime.v1.appcallback_pb2 import BulkSubscribeConfig

from todo_core.events import TASK_EVENTS, TaskEvent
from worker.callback import AppCallback, HealthCheck, build_server
from worker.dispatch import Dispatcher
from worker.sidecar import Sidecar

OUT = os.environ["BUG_OUT"]


def _record(event_id: str) -> None:
    with open(OUT, "a") as f:
        f.write(json.dumps({"event_id": event_id, "at": time.time()}) + "\n")


async def on_task_event(event: TaskEvent) -> str:
    if event.task.title.startswith("bug:"):
        return str(event.occurred_at + len(event.task.title))  # type: ignore[operator]
    _record(str(event.event_id))
    return "recorded"


async def main() -> None:
    sidecar = Sidecar(int(os.environ["DAPR_GRPC_PORT"]), "pubsub", 30)
    dispatcher = Dispatcher(timeout_seconds=25, concurrency=10)
    callback = AppCallback(
        dispatcher,
        "pubsub",
        {TASK_EVENTS: on_task_event},  # type: ignore[dict-item]
        {},
        BulkSubscribeConfig(enabled=True, max_messages_count=100, max_await_duration_ms=50),
        sidecar.dead_letter,
    )
    server, _ = build_server(
        callback, HealthCheck(dispatcher), "127.0.0.1", int(os.environ["APP_PORT"])
    )
    await server.start()
    await server.wait_for_termination()


if __name__ == "__main__":
    asyncio.run(main())
