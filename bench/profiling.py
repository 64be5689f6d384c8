"""Where a task create spends its time: the REST app run in this process under pyinstrument,
against the bench stack's PostgreSQL and the web app's sidecar (what the real process does,
minus uvicorn and Reflex around it)."""

import asyncio
import os
import time

import httpx
from pyinstrument import Profiler

from bench import api
from bench.stack import web_url
from devstack.config import StackConfig


def _point_settings_at(cfg: StackConfig) -> None:
    # Both todo_core settings and the Dapr SDK read the environment once, on first use.
    os.environ["DATABASE_URL"] = cfg.app_database_url()  # as the web app connects
    os.environ["DAPR_HTTP_PORT"] = str(cfg.port("TODO_WEB_DAPR_HTTP_PORT"))
    os.environ["DAPR_GRPC_PORT"] = str(cfg.port("TODO_WEB_DAPR_GRPC_PORT"))
    from dapr.conf import settings

    # The SDK's Settings sets its attributes at run time from dapr.conf.global_settings.
    settings.DAPR_HTTP_PORT = cfg.port("TODO_WEB_DAPR_HTTP_PORT")  # type: ignore[attr-defined]
    settings.DAPR_GRPC_PORT = cfg.port("TODO_WEB_DAPR_GRPC_PORT")  # type: ignore[attr-defined]


async def _creates(cfg: StackConfig, n: int) -> tuple[str, float]:
    _point_settings_at(cfg)
    from loguru import logger

    from todo_web.api import create_api

    logger.remove()  # a log line per request would be profiled and flood the terminal
    app = create_api()
    # A user signed up through the real server; its token works here too (same Dapr state).
    real = await api.sign_up(cfg)
    token = real.headers["authorization"]
    await real.aclose()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url=web_url(cfg), headers={"authorization": token}
    ) as client:
        for i in range(20):  # warm pools and imports outside the profile
            (await client.post("/api/tasks", json=api.task_with_reminder(i))).raise_for_status()
        profiler = Profiler(interval=0.0005, async_mode="enabled")
        t0 = time.perf_counter()
        with profiler:
            for i in range(n):
                resp = await client.post("/api/tasks", json=api.task_with_reminder(i))
                resp.raise_for_status()
        per_request = (time.perf_counter() - t0) * 1000 / n
    return profiler.output_text(unicode=False, color=False, show_all=False), per_request


def profile_create(cfg: StackConfig, n: int = 200) -> tuple[str, float]:
    """pyinstrument's call tree for n creates, and the mean milliseconds per create."""
    return asyncio.run(_creates(cfg, n))
