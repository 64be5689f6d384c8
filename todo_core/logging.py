"""Loguru setup for both services: text for humans, JSON (one object a line) for the cluster.

Secrets never reach the sink: a patcher masks password/token/secret values, both in
structured `extra` fields and in `key=value` text inside messages.
"""

import logging as std_logging
import re
import sys
from typing import TYPE_CHECKING

from loguru import logger

from todo_core.settings import Settings, get_settings
from todo_core.telemetry import log_ids

if TYPE_CHECKING:
    from loguru import Record

_SECRET_KEY = re.compile(r"pass(word|wd)?|token|secret|authorization|cookie|api[_-]?key", re.I)
_SECRET_IN_TEXT = re.compile(
    r"(?P<key>pass(?:word|wd)?|token|secret|authorization|api[_-]?key)"
    r"(?P<sep>[\"']?\s*[=:]\s*[\"']?)(?P<value>[^\s\"',;&]+)",
    re.I,
)
MASK = "***"


def redact_text(text: str) -> str:
    """Mask the value of every `password=...`-like pair in free text."""
    return _SECRET_IN_TEXT.sub(lambda m: f"{m['key']}{m['sep']}{MASK}", text)


def _redact(record: "Record") -> None:
    record["message"] = redact_text(record["message"])
    for key in list(record["extra"]):
        if _SECRET_KEY.search(key):
            record["extra"][key] = MASK


def _patch(record: "Record") -> None:
    _redact(record)
    # Inside a span, the line joins its trace (log_ids is empty outside one).
    record["extra"].update(log_ids())


class _InterceptHandler(std_logging.Handler):
    """Routes stdlib logging (uvicorn, sqlalchemy, dapr) into loguru so one format applies."""

    def emit(self, record: std_logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(exception=record.exc_info).log(level, record.getMessage())


def configure_logging(settings: Settings | None = None) -> None:
    """Replace loguru's default sink with ours; safe to call more than once."""
    settings = settings or get_settings()
    logger.remove()
    logger.configure(patcher=_patch)
    logger.add(
        sys.stderr,
        level=settings.log_level,
        serialize=settings.log_format == "json",
        backtrace=False,
        diagnose=False,  # diagnose prints local variables, which may hold passwords
    )
    # The stdlib root level follows ours: at 0, every library's debug call (grpc logs one
    # per RPC) would be formatted and handed to loguru only to be dropped there.
    std_level = std_logging.getLevelName(settings.log_level)
    std_logging.basicConfig(
        handlers=[_InterceptHandler()],
        level=std_level if isinstance(std_level, int) else std_logging.DEBUG,
        force=True,
    )
    # APScheduler logs every run of every periodic job at INFO: only its problems matter.
    std_logging.getLogger("apscheduler").setLevel(std_logging.WARNING)
