"""The optional language model's tool loop, replayed from reply fixtures (model_replies/):
tool calls become the engine's commands, bad arguments are sent back, rounds are bounded,
and a failing model falls back to the built-in parser without repeating a change."""

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from todo_core.language import parse_command
from todo_web.assistant.engine import Reply
from todo_web.assistant.model import (
    FALLBACK_NOTE,
    PARTIAL_NOTE,
    SYSTEM_PROMPT,
    ModelTurn,
    ToolCall,
    drive,
    tool_schemas,
)
from todo_web.assistant.tools import BY_NAME

REPLIES = Path(__file__).parent / "model_replies"


def _fixture(name: str) -> dict[str, Any]:
    return json.loads((REPLIES / f"{name}.json").read_text())


class Replay:
    """A ModelClient that answers from a fixture and keeps what it was sent."""

    def __init__(self, replies: list[dict[str, Any]], fail: Exception | None = None) -> None:
        self.replies, self.fail = list(replies), fail
        self.sent: list[list[dict[str, Any]]] = []

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> ModelTurn:
        self.sent.append([dict(m) for m in messages])
        assert tools == tool_schemas()
        if self.fail is not None:
            raise self.fail
        reply = self.replies.pop(0)
        calls = [ToolCall(**call) for call in reply["tool_calls"]]
        return ModelTurn(reply["content"], calls)


class Engine:
    """Stands in for the engine: records each command and answers like it would."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    async def run(self, command: str) -> Reply:
        self.commands.append(command)
        if command.startswith("delete"):
            return Reply("Delete “renew passport”?", options=["Yes", "No"])
        action = {"kind": "created", "task_id": "t1", "title": "call mom"}
        return Reply(f"ran: {command}", actions=[action])


def _drive(client: Replay, engine: Engine, message: str, rounds: int = 3) -> Reply:
    return asyncio.run(drive(client, message, engine.run, rounds, timeout_seconds=5))


def test_a_tool_call_becomes_the_engines_command_and_the_model_words_the_reply() -> None:
    case = _fixture("add_then_answer")
    client, engine = Replay(case["replies"]), Engine()
    reply = _drive(client, engine, case["message"])
    assert engine.commands == ['add "call mom" tomorrow at 5pm high priority with a reminder']
    assert reply.text.startswith("Done: “call mom”")
    assert reply.actions == [{"kind": "created", "task_id": "t1", "title": "call mom"}]
    first, second = client.sent
    assert first == [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": case["message"]},
    ]
    result = f"ran: {engine.commands[0]}"
    assert second[-1] == {
        "role": "tool",
        "tool_id": "call_1",
        "name": "add_task",
        "content": result,
    }


def test_the_command_a_tool_makes_is_what_the_parser_reads() -> None:
    now = datetime(2026, 3, 27, 14, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    case = json.loads(_fixture("add_then_answer")["replies"][0]["tool_calls"][0]["arguments"])
    command = parse_command(BY_NAME["add_task"].command(json.dumps(case)), "Europe/Berlin", now)
    task = command.task
    assert (command.intent, task.title, task.priority.value) == ("add", "call mom", "high")
    assert task.due == datetime(2026, 3, 28, 17, tzinfo=ZoneInfo("Europe/Berlin"))
    assert task.reminder == {"kind": "at_due"}
    moved = parse_command(
        BY_NAME["move_task"].command('{"task": "the dentist", "when": "friday 3pm"}'),
        "Europe/Berlin",
        now,
    )
    assert moved.intent == "move" and moved.due.hour == 15


def test_bad_arguments_go_back_to_the_model_and_change_nothing() -> None:
    case = _fixture("bad_arguments_then_fixed")
    client, engine = Replay(case["replies"]), Engine()
    reply = _drive(client, engine, case["message"])
    assert engine.commands == ["move dentist to friday"]
    assert client.sent[1][-1]["content"].startswith("error: unknown [], missing ['when']")
    assert reply.text == "Moved the dentist to Friday."


def test_a_question_from_the_engine_stays_a_question() -> None:
    case = _fixture("delete_asks_first")
    client, engine = Replay(case["replies"]), Engine()
    reply = _drive(client, engine, case["message"])
    assert engine.commands == ["delete renew passport"]
    assert reply.options == ["Yes", "No"] and reply.actions == []


def test_rounds_are_bounded_then_the_parser_answers() -> None:
    case = _fixture("endless_tools")
    client, engine = Replay(case["replies"]), Engine()
    reply = _drive(client, engine, case["message"], rounds=3)
    assert len(client.sent) == 3
    assert engine.commands == [case["message"]]  # only the fallback ran, once
    assert reply.text.endswith(FALLBACK_NOTE)


@pytest.mark.parametrize("failure", [TimeoutError(), ConnectionError("sidecar gone")])
def test_a_failing_model_falls_back_to_the_parser(failure: Exception) -> None:
    client, engine = Replay([], fail=failure), Engine()
    reply = _drive(client, engine, "add buy milk")
    assert engine.commands == ["add buy milk"]
    assert reply.text == f"ran: add buy milk\n{FALLBACK_NOTE}"


def test_a_failure_after_a_change_does_not_repeat_it() -> None:
    case = _fixture("add_then_answer")
    client, engine = Replay(case["replies"][:1]), Engine()  # then the model fails
    reply = _drive(client, engine, case["message"])
    assert len(engine.commands) == 1
    assert reply.text.endswith(PARTIAL_NOTE) and reply.actions


def test_a_slow_model_times_out() -> None:
    class Slow(Replay):
        async def complete(self, messages: Any, tools: Any) -> ModelTurn:
            await asyncio.sleep(10)
            raise AssertionError("not reached")

    engine = Engine()
    reply = asyncio.run(drive(Slow([]), "add tea", engine.run, 3, timeout_seconds=0.05))
    assert engine.commands == ["add tea"] and reply.text.endswith(FALLBACK_NOTE)


def test_no_tool_takes_a_user() -> None:
    for schema in tool_schemas():
        names = set(schema["parameters"]["properties"])
        assert not names & {"user", "user_id", "owner", "account"}, schema["name"]
