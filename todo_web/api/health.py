"""Liveness (the process answers) and readiness (the database and the sidecar answer)."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from todo_core.db import database_reachable, get_engine
from todo_web import dapr_state

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz() -> JSONResponse:
    checks = {"database": await _database_ok(), "sidecar": await dapr_state.sidecar_ready()}
    ready = all(checks.values())
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {k: "ok" if v else "unavailable" for k, v in checks.items()},
    }
    return JSONResponse(body, status_code=200 if ready else 503)


async def _database_ok() -> bool:
    return await database_reachable(get_engine())
