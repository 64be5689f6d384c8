"""How a failure is answered: retry what may succeed later, drop what never will.

Dapr redelivers a RETRY (resiliency.yaml: exponential backoff, no limit), so RETRY is only
for failures of the things around us — database, sidecar, broker, state store — that heal.
A message that can never be handled is answered DROP, and Dapr moves it to the topic's
dead-letter topic. Anything unexpected is retried rather than lost: a redelivery after a
fix handles it, and the log line says what went wrong meanwhile.
"""

from enum import StrEnum
from json import JSONDecodeError
from zoneinfo import ZoneInfoNotFoundError

from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError

from todo_core.events import EventParseError
from todo_core.recurrence import RecurrenceError


class Answer(StrEnum):
    """What the worker tells Dapr (the values of TopicEventResponse)."""

    SUCCESS = "success"
    RETRY = "retry"
    DROP = "drop"


class PermanentError(Exception):
    """A message that is well-formed but can never be handled (e.g. no such job kind)."""


# Errors that say the MESSAGE is wrong, so retrying can't help. IntegrityError/DataError:
# the event names a user that no longer exists, or a value the column refuses.
PERMANENT: tuple[type[BaseException], ...] = (
    EventParseError,
    PermanentError,
    RecurrenceError,
    ZoneInfoNotFoundError,
    ValidationError,
    IntegrityError,
    DataError,
    UnicodeDecodeError,
    JSONDecodeError,
)


def classify(exc: BaseException) -> Answer:
    return Answer.DROP if isinstance(exc, PERMANENT) else Answer.RETRY


def describe(exc: BaseException) -> str:
    """One line naming the failure, for the log (no traceback, no message bodies)."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__
