"""The outbox relay of the web process: publishes what each request committed, right
away, and sweeps on a schedule for what an outage of Kafka or the sidecar left behind."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from loguru import logger

from todo_core.db import get_session_factory
from todo_core.outbox import Backoff, DaprPublisher, OutboxRelay
from todo_core.settings import get_settings

_relay: OutboxRelay | None = None


class _LazyDaprPublisher:
    """Creates the Dapr client on first publish: the sidecar starts after this process."""

    async def publish(self, topic: str, data: str, partition_key: str) -> None:
        from todo_web import dapr_state

        publisher = DaprPublisher(await dapr_state.client(), get_settings().pubsub_name)
        await publisher.publish(topic, data, partition_key)


def notify() -> None:
    """Call after committing a transaction that wrote outbox rows."""
    if _relay is not None:
        _relay.notify()


@asynccontextmanager
async def relay_lifespan() -> AsyncIterator[None]:
    global _relay
    settings = get_settings()
    _relay = OutboxRelay(
        session_factory=get_session_factory(),
        publisher=_LazyDaprPublisher(),
        batch_size=settings.outbox_batch_size,
        backoff=Backoff(max_seconds=settings.outbox_max_backoff_seconds),
        sweep_seconds=settings.outbox_sweep_seconds,
        retention=timedelta(hours=settings.outbox_retention_hours),
    )
    _relay.start()
    logger.info("outbox relay started")
    try:
        yield
    finally:
        await _relay.stop()
        _relay = None
