"""Every error the API returns is JSON: {"error": {"code", "message", "fields"}}.

`fields` maps a field name (dotted for nested ones) to what is wrong with it, so a client
can show the message beside the input. Nothing internal (stack traces, SQL) leaks out.
"""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from loguru import logger
from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from todo_core.repositories.errors import (
    EmailTaken,
    NotFound,
    QuotaReached,
    StaleVersion,
    TaskDone,
    WrongPassword,
)
from todo_core.validation import field_errors
from todo_web.dapr_state import SidecarUnavailable


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}
        self.headers = headers


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _json(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, fields), status_code=status, headers=headers)


def _request_fields(exc: RequestValidationError) -> dict[str, str]:
    fields = {}
    for err in exc.errors():
        loc = [str(p) for p in err["loc"] if p not in ("body", "query", "path")]
        fields[".".join(loc) or "body"] = str(err["msg"]).removeprefix("Value error, ")
    return fields


def _first(fields: dict[str, str]) -> str:
    name, msg = next(iter(fields.items()))
    return f"{name}: {msg}"


def install(api: FastAPI) -> None:
    @api.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _json(exc.status, exc.code, exc.message, exc.fields, exc.headers)

    @api.exception_handler(RequestValidationError)
    async def _request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = _request_fields(exc)
        return _json(422, "validation_error", _first(fields), fields)

    @api.exception_handler(ValidationError)
    async def _invalid(_: Request, exc: ValidationError) -> JSONResponse:
        fields = field_errors(exc)
        return _json(422, "validation_error", _first(fields), fields)

    @api.exception_handler(NotFound)
    async def _not_found(_: Request, __: NotFound) -> JSONResponse:
        return _json(404, "not_found", "no such task")

    @api.exception_handler(StaleVersion)
    async def _stale(_: Request, exc: StaleVersion) -> JSONResponse:
        return _json(409, "stale_version", str(exc), {"version": f"current is {exc.current}"})

    @api.exception_handler(TaskDone)
    async def _done(_: Request, __: TaskDone) -> JSONResponse:
        return _json(409, "task_done", "the task is done; reopen it to snooze its reminder")

    @api.exception_handler(EmailTaken)
    async def _taken(_: Request, __: EmailTaken) -> JSONResponse:
        msg = "an account with this email exists"
        return _json(409, "email_taken", msg, {"email": msg})

    @api.exception_handler(QuotaReached)
    async def _quota(_: Request, exc: QuotaReached) -> JSONResponse:
        return _json(409, "quota_reached", str(exc))

    @api.exception_handler(WrongPassword)
    async def _wrong_password(_: Request, __: WrongPassword) -> JSONResponse:
        msg = "the current password is wrong"
        return _json(400, "wrong_password", msg, {"current_password": msg})

    @api.exception_handler(SidecarUnavailable)
    async def _sidecar(_: Request, exc: SidecarUnavailable) -> JSONResponse:
        logger.warning("dapr sidecar unavailable: {}", exc)
        return _json(
            503,
            "sidecar_unavailable",
            "the session store is unavailable; try again shortly",
            headers={"Retry-After": "5"},
        )

    # Only "could not reach or talk to the database" is 503; a DataError is our bug (500).
    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    @api.exception_handler(OSError)
    async def _database(_: Request, exc: Exception) -> JSONResponse:
        logger.warning("database unavailable: {}", type(exc).__name__)
        return _json(
            503,
            "database_unavailable",
            "the database is unavailable; try again shortly",
            headers={"Retry-After": "5"},
        )

    @api.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        code = codes.get(exc.status_code, "http_error")
        return _json(exc.status_code, code, str(exc.detail))

    @api.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.opt(exception=exc).error("unhandled error")
        return _json(500, "internal_error", "something went wrong on our side")
