"""A limit on the size of every request body, checked before the app reads it.

Unauthenticated routes (sign-in, sign-up) read their body whole: without a limit a few
hundred MB posted there would be held in memory before anyone is authenticated. A declared
Content-Length over the limit is refused at once; a chunked body is counted as it arrives
and refused as soon as it passes the limit. Either way the answer is 413 with the API's
error body.
"""

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo_web.api.errors import error_body


class _TooLarge(HTTPException):
    """Raised from `receive`: an HTTPException, so that FastAPI's body parsing passes it on
    (it turns any other error there into a 400) and the API answers it like any other."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than {max_bytes // 1024} KiB")


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if started:
                raise  # the answer is under way: only dropping the connection is left
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        message = _TooLarge(self.max_bytes).detail
        body = json.dumps(error_body("payload_too_large", message)).encode()
        headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
