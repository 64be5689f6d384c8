"""The optional model's plumbing through a real sidecar: daprd's Conversation API (alpha2)
with the `conversation.echo` component, which answers every tool it is offered with a
tool call and echoes the messages. No model and no network are involved."""

from collections.abc import AsyncIterator, Iterator

import pytest

from devstack.config import StackConfig
from tests.integration.conversation_sidecar import sidecar
from todo_web.assistant.engine import Reply
from todo_web.assistant.model import SYSTEM_PROMPT, DaprModel, drive, tool_schemas
from todo_web.assistant.tools import TOOLS

pytestmark = pytest.mark.integration

ECHO = """apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: echo
spec:
  type: conversation.echo
  version: v1
"""


@pytest.fixture(scope="module")
def echo_sidecar(
    stack: StackConfig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[int, int]]:
    """A daprd of the pinned build with only the echo component: (HTTP port, gRPC port)."""
    resources = tmp_path_factory.mktemp("echo-resources")
    with sidecar("assistant-echo", resources, {"echo.yaml": ECHO}) as ports:
        yield ports


@pytest.fixture
async def model(
    echo_sidecar: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[DaprModel]:
    from dapr.conf import settings

    from todo_web import dapr_state

    http, grpc = echo_sidecar
    monkeypatch.setattr(settings, "DAPR_HTTP_PORT", http)
    monkeypatch.setattr(settings, "DAPR_GRPC_PORT", grpc)
    monkeypatch.setattr(dapr_state, "_client", None)
    yield DaprModel("echo")
    await (await dapr_state.client()).close()


async def test_messages_and_tools_reach_the_component_and_tool_calls_come_back(
    model: DaprModel,
) -> None:
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "remind me to call mom tomorrow at 5pm"},
    ]
    turn = await model.complete(messages, tool_schemas())
    assert turn.content == f"{SYSTEM_PROMPT}\nremind me to call mom tomorrow at 5pm"
    assert sorted(call.name for call in turn.tool_calls) == sorted(t.name for t in TOOLS)
    add = next(call for call in turn.tool_calls if call.name == "add_task")
    assert add.arguments == "priority,reminder,repeat,tags,title,when"  # echo names them

    plain = await model.complete([{"role": "user", "content": "no tools"}], [])
    assert (plain.content, plain.tool_calls) == ("no tools", [])


async def test_the_tool_loop_through_the_sidecar_ends_and_answers(model: DaprModel) -> None:
    ran: list[str] = []

    async def run(command: str) -> Reply:
        ran.append(command)
        return Reply(f"ran {command}")

    reply = await drive(model, "add tea", run, max_rounds=2, timeout_seconds=10)
    # Echo's arguments are names, not JSON: those calls go back as errors. Only `undo`
    # (no parameters) is a valid call; it ran, so the message is not run again.
    assert ran and set(ran) == {"undo"}
    assert "add tea" not in ran
    assert reply.text.splitlines()[-1].startswith("(The language model stopped")
