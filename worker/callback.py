"""The Dapr app callback: the gRPC service daprd calls for topic messages and job triggers.

An asyncio servicer on the worker's one event loop, built on the SDK's generated protos
rather than its `App`: `App` is a synchronous server on a thread pool (every message would
cross from a thread to the loop and back), it delivers one message per call, and it routes
jobs by exact name while ours are named per task (`reminder-{task_id}`).

Subscriptions are bulk (Dapr's bulkSubscribe): daprd hands over up to `bulk_max_messages`
messages of one partition per call, so a backlog costs one call per batch, not per message.
Each message still gets its own answer. A message to drop from a batch is published to the
topic's dead-letter topic by the worker itself and answered SUCCESS: daprd 1.18.2 (and
1.18.3) panics on a bulk DROP whenever the batch also held a record it could not parse, or
was a retry of part of a batch (postman/grpc/grpc.go:324 indexes the delivered subset with
the whole batch's entry index). Records daprd cannot parse at all, it dead-letters itself.
If our dead-letter publish fails, the answer is RETRY: the message comes back, nothing is
lost.
"""

import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from dapr.proto.runtime.v1 import appcallback_pb2 as pb
from dapr.proto.runtime.v1 import appcallback_pb2_grpc as pb_grpc
from google.protobuf import empty_pb2
from google.protobuf.json_format import MessageToDict
from loguru import logger

from todo_core.events import dead_letter_topic
from todo_core.metrics import DEAD_LETTERED
from worker.app_token import AppTokenCheck
from worker.dispatch import Dispatcher, JobHandler, TopicHandler
from worker.outcome import Answer, describe

# (topic, record, record key): publishes one record, as it is, through the sidecar.
DeadLetter = Callable[[str, bytes, str], Awaitable[None]]

_STATUS = {
    Answer.SUCCESS: pb.TopicEventResponse.SUCCESS,
    Answer.RETRY: pb.TopicEventResponse.RETRY,
    Answer.DROP: pb.TopicEventResponse.DROP,
}


class AppCallback(pb_grpc.AppCallbackServicer, pb_grpc.AppCallbackAlphaServicer):
    def __init__(
        self,
        dispatcher: Dispatcher,
        pubsub_name: str,
        topics: dict[str, TopicHandler],
        jobs: dict[str, JobHandler],
        bulk: pb.BulkSubscribeConfig,
        dead_letter: DeadLetter,
    ) -> None:
        self._dispatcher = dispatcher
        self._dead_letter = dead_letter
        self._pubsub = pubsub_name
        self._topics = topics
        self._jobs = jobs  # by name prefix
        self._bulk = bulk

    def subscriptions(self) -> list[pb.TopicSubscription]:
        return [
            pb.TopicSubscription(
                pubsub_name=self._pubsub,
                topic=topic,
                routes=pb.TopicRoutes(),
                dead_letter_topic=dead_letter_topic(topic),
                bulk_subscribe=self._bulk,
            )
            for topic in self._topics
        ]

    async def ListTopicSubscriptions(
        self, request: empty_pb2.Empty, context: grpc.aio.ServicerContext
    ) -> pb.ListTopicSubscriptionsResponse:
        return pb.ListTopicSubscriptionsResponse(subscriptions=self.subscriptions())

    async def ListInputBindings(
        self, request: empty_pb2.Empty, context: grpc.aio.ServicerContext
    ) -> pb.ListInputBindingsResponse:
        return pb.ListInputBindingsResponse()

    async def OnTopicEvent(
        self, request: pb.TopicEventRequest, context: grpc.aio.ServicerContext
    ) -> pb.TopicEventResponse:
        handler = await self._topic_handler(request.pubsub_name, request.topic, context)
        answer = await self._dispatcher.handle_message(request.topic, handler, request.data)
        return pb.TopicEventResponse(status=_STATUS[answer])

    async def OnBulkTopicEvent(
        self, request: pb.TopicEventBulkRequest, context: grpc.aio.ServicerContext
    ) -> pb.TopicEventBulkResponse:
        handler = await self._topic_handler(request.pubsub_name, request.topic, context)
        data = [_entry_data(entry) for entry in request.entries]
        parents = [_traceparent(entry) for entry in request.entries]
        answers = await self._dispatcher.handle_batch(request.topic, handler, data, parents)
        statuses = []
        for entry, answer in zip(request.entries, answers, strict=True):
            if answer == Answer.DROP:
                answer = await self._drop(request.topic, entry)
            statuses.append(
                pb.TopicEventBulkResponseEntry(entry_id=entry.entry_id, status=_STATUS[answer])
            )
        return pb.TopicEventBulkResponse(statuses=statuses)

    async def _drop(self, topic: str, entry: pb.TopicEventBulkRequestEntry) -> Answer:
        """Dead-letter one entry ourselves (see the module docstring)."""
        key = entry.metadata.get("__key", "")
        try:
            await self._dead_letter(dead_letter_topic(topic), _record(topic, entry), key)
        except Exception as exc:
            logger.warning("dead-lettering a {} record failed: {}", topic, describe(exc))
            return Answer.RETRY
        DEAD_LETTERED.labels(topic).inc()
        return Answer.SUCCESS

    async def OnBulkTopicEventAlpha1(
        self, request: pb.TopicEventBulkRequest, context: grpc.aio.ServicerContext
    ) -> pb.TopicEventBulkResponse:
        return await self.OnBulkTopicEvent(request, context)

    async def OnJobEvent(
        self, request: pb.JobEventRequest, context: grpc.aio.ServicerContext
    ) -> pb.JobEventResponse:
        handler = self.job_handler(request.name)
        if handler is None:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, f"no handler for job {request.name}")
        data = request.data.value if request.HasField("data") else b""
        try:
            await self._dispatcher.handle_job(handler, request.name, data)
        except Exception as exc:  # logged by the dispatcher; the scheduler retries
            await context.abort(grpc.StatusCode.UNAVAILABLE, type(exc).__name__)
        return pb.JobEventResponse()

    async def OnJobEventAlpha1(
        self, request: pb.JobEventRequest, context: grpc.aio.ServicerContext
    ) -> pb.JobEventResponse:
        return await self.OnJobEvent(request, context)

    def job_handler(self, name: str) -> JobHandler | None:
        """The handler of the longest registered prefix of `name`."""
        matches = [prefix for prefix in self._jobs if name.startswith(prefix)]
        return self._jobs[max(matches, key=len)] if matches else None

    async def _topic_handler(
        self, pubsub: str, topic: str, context: grpc.aio.ServicerContext
    ) -> TopicHandler:
        handler = self._topics.get(topic) if pubsub == self._pubsub else None
        if handler is None:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, f"not subscribed to {topic}")
        return handler


