"""The REST API, served by Reflex's backend on the same port as the UI."""

from fastapi import FastAPI


def create_api() -> FastAPI:
    api = FastAPI(title="Todo API", version="1")

    @api.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return api
