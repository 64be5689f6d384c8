"""Dapr's app API token, checked on every delivery to the worker's app port.

daprd sends `APP_API_TOKEN` as `dapr-api-token` metadata with each topic event and job
trigger (Dapr 1.18: pkg/channel/grpc, postman/grpc). It sends none with
ListTopicSubscriptions and the health check, which only describe the worker, so those two
stay open. Anything else without the token is refused before a handler sees it: a pod
that reaches the port cannot plant events or fire reminders.
"""

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from loguru import logger

HEADER = "dapr-api-token"
OPEN_METHODS = frozenset(
    {
        "/dapr.proto.runtime.v1.AppCallback/ListTopicSubscriptions",
        "/dapr.proto.runtime.v1.AppCallback/ListInputBindings",
        "/dapr.proto.runtime.v1.AppCallbackHealthCheck/HealthCheck",
    }
)


async def _refuse(request: Any, context: grpc.aio.ServicerContext) -> None:
    await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong dapr-api-token")


_REFUSED: grpc.RpcMethodHandler = grpc.unary_unary_rpc_method_handler(_refuse)


def presented(metadata: tuple[tuple[str, str | bytes], ...] | None) -> str:
    for key, value in metadata or ():
        if key == HEADER:
            return value.decode() if isinstance(value, bytes) else value
    return ""


class AppTokenCheck(grpc.aio.ServerInterceptor):
    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("an empty app API token would let every caller in")
        self._token = token.encode()

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler | None]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        method = details.method
        token = presented(details.invocation_metadata).encode()
        if method in OPEN_METHODS or hmac.compare_digest(token, self._token):
            return await continuation(details)
        logger.warning("refused a call to {} without the app API token", method)
        return _REFUSED
