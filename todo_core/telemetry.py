"""Traces for both services: OpenTelemetry with the official instrumentations, exported to
Zipkin (the trace store's and daprd's own format, so one store holds every hop).

Off unless TRACING_ENDPOINT names a Zipkin span endpoint: the API is then a no-op and costs
nothing. The W3C `traceparent` is what crosses every boundary we own: the outbox row keeps
the one of the request that wrote it, and a reminder job's payload the one that armed it.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import context, propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, SpanKind

from todo_core.settings import Settings, get_settings

_configured = False
tracer = trace.get_tracer("todo")


def configure_tracing(service: str, settings: Settings | None = None) -> bool:
    """Install the tracer provider and the library instrumentations once; False when off."""
    global _configured
    settings = settings or get_settings()
    if _configured or not settings.tracing_endpoint:
        return _configured
    # Imported here: a process with tracing off never loads the SDK and exporter.
    from opentelemetry.exporter.zipkin.json import ZipkinExporter
    from opentelemetry.instrumentation.grpc import (
        GrpcAioInstrumentorClient,
        GrpcAioInstrumentorServer,
    )
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    provider = TracerProvider(
        resource=Resource.create({"service.name": service}),
        # Parent-based: a trace begun (and sampled) upstream is never cut in the middle.
        sampler=ParentBased(TraceIdRatioBased(settings.tracing_sampling_rate)),
    )
    provider.add_span_processor(
        BatchSpanProcessor(ZipkinExporter(endpoint=settings.tracing_endpoint))
    )
    trace.set_tracer_provider(provider)
    # Every engine, including those created later (enable_commenter off: no SQL rewrites).
    # Its declared range ends below SQLAlchemy 2.1, whose engine events it hooks are
    # unchanged; tests/integration/test_observability.py sees the statements' spans.
    SQLAlchemyInstrumentor().instrument(skip_dep_check=True)
    # The Dapr SDK's aio channels: daprd continues our trace for publish and job calls.
    GrpcAioInstrumentorClient().instrument()
    # The worker's app callback: its spans continue daprd's delivery and trigger traces.
    GrpcAioInstrumentorServer().instrument()
    HTTPXClientInstrumentor().instrument()
    _configured = True
    return True


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, to store beside what outlives it."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_of(traceparent: object) -> Context:
    """A context whose parent is the stored traceparent (the empty context when None). A
    job payload is the scheduler's word, not ours: anything but a string counts as none."""
    if not isinstance(traceparent, str) or not traceparent:
        return context.Context()
    return propagate.extract({"traceparent": traceparent}, context=context.Context())


@contextmanager
def continued_span(name: str, traceparent: object, kind: SpanKind) -> Iterator[None]:
    """A span that continues the trace a traceparent names (a new trace without one)."""
    with tracer.start_as_current_span(name, context=context_of(traceparent), kind=kind):
        yield


@contextmanager
def linked_span(name: str, traceparent: object, kind: SpanKind) -> Iterator[None]:
    """A span in the current trace (daprd's job trigger) linked to the one a traceparent
    names: work minutes or days after its origin (a reminder's firing) gets its own trace
    instead of stretching the origin's to that length, and the link joins the two."""
    origin = trace.get_current_span(context_of(traceparent)).get_span_context()
    links = [Link(origin, {"todo.link": "armed by"})] if origin.is_valid else []
    with tracer.start_as_current_span(name, kind=kind, links=links) as span:
        if origin.is_valid:
            span.set_attribute("todo.armed_by.trace_id", format(origin.trace_id, "032x"))
        yield


def log_ids() -> dict[str, str]:
    """trace_id and span_id of the current span, for a log line (empty outside a span)."""
    span = trace.get_current_span().get_span_context()
    if not span.is_valid:
        return {}
    return {"trace_id": format(span.trace_id, "032x"), "span_id": format(span.span_id, "016x")}
