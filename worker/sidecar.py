"""The worker's connection to its Dapr sidecar, opened lazily.

The devstack (and Kubernetes) may start the app before its sidecar, and daprd waits for the
app's port before it finishes starting: the worker must come up without the sidecar. The
SDK's DaprClient blocks its constructor until the sidecar's HTTP health endpoint answers, so
that wait runs in a thread (never on the event loop), under tenacity, on first use.
"""

import asyncio
import json
from datetime import datetime
from typing import Any

from dapr.aio.clients import DaprClient
from dapr.clients.exceptions import DaprGrpcError
from dapr.clients.grpc._jobs import ConstantFailurePolicy, Job
from dapr.clients.health import DaprHealth
from dapr.conf import settings as dapr_settings
from google.protobuf.any_pb2 import Any as AnyPb
from google.protobuf.wrappers_pb2 import StringValue
from grpc import StatusCode
from loguru import logger
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_delay,
    wait_exponential,
)

# A trigger that fails (sidecar or broker down) is retried by the scheduler every second
# for five minutes; after that the reconciler re-creates the job. Retries are slotted from
# the due time (due + k·interval), so the interval is what a job that failed just before a
# recovery still waits; jobs due while the sidecar's app health check says the worker is
# down are not failed but staged by the scheduler and fired on reconnect (devstack
# WORKER_APP_HEALTH, the chart's worker annotations), so a short interval does not spin
# through retries during an outage.
JOB_FAILURE_POLICY = ConstantFailurePolicy(max_retries=300, interval_seconds=1)


class SidecarUnavailable(ConnectionError):
    """The sidecar did not answer in time: a transient failure (the caller retries)."""


def _transient_grpc(exc: BaseException) -> bool:
    return isinstance(exc, DaprGrpcError) and exc.code() in (
        StatusCode.UNAVAILABLE,
        StatusCode.DEADLINE_EXCEEDED,
    )


class Sidecar:
    """Publish and job calls through daprd, with the client created on first use."""

    def __init__(self, grpc_port: int, pubsub: str, wait_seconds: float) -> None:
        self._address = f"127.0.0.1:{grpc_port}"
        self.pubsub = pubsub
        self._wait_seconds = wait_seconds
        self._client: DaprClient | None = None
        self._lock = asyncio.Lock()

    async def client(self) -> DaprClient:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                await self._wait_for_sidecar()
                # The constructor checks health once more (now instant) and opens the
                # grpc.aio channel, which must be created on the loop that uses it.
                self._client = DaprClient(address=self._address)
                logger.info("connected to the Dapr sidecar at {}", self._address)
        return self._client

    async def _wait_for_sidecar(self) -> None:
        # One SDK health wait at a time, each bounded by DAPR_HEALTH_TIMEOUT; tenacity
        # repeats it until our own deadline, then the handler answers RETRY.
        # The SDK's Settings sets its attributes at run time from dapr.conf.global_settings.
        dapr_settings.DAPR_HEALTH_TIMEOUT = 5  # type: ignore[attr-defined]
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_delay(self._wait_seconds),
                wait=wait_exponential(multiplier=0.2, max=2),
                reraise=True,
            ):
                with attempt:
                    await asyncio.to_thread(DaprHealth.wait_for_sidecar)
        except TimeoutError as exc:
            raise SidecarUnavailable(f"no Dapr sidecar at {self._address}") from exc

    async def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """One client call; a brief UNAVAILABLE (sidecar restarting) is retried here."""
        async for attempt in AsyncRetrying(
            stop=stop_after_delay(5),
            wait=wait_exponential(multiplier=0.1, max=1),
            retry=retry_if_exception(_transient_grpc),
            reraise=True,
        ):
            with attempt:
                client = await self.client()
                return await getattr(client, name)(*args, **kwargs)
        raise AssertionError("unreachable")  # AsyncRetrying either returns or raises

    # ---- pub/sub ---------------------------------------------------------------------

    async def publish(self, topic: str, data: str, partition_key: str) -> None:
        """JSON text to `topic` (this is also the outbox relay's Publisher)."""
        # The Kafka component uses partitionKey as the record key: one task → one partition.
        await self._publish(topic, data, "application/json", {"partitionKey": partition_key})

    async def dead_letter(self, topic: str, record: bytes, key: str) -> None:
        """A record the worker drops, published as it is (the app callback's DeadLetter)."""
        metadata = {"rawPayload": "true"}  # already a CloudEvent: not wrapped in another
        if key:
            metadata["partitionKey"] = key
        await self._publish(topic, record, "application/cloudevents+json", metadata)

    async def _publish(
        self, topic: str, data: str | bytes, content_type: str, metadata: dict[str, str]
    ) -> None:
        await self._call(
            "publish_event",
            pubsub_name=self.pubsub,
            topic_name=topic,
            data=data,
            data_content_type=content_type,
            publish_metadata=metadata,
        )

    # ---- jobs ------------------------------------------------------------------------

    async def schedule_job(self, name: str, due: datetime, payload: dict[str, Any]) -> None:
        data = AnyPb()
        data.Pack(StringValue(value=json.dumps(payload)))
        job = Job(
            name=name,
            due_time=due.isoformat(),
            data=data,
            failure_policy=JOB_FAILURE_POLICY,
        )
        await self._call("schedule_job", job, overwrite=True)

    async def delete_job(self, name: str) -> None:
        """Deleting a job that is not there (fired, never made) is not an error."""
        try:
            await self._call("delete_job", name)
        except DaprGrpcError as exc:
            if not _not_found(exc):
                raise

    async def job_exists(self, name: str) -> bool:
        try:
            await self._call("get_job", name)
        except DaprGrpcError as exc:
            if _not_found(exc):
                return False
            raise
        return True

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


def _not_found(exc: DaprGrpcError) -> bool:
    # daprd answers a missing job with NotFound, or with an error naming "not found".
    return exc.code() == StatusCode.NOT_FOUND or "not found" in (exc.details() or "").lower()
