"""How a failure is answered: retry what may heal, dead-letter everything else.

Only failures of the things around us are retried: the database or the sidecar
unreachable, a timeout, a serialization conflict. Dapr redelivers a RETRY with a finite
budget (resiliency.yaml: every 5 s for an hour), then dead-letters it. Anything else says
the message or our code is wrong (a malformed or unknown event, a validation or arithmetic
error, a bug such as a TypeError): retrying it can never help and would hold its partition
for ever, so after a few quick attempts in the worker (dispatch.py) it is answered DROP and
ends in the topic's dead-letter topic, its traceback logged at ERROR.
"""

from enum import StrEnum

import grpc
from dapr.clients.exceptions import DaprGrpcError
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout


class Answer(StrEnum):
    """What the worker tells Dapr (the values of TopicEventResponse)."""

    SUCCESS = "success"
    RETRY = "retry"
    DROP = "drop"


class PermanentError(Exception):
    """A message that is well-formed but can never be handled (e.g. no such job kind)."""


# Network-level failures (asyncpg's connection errors are OSErrors too), timeouts and the
# pool's wait. ConnectionError covers the sidecar client's SidecarUnavailable.
_TRANSIENT_TYPES: tuple[type[BaseException], ...] = (
    OSError,  # TimeoutError and ConnectionError are OSErrors
    DisconnectionError,
    PoolTimeout,
)
_TRANSIENT_GRPC = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ABORTED,
}
# SQLSTATE classes and codes that heal: connection exceptions (08), transaction rollbacks
# such as serialization failures and deadlocks (40), insufficient resources (53), operator
# intervention such as a shutdown or "cannot connect now" (57P), a lock not available.
_TRANSIENT_SQLSTATE_PREFIXES = ("08", "40", "53", "57P", "55P03")


def is_transient(exc: BaseException) -> bool:
    """Whether `exc`, or what caused it, is a failure that may heal by itself."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:  # a cause chain is finite
        seen.add(id(current))
        if _transient_here(current):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def _transient_here(exc: BaseException) -> bool:
    if isinstance(exc, _TRANSIENT_TYPES):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, DaprGrpcError | grpc.aio.AioRpcError):
        return exc.code() in _TRANSIENT_GRPC
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return isinstance(state, str) and state.startswith(_TRANSIENT_SQLSTATE_PREFIXES)


def classify(exc: BaseException) -> Answer:
    return Answer.RETRY if is_transient(exc) else Answer.DROP


def describe(exc: BaseException) -> str:
    """One line naming the failure, for the log (no traceback, no message bodies)."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__
