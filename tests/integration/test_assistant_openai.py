"""A real model's path, end to end through a real daprd: the OpenAI-compatible conversation
component (conversation.openai, built into devstack's daprd and into the cluster's, which
the Kubernetes sidecars run) against a local STAND-IN of the OpenAI HTTP API that replays
recorded replies (tests/integration/openai_standin.py). What the component sends is what
OpenAI would receive; what it gets back is OpenAI's shape."""

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack import provision
from devstack.config import StackConfig
from tests.integration.conversation_sidecar import sidecar
from tests.integration.openai_standin import StandIn, serving
from todo_web.assistant.engine import Reply
from todo_web.assistant.model import DaprModel, drive
from todo_web.assistant.tools import TOOLS

pytestmark = pytest.mark.integration

REPLIES = Path(__file__).parents[1] / "unit" / "model_replies"
KEY = "stand-in-key"  # what a Secret would hold; the stand-in only checks it arrives
COMPONENT = """apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: openai
spec:
  type: conversation.openai
  version: v1
  metadata:
  - name: key
    value: {key}
  - name: model
    value: gpt-stand-in
  - name: endpoint
    value: {endpoint}
"""


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    fixture = json.loads((REPLIES / "add_then_answer.json").read_text())
    with serving(fixture["replies"]) as server:
        yield server


@pytest.fixture(params=["devstack", "cluster"], ids=["devstack daprd", "cluster daprd"])
def daprd(request: pytest.FixtureRequest) -> Path:
    """Both builds: the cluster's is built by `make test`'s provisioning (here if missing)."""
    if request.param == "cluster":
        from devstack.cluster import build

        return build.ensure_dapr_control_plane() / "daprd"
    return provision.ensure_dapr() / "daprd"


@pytest.fixture
async def model(
    stack: StackConfig,
    stand_in: StandIn,
    daprd: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[DaprModel]:
    from dapr.conf import settings

    from todo_web import dapr_state

    component = COMPONENT.format(key=KEY, endpoint=stand_in.endpoint)
    files = {"openai.yaml": component}
    with sidecar("assistant-openai", tmp_path, files, daprd) as (http, grpc):
        monkeypatch.setattr(settings, "DAPR_HTTP_PORT", http)
        monkeypatch.setattr(settings, "DAPR_GRPC_PORT", grpc)
        monkeypatch.setattr(dapr_state, "_client", None)
        yield DaprModel("openai")
        await (await dapr_state.client()).close()


async def test_a_tool_call_from_the_openai_api_becomes_a_command(
    model: DaprModel, stand_in: StandIn
) -> None:
    ran: list[str] = []

    async def run(command: str) -> Reply:
        ran.append(command)
        return Reply(f"Added “call mom”, due tomorrow 17:00 (from: {command})")

    message = "Please remind me to call mom tomorrow at 5pm, it's important"
    reply = await drive(model, message, run, max_rounds=3, timeout_seconds=15)

    assert ran == ['add "call mom" tomorrow at 5pm high priority with a reminder']
    assert "call mom" in reply.text
    first, second = (r for r in stand_in.requests if r["path"].endswith("/chat/completions"))
    assert first["headers"].get("Authorization") == f"Bearer {KEY}"
    assert first["body"]["model"] == "gpt-stand-in"
    offered = {tool["function"]["name"] for tool in first["body"].get("tools", [])}
    assert offered == {tool.name for tool in TOOLS}
    said: list[Any] = [m.get("content") for m in first["body"]["messages"]]
    assert any(message in str(text) for text in said)
    # The second call carries the tool's result back to the model.
    roles = [m["role"] for m in second["body"]["messages"]]
    assert roles[-1] == "tool" and "call mom" in str(second["body"]["messages"][-1]["content"])
