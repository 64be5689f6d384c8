"""A tiny Dapr gRPC app used by the runtime tests: it records every topic event and job
trigger it receives, one JSON line each, in the file named by PROBE_OUT.

It stands in for an app only to prove the runtime (daprd, Kafka, the scheduler) works;
the real apps have their own tests."""

import json
import logging
import os
import threading
import time

from cloudevents.sdk.event import v1
from dapr.clients.grpc._request import JobEvent
from dapr.clients.grpc._response import TopicEventResponse
from dapr.ext.grpc import App

OUT = os.environ["PROBE_OUT"]
TOPIC = os.environ.get("PROBE_TOPIC", "runtime-probe")
_lock = threading.Lock()
app = App()


def _record(kind: str, **fields: object) -> None:
    with _lock, open(OUT, "a") as f:
        f.write(json.dumps({"kind": kind, "at": time.time(), **fields}) + "\n")


@app.subscribe(pubsub_name="pubsub", topic=TOPIC, dead_letter_topic=f"{TOPIC}-dlq")
def on_event(event: v1.Event) -> TopicEventResponse:
    data = event.Data()
    _record(
        "event",
        id=event.EventID(),
        type=event.EventType(),
        data=data.decode() if isinstance(data, bytes) else data,
    )
    return TopicEventResponse("success")


@app.job_event("probe-job")
def on_job(job: JobEvent) -> None:
    _record("job", name=job.name, data=job.get_data_as_string())


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)  # gRPC reports handler errors through logging
    app.run(int(os.environ["APP_PORT"]), listen_address="127.0.0.1")
