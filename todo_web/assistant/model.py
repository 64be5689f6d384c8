"""The optional language model: off by default; when a Dapr conversation component is named
(ASSISTANT_MODEL_COMPONENT), a model with tool calling drives the assistant's intents.

The model talks through the sidecar's Conversation API (alpha2, which carries tools), so
the provider is a component YAML plus a secret like every other backend. Each tool call
becomes a command the engine carries out for the signed-in user (tools.py); the model
gets the engine's reply as the tool's result. At most a few rounds per message. If the
model fails or times out before any tool ran, the built-in parser handles the message and
the reply says so; after a tool ran, what was done is reported as it stands (running the
message again could repeat a change).
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from loguru import logger

from todo_web.assistant.engine import Reply
from todo_web.assistant.tools import BY_NAME, TOOLS, BadArguments

SYSTEM_PROMPT = (
    "You manage the user's to-do list, only through the tools. Pass dates and repetitions "
    "as the user's own phrases ('tomorrow at 5pm', 'every other Tuesday'); never compute "
    "dates. A delete or a change to several tasks asks the user first: relay the question and "
    "answer it with the `answer` tool only when the user has answered. Reply in one or two "
    "short sentences."
)
FALLBACK_NOTE = "(The language model did not answer; the built-in parser handled this.)"
PARTIAL_NOTE = "(The language model stopped before it finished; this is what was done.)"


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text, as the model wrote it


@dataclass(frozen=True)
class ModelTurn:
    content: str
    tool_calls: list[ToolCall] = field(default_factory=list)


Message = dict[str, Any]  # {"role": system|user|assistant|tool, "content", "tool_calls"?, …}


class ModelClient(Protocol):
    async def complete(self, messages: list[Message], tools: list[dict[str, Any]]) -> ModelTurn:
        """One model call: the conversation so far and the tools → text and/or tool calls."""
        ...


RunCommand = Callable[[str], Awaitable[Reply]]


async def drive(
    client: ModelClient,
    message: str,
    run: RunCommand,
    max_rounds: int,
    timeout_seconds: float,
) -> Reply:
    """Answer `message` with the model's help; `run` carries out one command."""
    messages: list[Message] = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": message},
    ]
    done: list[Reply] = []
    for _ in range(max_rounds):
        try:
            async with asyncio.timeout(timeout_seconds):
                turn = await client.complete(messages, tool_schemas())
        except Exception as exc:  # noqa: BLE001 (any failure of the model: fall back)
            logger.warning("assistant model failed: {}", type(exc).__name__)
            return await _fallback(message, run, done)
        if not turn.tool_calls:
            return _combined(turn.content, done)
        messages.append(
            {"role": "assistant", "content": turn.content, "tool_calls": turn.tool_calls}
        )
        for call in turn.tool_calls:
            result = await _call(call, run, done)
            messages.append(
                {"role": "tool", "tool_id": call.id, "name": call.name, "content": result}
            )
    logger.warning("assistant model used {} rounds without an answer", max_rounds)
    return await _fallback(message, run, done)


async def _call(call: ToolCall, run: RunCommand, done: list[Reply]) -> str:
    tool = BY_NAME.get(call.name)
    if tool is None:
        return f"error: there is no tool {call.name!r}"
    try:
        command = tool.command(call.arguments)
    except BadArguments as exc:
        return f"error: {exc}"
    reply = await run(command)
    done.append(reply)
    return reply.text


async def _fallback(message: str, run: RunCommand, done: list[Reply]) -> Reply:
    if done:  # something already ran: report it, do not run the message again
        return _combined("", done, note=PARTIAL_NOTE)
    reply = await run(message)
    reply.text = f"{reply.text}\n{FALLBACK_NOTE}"
    return reply


def _combined(content: str, done: list[Reply], note: str = "") -> Reply:
    """The model's words (or the engine's, when it said nothing) with every action taken;
    the last question's answers stay offered as buttons."""
    text = content.strip() or "\n".join(r.text for r in done) or "Sorry, I have no answer."
    if note:
        text = f"{text}\n{note}"
    last = done[-1] if done else None
    return Reply(
        text,
        actions=[a for r in done for a in r.actions],
        parsed=next((r.parsed for r in reversed(done) if r.parsed), None),
        options=last.options if last else [],
        tasks=last.tasks if last else [],
    )


def tool_schemas() -> list[dict[str, Any]]:
    return [{"name": t.name, "description": t.description, "parameters": t.schema()} for t in TOOLS]


class DaprModel:
    """A ModelClient on the sidecar's Conversation API (alpha2) and one of its components."""

    def __init__(self, component: str) -> None:
        self.component = component

    async def complete(self, messages: list[Message], tools: list[dict[str, Any]]) -> ModelTurn:
        from dapr.clients.grpc import conversation as c

        from todo_web import dapr_state

        response = await (await dapr_state.client()).converse_alpha2(
            name=self.component,
            inputs=[c.ConversationInputAlpha2(messages=[_dapr_message(m) for m in messages])],
            tools=[
                c.ConversationTools(function=c.ConversationToolsFunction(**tool)) for tool in tools
            ],
            tool_choice="auto",
        )
        choice = response.outputs[0].choices[0].message
        calls = [
            ToolCall(tc.id or "", tc.function.name, tc.function.arguments)
            for tc in choice.tool_calls
            if tc.function is not None
        ]
        return ModelTurn(choice.content or "", calls)


def _dapr_message(message: Message) -> Any:
    from dapr.clients.grpc import conversation as c

    role, text = message["role"], str(message.get("content") or "")
    if role == "system":
        return c.create_system_message(text)
    if role == "user":
        return c.create_user_message(text)
    if role == "tool":
        return c.create_tool_message(message["tool_id"], message["name"], text)
    calls = [
        c.ConversationToolCalls(
            id=call.id,
            function=c.ConversationToolCallsOfFunction(name=call.name, arguments=call.arguments),
        )
        for call in message.get("tool_calls") or []
    ]
    content = [c.ConversationMessageContent(text=text)] if text else []
    return c.ConversationMessage(
        of_assistant=c.ConversationMessageOfAssistant(content=content, tool_calls=calls)
    )
