"""The REST API, served by Reflex's backend on the same port as the UI."""

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from loguru import logger

from todo_core.settings import get_settings
from todo_web.api import (
    auth,
    browser_guard,
    browser_session,
    chat,
    errors,
    health,
    notifications,
    request_models,
    tasks,
)
from todo_web.api.body_limit import BodySizeLimit


def create_api() -> FastAPI:
    docs = get_settings().api_docs
    api = FastAPI(
        title="Todo API",
        version="1",
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    errors.install(api)
    request_models.install(api)
    for module in (health, auth, browser_session, tasks, notifications, chat):
        api.include_router(module.router)
    # Outermost, so that it also covers the Reflex routes mounted into this app.
    api.add_middleware(BodySizeLimit, max_bytes=get_settings().max_body_bytes)
    api.middleware("http")(browser_guard.guard)

    @api.middleware("http")
    async def log_request(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        if _is_foreign_api_error(request, response):
            # An unknown /api path or method falls through to the UI's router, which
            # answers with a web page or plain text; API clients get JSON instead.
            code = {404: "not_found", 405: "method_not_allowed"}.get(response.status_code)
            message = f"no such endpoint: {request.method} {request.url.path}"
            response = JSONResponse(
                errors.error_body(code or "http_error", message), response.status_code
            )
        if request.url.path.startswith("/api"):
            elapsed = (time.perf_counter() - started) * 1000
            # The server's own share of a request, for benchmarks and browser dev tools.
            response.headers["Server-Timing"] = f"app;dur={elapsed:.2f}"
            # Keyword arguments both fill the message and land in the JSON record's extra.
            logger.info(
                "request {method} {path} {status} user={user_id} {ms}ms",
                method=request.method,
                path=request.url.path,
                status=response.status_code,
                user_id=getattr(request.state, "user_id", None),
                ms=round(elapsed, 1),
            )
        return response

    return api


def _is_foreign_api_error(request: Request, response: Response) -> bool:
    is_json = response.headers.get("content-type", "").startswith("application/json")
    is_client_error = 400 <= response.status_code < 500
    return request.url.path.startswith("/api/") and is_client_error and not is_json
