"""Watch topics straight from Kafka (librdkafka, not Dapr) and note when each record arrives."""

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

Extract = Callable[[dict[str, Any]], str | None]


def cloudevent_id(field: str) -> Extract:
    """Key a Dapr CloudEvent by a field of its `data`."""

    def extract(envelope: dict[str, Any]) -> str | None:
        data = envelope.get("data")
        return str(data.get(field)) if isinstance(data, dict) and field in data else None

    return extract


class KafkaWatcher:
    """A consumer thread reading from the current end of `topics`; `arrived[key]` is the
    wall-clock time a record with that key was first seen, `broker_ts[key]` Kafka's
    timestamp of it (ms since epoch)."""

    def __init__(self, brokers: str, topics: list[str], extract: Extract) -> None:
        self._consumer = Consumer(
            {
                "bootstrap.servers": brokers,
                "group.id": f"bench-{uuid.uuid4()}",
                "enable.auto.commit": False,
                "fetch.wait.max.ms": 5,  # don't let the broker batch away the latency
                "fetch.min.bytes": 1,
            }
        )
        self._extract = extract
        self.arrived: dict[str, float] = {}
        self.broker_ts: dict[str, float] = {}
        self.count = 0
        self._stop = threading.Event()
        # Start at the high watermark: assignment is explicit, so no rebalance delay.
        assignment = []
        meta = self._consumer.list_topics(timeout=10)
        for topic in topics:
            for p in meta.topics[topic].partitions:
                _, high = self._consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                assignment.append(TopicPartition(topic, p, high))
        self._consumer.assign(assignment)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            msg = self._consumer.poll(0.05)
            if msg is None or msg.error():
                continue
            now = time.time()
            self.count += 1
            try:
                key = self._extract(json.loads(msg.value()))
            except (ValueError, TypeError):
                continue
            if key is not None and key not in self.arrived:
                self.arrived[key] = now
                self.broker_ts[key] = msg.timestamp()[1] / 1000

    def wait_for(self, keys: set[str], timeout: float) -> set[str]:
        """Block until every key arrived or timeout; return the missing ones."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            missing = keys - self.arrived.keys()
            if not missing:
                return set()
            time.sleep(0.05)
        return keys - self.arrived.keys()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._consumer.close()


def ensure_topic(brokers: str, topic: str, partitions: int = 3) -> None:
    admin = AdminClient({"bootstrap.servers": brokers})
    if topic in admin.list_topics(timeout=10).topics:
        return
    for fut in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
        try:
            fut.result(15)
        except Exception as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise
    time.sleep(1)  # let the new partitions get leaders before anyone reads them
