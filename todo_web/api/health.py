"""Liveness (the process answers) and readiness (the database and the sidecar answer)."""

import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from todo_core.db import get_engine

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz() -> JSONResponse:
    checks = {"database": await _database_ok(), "sidecar": await _sidecar_ok()}
    ready = all(checks.values())
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {k: "ok" if v else "unavailable" for k, v in checks.items()},
    }
    return JSONResponse(body, status_code=200 if ready else 503)


async def _database_ok() -> bool:
    try:
        async with get_engine().connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 (any failure means not ready)
        return False
    return True


async def _sidecar_ok() -> bool:
    from dapr.conf import settings

    url = f"http://127.0.0.1:{settings.DAPR_HTTP_PORT}/v1.0/healthz/outbound"
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            return (await client.get(url)).status_code < 300
    except httpx.HTTPError:
        return False
