"""The API's share of traces and metrics: the FastAPI instrumentation (a server span per
request, continuing a caller's traceparent) and GET /metrics for the metrics store.

/metrics is for the metrics store, which scrapes the pod directly. A request that came
through a proxy (the Ingress adds X-Forwarded-For, which a client cannot strip) is from the
internet: it gets a 404, so the figures (routes, users' activity) stay inside.
"""

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from todo_core.metrics import HTTP_LATENCY, HTTP_REQUESTS
from todo_core.telemetry import configure_tracing

# Not traced: probes, scrapes and Reflex's event socket (one span per open connection).
_UNTRACED = "/healthz,/livez,/readyz,/metrics,/_event,/ping,/_health"

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        raise HTTPException(status_code=404)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def install(api: FastAPI) -> None:
    api.include_router(router)
    if configure_tracing("todo-web"):
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(api, excluded_urls=_UNTRACED)


def count_request(request: Request, status: int, seconds: float) -> None:
    """Rate, errors and latency per route template (a raw path would be one series per id)."""
    route = request.scope.get("route")
    template = getattr(route, "path", "unmatched")
    HTTP_REQUESTS.labels(request.method, template, str(status)).inc()
    HTTP_LATENCY.labels(request.method, template).observe(seconds)