class HealthCheck(pb_grpc.AppCallbackHealthCheckServicer):
    """daprd's app health probe (gRPC apps): unhealthy while draining."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher

    async def HealthCheck(
        self, request: empty_pb2.Empty, context: grpc.aio.ServicerContext
    ) -> pb.HealthCheckResponse:
        if self._dispatcher.draining:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "draining")
        return pb.HealthCheckResponse()


def _entry_data(entry: pb.TopicEventBulkRequestEntry) -> bytes:
    # Kafka messages published through Dapr arrive as CloudEvents: the payload is their data.
    if entry.HasField("cloud_event"):
        return entry.cloud_event.data
    return entry.bytes


def _traceparent(entry: pb.TopicEventBulkRequestEntry) -> str | None:
    """The W3C traceparent daprd put in the CloudEvent (its produce span), if any."""
    if not entry.HasField("cloud_event"):
        return None
    value = entry.cloud_event.extensions.fields.get("traceparent")
    return value.string_value or None if value is not None else None


def _record(topic: str, entry: pb.TopicEventBulkRequestEntry) -> bytes:
    """The record as daprd would dead-letter it: the CloudEvent it came in (same id)."""
    if not entry.HasField("cloud_event"):
        return entry.bytes
    ce = entry.cloud_event
    envelope: dict[str, Any] = {
        **MessageToDict(ce.extensions),
        "specversion": ce.spec_version or "1.0",
        "id": ce.id,
        "source": ce.source,
        "type": ce.type,
        "topic": topic,
        "datacontenttype": ce.data_content_type,
    }
    try:
        envelope["data"] = json.loads(ce.data)
    except ValueError:
        envelope["data_base64"] = base64.b64encode(ce.data).decode()
    return json.dumps(envelope).encode()


# With tracing on, daprd sends each bulk entry's trace context as request metadata: ~140
# bytes an entry, so a batch of 100 carries ~14 KB, over gRPC's default 8 KB soft limit, and
# the call fails before reaching us (daprd retries it every 5 s). Room for 1000 entries
# (WorkerSettings.bulk_max_messages' ceiling).
_MAX_METADATA = 256 * 1024
_SERVER_OPTIONS = [
    ("grpc.max_metadata_size", _MAX_METADATA),
    ("grpc.absolute_max_metadata_size", _MAX_METADATA),
]


def build_server(
    callback: AppCallback, health: HealthCheck, host: str, port: int, app_token: str = ""
) -> tuple[grpc.aio.Server, int]:
    """The server, not started yet, and the port it binds (`port` 0: a free one). With an
    `app_token`, only calls that present it reach the handlers (worker/app_token.py)."""
    interceptors = [AppTokenCheck(app_token)] if app_token else []
    server = grpc.aio.server(interceptors=interceptors, options=_SERVER_OPTIONS)
    pb_grpc.add_AppCallbackServicer_to_server(callback, server)
    pb_grpc.add_AppCallbackAlphaServicer_to_server(callback, server)
    pb_grpc.add_AppCallbackHealthCheckServicer_to_server(health, server)
    return server, server.add_insecure_port(f"{host}:{port}")
