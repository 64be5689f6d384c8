"""Read our topics straight from Kafka with a client the project did not write (librdkafka),
not through Dapr, to check what really reached the broker."""

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer


def from_the_beginning(brokers: str, topic: str) -> Consumer:
    """A consumer of `topic` from its first record, in a group of its own."""
    consumer = Consumer(
        {
            "bootstrap.servers": brokers,
            "group.id": f"test-reader-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    return consumer


def read_until(
    brokers: str,
    topic: str,
    done: Callable[[list[dict[str, Any]]], bool],
    timeout: float,
) -> list[dict[str, Any]]:
    """CloudEvent envelopes on `topic` from its beginning, until `done(envelopes)` or timeout."""
    consumer = from_the_beginning(brokers, topic)
    envelopes: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not done(envelopes):
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            try:
                envelope = json.loads(msg.value())
            except ValueError:
                continue  # poison messages from the fault tests share these topics
            if not isinstance(envelope, dict):
                continue
            envelope["_received_at"] = time.time()
            envelopes.append(envelope)
    finally:
        consumer.close()
    return envelopes


def event_ids(envelopes: list[dict[str, Any]]) -> list[str]:
    datas = [e["data"] for e in envelopes if isinstance(e.get("data"), dict)]
    return [d["event_id"] for d in datas if "event_id" in d]  # not our events: skipped
