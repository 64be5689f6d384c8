"""A STAND-IN for the OpenAI HTTP API (not OpenAI): it replays recorded replies to
POST …/chat/completions, one per call, in OpenAI's wire shape, and keeps every request it
was sent. daprd's conversation.openai component talks to it through its `endpoint`
metadata, so the plumbing is tested end to end with no network and no model.

The replies are the tool loop's fixtures (tests/unit/model_replies/*.json): written by hand
in the shape a model answers, not recorded from a provider."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class StandIn:
    replies: list[dict[str, Any]]
    requests: list[dict[str, Any]] = field(default_factory=list)  # {"path", "headers", "body"}
    port: int = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def _completion(reply: dict[str, Any], model: str, n: int) -> dict[str, Any]:
    """One fixture reply as OpenAI's chat completion object."""
    calls = [
        {
            "id": call["id"],
            "type": "function",
            "function": {"name": call["name"], "arguments": call["arguments"]},
        }
        for call in reply.get("tool_calls", [])
    ]
    message: dict[str, Any] = {"role": "assistant", "content": reply.get("content") or None}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": f"chatcmpl-standin-{n}",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@contextmanager
def serving(replies: list[dict[str, Any]]) -> Iterator[StandIn]:
    stand_in = StandIn(list(replies))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            stand_in.requests.append(
                {"path": self.path, "headers": dict(self.headers), "body": body}
            )
            if not self.path.endswith("/chat/completions") or not stand_in.replies:
                self._send(404, {"error": {"message": "the stand-in has no reply for this"}})
                return
            reply = stand_in.replies.pop(0)
            n = len(stand_in.requests)
            self._send(200, _completion(reply, body.get("model", ""), n))

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:  # quiet
            del args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stand_in.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()
