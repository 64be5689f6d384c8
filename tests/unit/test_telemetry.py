"""The trace context that crosses our own boundaries (outbox row, job payload, log line),
with the real OpenTelemetry SDK and its in-memory exporter (no trace store needed)."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID

import pytest
from loguru import logger
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from todo_core.logging import configure_logging
from todo_core.models import OutboxMessage
from todo_core.outbox import Backoff, publish_rows
from todo_core.settings import Settings
from todo_core.telemetry import current_traceparent, linked_span, tracer

_EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module", autouse=True)
def _provider() -> None:
    # The global provider can be set once per process; every test here shares it.
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
    trace.set_tracer_provider(provider)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    _EXPORTER.clear()
    yield _EXPORTER


class RecordingPublisher:
    """A broker stand-in that notes the traceparent current at each publish."""

    def __init__(self) -> None:
        self.seen: list[str | None] = []

    async def publish(self, topic: str, data: str, partition_key: str) -> None:
        self.seen.append(current_traceparent())


async def test_a_row_is_published_in_the_trace_that_wrote_it(spans) -> None:
    with tracer.start_as_current_span("request") as request:
        written = current_traceparent()
    row = OutboxMessage(
        id=1, topic="reminders", event_type="x", event_id=UUID("0" * 32), partition_key="k",
        payload={}, traceparent=written,
    )  # fmt: skip
    publisher = RecordingPublisher()
    await publish_rows([row], publisher, datetime.now(UTC), Backoff())
    publish = next(s for s in spans.get_finished_spans() if s.name == "outbox publish reminders")
    assert publish.context.trace_id == request.get_span_context().trace_id
    assert publish.parent.span_id == request.get_span_context().span_id
    assert publish.kind == SpanKind.PRODUCER
    # What the publisher sees (and the gRPC instrumentation hands to daprd) is that span.
    (seen,) = publisher.seen
    assert seen and seen.startswith(f"00-{publish.context.trace_id:032x}-")
    assert seen.split("-")[2] == f"{publish.context.span_id:016x}"


async def test_a_row_without_a_traceparent_starts_its_own_trace(spans) -> None:
    row = OutboxMessage(
        id=2, topic="task-events", event_type="x", event_id=UUID("1" * 32), partition_key="k",
        payload={},
    )  # fmt: skip
    await publish_rows([row], RecordingPublisher(), datetime.now(UTC), Backoff())
    (publish,) = spans.get_finished_spans()
    assert publish.parent is None


def test_the_firing_links_to_the_arming(spans) -> None:
    with tracer.start_as_current_span("arming") as arming:
        armed = current_traceparent()
    with linked_span("reminder job fire", armed, SpanKind.CONSUMER):
        pass
    fire = next(s for s in spans.get_finished_spans() if s.name == "reminder job fire")
    origin = arming.get_span_context()
    assert fire.context.trace_id != origin.trace_id
    assert [link.context.span_id for link in fire.links] == [origin.span_id]
    assert fire.attributes["todo.armed_by.trace_id"] == f"{origin.trace_id:032x}"


def test_a_firing_without_an_arming_has_no_link(spans) -> None:
    with linked_span("reminder job fire", None, SpanKind.CONSUMER):
        pass
    (fire,) = spans.get_finished_spans()
    assert fire.links == () and "todo.armed_by.trace_id" not in fire.attributes


def test_json_log_lines_carry_the_span_ids(capsys, spans) -> None:
    configure_logging(Settings(log_format="json", log_level="INFO"))
    try:
        with tracer.start_as_current_span("work") as span:
            logger.info("inside")
        logger.info("outside")
    finally:
        configure_logging(Settings())
    lines = [json.loads(line)["record"] for line in capsys.readouterr().err.splitlines()]
    inside, outside = (next(r for r in lines if r["message"] == m) for m in ("inside", "outside"))
    ctx = span.get_span_context()
    assert inside["extra"]["trace_id"] == f"{ctx.trace_id:032x}"
    assert inside["extra"]["span_id"] == f"{ctx.span_id:016x}"
    assert "trace_id" not in outside["extra"]


@pytest.mark.parametrize("forged", [5, ["00-x"], "not a traceparent", {"a": 1}])
def test_a_forged_job_traceparent_is_no_link(spans, forged) -> None:
    with linked_span("reminder job fire", forged, SpanKind.CONSUMER):
        pass
    (fire,) = spans.get_finished_spans()
    assert fire.links == ()
