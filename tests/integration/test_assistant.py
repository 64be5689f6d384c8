"""The assistant on the real stack: conversations in Dapr's state table, the same
repositories and outbox as the REST API, and its guards (confirmation, isolation, limits)."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import psycopg
import pytest

from devstack import processes
from devstack import stack as devstack_stack
from devstack.config import StackConfig
from devstack.parts import WEB_SIDECAR
from tests.faults.helpers import wait_until
from tests.integration.api_client import sign_up

from .test_worker_support import log_lines

pytestmark = pytest.mark.integration


def _chat(api: httpx.Client, message: str, conversation_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if conversation_id:
        body["conversation_id"] = conversation_id
    resp = api.post("/api/chat", json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _state_row(stack: StackConfig, key: str) -> tuple[Any, datetime | None] | None:
    with psycopg.connect(stack.database_url("postgresql")) as conn:
        row = conn.execute(
            "SELECT value, expires_at FROM dapr.state WHERE key = %s", (f"todo-web||{key}",)
        ).fetchone()
    if row is None:
        return None
    value = row[0] if isinstance(row[0], dict) else json.loads(bytes(row[0]))
    return value, row[1]


def _tasks(api: httpx.Client, **params: str) -> list[dict[str, Any]]:
    resp = api.get("/api/tasks", params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


def test_conversation_is_a_row_in_daprs_state_table_with_its_expiry(stack: StackConfig) -> None:
    api = sign_up(stack, zone="Europe/Berlin")
    out = _chat(api, "add buy oat milk tomorrow at 5pm #shop p1")
    assert [a["kind"] for a in out["actions"]] == ["created"]
    assert out["parsed"]["tags"] == ["shop"] and out["parsed"]["priority"] == "high"
    (task,) = _tasks(api)
    assert (task["title"], task["priority"], task["tags"]) == ("buy oat milk", "high", ["shop"])
    assert task["id"] == out["actions"][0]["task_id"]

    row = _state_row(stack, f"chat:{out['conversation_id']}")
    assert row is not None, "no chat:{id} row in dapr.state"
    record, expires = row
    assert record["owner"] == api.get("/api/me").json()["id"]
    assert [t["role"] for t in record["turns"]] == ["user", "assistant"]
    assert expires is not None, "the conversation has no TTL"
    left = expires - datetime.now(UTC)
    assert timedelta(days=29) < left <= timedelta(days=30, minutes=1)
    index = _state_row(stack, f"chats:{record['owner']}")
    assert index is not None and index[0]["ids"] == [out["conversation_id"]]
    assert index[1] is None  # the index lives on; expired ids are pruned when listed

    listed = api.get("/api/chat").json()
    assert [c["id"] for c in listed] == [out["conversation_id"]] and listed[0]["turns"] == 2
    assert api.delete(f"/api/chat/{out['conversation_id']}").status_code == 204
    assert _state_row(stack, f"chat:{out['conversation_id']}") is None
    assert api.get("/api/chat").json() == []


def test_bad_messages_are_422_naming_the_field_and_write_nothing(stack: StackConfig) -> None:
    api = sign_up(stack)
    for message in ["", "   ", "x" * 2001, "buy\x00milk"]:
        resp = api.post("/api/chat", json={"message": message})
        assert resp.status_code == 422, resp.text
        error = resp.json()["error"]
        assert error["code"] == "validation_error" and "message" in error["fields"]
    resp = api.post("/api/chat", json={"message": "hi", "conversation_id": "not-a-uuid"})
    assert resp.status_code == 422 and "conversation_id" in resp.json()["error"]["fields"]
    assert api.get("/api/chat").json() == []
    assert _tasks(api) == []


def test_two_messages_at_once_are_both_kept_in_order(stack: StackConfig) -> None:
    api = sign_up(stack)
    conversation = _chat(api, "help")["conversation_id"]
    messages = ["add alpha report", "add beta report"]
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda m: _chat(api, m, conversation), messages))
    assert all(r["conversation_id"] == conversation for r in replies)
    turns = api.get(f"/api/chat/{conversation}").json()["turns"]
    assert [t["role"] for t in turns] == ["user", "assistant"] * 3
    asked = [turns[2]["text"], turns[4]["text"]]
    assert sorted(asked) == messages
    for i in (2, 4):  # each reply follows its own message
        title = turns[i]["text"].removeprefix("add ")
        assert turns[i + 1]["actions"][0]["title"] == title
    assert sorted(t["title"] for t in _tasks(api)) == ["alpha report", "beta report"]


def test_another_users_conversation_answers_like_an_unknown_one(stack: StackConfig) -> None:
    owner, other = sign_up(stack), sign_up(stack)
    conversation = _chat(owner, "add private thing")["conversation_id"]
    unknown = "00000000-0000-4000-8000-000000000000"
    for cid in (conversation, unknown):
        got = other.get(f"/api/chat/{cid}")
        posted = other.post("/api/chat", json={"message": "help", "conversation_id": cid})
        deleted = other.delete(f"/api/chat/{cid}")
        for resp in (got, posted, deleted):
            assert resp.status_code == 404, resp.text
            assert resp.json() == {
                "error": {"code": "not_found", "message": "no such conversation", "fields": {}}
            }
    assert len(owner.get(f"/api/chat/{conversation}").json()["turns"]) == 2
    assert other.get("/api/chat").json() == []


@pytest.mark.local_stack_only
def test_a_web_restart_mid_conversation_loses_nothing(stack: StackConfig) -> None:
    api = sign_up(stack)
    conversation = _chat(api, "add water the plants")["conversation_id"]
    _chat(api, "add feed the cat", conversation)
    listed = _chat(api, "show my tasks", conversation)
    assert "1." in listed["reply"]

    processes.stop(stack.run_dir, "todo-web")
    devstack_stack.up(stack)  # starts what is missing: the web app

    first = api.get(f"/api/chat/{conversation}").json()["turns"][5]["text"].split("\n")[1]
    title = first.split(". ", 1)[1].split(" · ")[0]
    done = _chat(api, "complete the first one", conversation)
    assert done["actions"] == [
        {
            "kind": "completed",
            "task_id": done["actions"][0]["task_id"],
            "title": title,
            "changes": [{"field": "status", "before": "open", "after": "done"}],
        }
    ]
    assert len(api.get(f"/api/chat/{conversation}").json()["turns"]) == 8


def test_a_reminder_made_in_chat_fires(stack: StackConfig) -> None:
    api = sign_up(stack, zone="America/New_York")
    out = _chat(api, "remind me to stretch in 1 minute")
    task_id = out["actions"][0]["task_id"]
    task = api.get(f"/api/tasks/{task_id}").json()
    assert task["remind_at"] == task["due_at"] and task["reminder"] == {"kind": "at_due"}

    def notified() -> Any:
        rows = api.get("/api/notifications").json()
        return [n for n in rows if n["task_id"] == task_id]

    (note,) = wait_until(notified, "the notification", timeout=150)
    assert note["title"] == "stretch"
    with psycopg.connect(stack.database_url("postgresql")) as conn:
        rows = conn.execute("SELECT title FROM notification WHERE task_id = %s", (task_id,))
        assert rows.fetchall() == [("stretch",)]
    assert log_lines(stack, "notification.sent", task_id)


def test_a_pending_delete_that_is_refused_changes_nothing(stack: StackConfig) -> None:
    api = sign_up(stack)
    conversation = _chat(api, "add renew passport next week")["conversation_id"]
    (before,) = _tasks(api)
    asked = _chat(api, "delete renew passport", conversation)
    assert asked["options"] == ["Yes", "No"] and asked["pending"] and asked["actions"] == []
    assert api.get(f"/api/tasks/{before['id']}").json() == before

    refused = _chat(api, "no", conversation)
    assert refused["actions"] == [] and not refused["pending"]
    assert api.get(f"/api/tasks/{before['id']}").json() == before
    assert _chat(api, "yes", conversation)["actions"] == []  # nothing is waiting any more
    assert api.get(f"/api/tasks/{before['id']}").json() == before

    _chat(api, "delete renew passport", conversation)
    deleted = _chat(api, "yes", conversation)
    assert [a["kind"] for a in deleted["actions"]] == ["deleted"]
    assert api.get(f"/api/tasks/{before['id']}").status_code == 404
    restored = _chat(api, "undo", conversation)
    assert [a["kind"] for a in restored["actions"]] == ["restored"]
    assert api.get(f"/api/tasks/{before['id']}").json()["title"] == "renew passport"


def test_completing_a_recurring_task_in_chat_makes_the_next_one(stack: StackConfig) -> None:
    api = sign_up(stack, zone="Asia/Tokyo")
    conversation = _chat(api, "add standup every weekday at 9")["conversation_id"]
    (first,) = _tasks(api)
    assert first["recurrence"] == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    done = _chat(api, "mark standup as done", conversation)
    assert [a["kind"] for a in done["actions"]] == ["completed"]
    (following,) = wait_until(lambda: _tasks(api, status="open"), "the next occurrence", timeout=60)
    assert following["series_id"] == first["series_id"]
    assert following["due_at"] > first["due_at"]


def test_names_positions_questions_and_bulk_changes(stack: StackConfig) -> None:
    api = sign_up(stack)
    conversation = _chat(api, "add pay the phone bill")["conversation_id"]
    for message in ["add pay the water bill", "add call the plumber tomorrow"]:
        _chat(api, message, conversation)
    question = _chat(api, "complete pay bill", conversation)
    assert question["pending"] and len(question["options"]) == 2 and not question["actions"]
    chosen = _chat(api, "2", conversation)
    assert [a["kind"] for a in chosen["actions"]] == ["completed"]

    assert _chat(api, "rename plumber to call the electrician", conversation)["actions"]
    moved = _chat(api, "postpone it by 2 days", conversation)
    assert [a["kind"] for a in moved["actions"]] == ["updated"]

    bulk = _chat(api, "delete all open tasks", conversation)
    assert bulk["pending"] and bulk["options"] == ["Yes", "No"]
    assert len(_tasks(api, status="open")) == 2
    gone = _chat(api, "yes", conversation)
    assert len(gone["actions"]) == 2 and _tasks(api, status="open") == []
    unknown = _chat(api, "what is the airspeed of a swallow carrying a coconut?", conversation)
    assert unknown["actions"] == []


async def test_a_write_that_loses_the_etag_race_keeps_both_writers_turns(
    stack: StackConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two replicas answering in one conversation: the second write carries a stale ETag,
    is refused by the state store, and re-reads and appends instead of overwriting."""
    from dapr.conf import settings

    from todo_web import dapr_state
    from todo_web.assistant import conversations

    monkeypatch.setattr(settings, "DAPR_HTTP_PORT", WEB_SIDECAR.http_port(stack))
    monkeypatch.setattr(settings, "DAPR_GRPC_PORT", WEB_SIDECAR.grpc_port(stack))
    monkeypatch.setattr(dapr_state, "_client", None)
    api = sign_up(stack)
    cid = _chat(api, "help")["conversation_id"]
    owner = UUID(api.get("/api/me").json()["id"])
    try:
        mine, stale = await conversations.load(cid, owner)
        theirs, current = await conversations.load(cid, owner)
        assert mine is not None and theirs is not None and stale == current
        their_turns = [
            {"role": "user", "text": "from elsewhere"},
            {"role": "assistant", "text": "ok"},
        ]
        theirs.add_turns(their_turns)
        await conversations.save(theirs, current, their_turns)

        with pytest.raises(dapr_state.StateConflict):
            await dapr_state.save_json_etag(conversations.chat_key(cid), {}, stale, 60)
        my_turns = [{"role": "user", "text": "mine"}, {"role": "assistant", "text": "mine too"}]
        mine.add_turns(my_turns)
        mine.last_list = ["kept"]
        await conversations.save(mine, stale, my_turns)
    finally:
        await (await dapr_state.client()).close()

    record, _ = _state_row(stack, f"chat:{cid}")
    texts = [t["text"] for t in record["turns"]]
    assert texts[0] == "help" and texts[2:] == ["from elsewhere", "ok", "mine", "mine too"]
    assert record["last_list"] == ["kept"]


def test_an_expired_conversation_leaves_the_list_and_the_index(stack: StackConfig) -> None:
    api = sign_up(stack)
    kept = _chat(api, "help")["conversation_id"]
    expired = _chat(api, "add something")["conversation_id"]
    with psycopg.connect(stack.database_url("postgresql")) as conn:
        # What the store's TTL does: the row's expiry passes.
        conn.execute(
            "UPDATE dapr.state SET expires_at = now() - interval '1 second' WHERE key = %s",
            (f"todo-web||chat:{expired}",),
        )
    assert [c["id"] for c in api.get("/api/chat").json()] == [kept]
    assert api.get(f"/api/chat/{expired}").status_code == 404
    owner = api.get("/api/me").json()["id"]
    assert _state_row(stack, f"chats:{owner}")[0]["ids"] == [kept]


def test_a_change_names_each_field_before_and_after_and_undo_takes_it_back(
    stack: StackConfig,
) -> None:
    api = sign_up(stack, zone="Europe/Berlin")
    api.post("/api/tasks", json={"title": "Finish quarterly report", "priority": "medium"})
    conversation = _chat(api, "help")["conversation_id"]
    out = _chat(api, "make the quarterly report high priority", conversation)
    (action,) = out["actions"]
    assert action["changes"] == [{"field": "priority", "before": "medium", "after": "high"}]
    assert "priority: medium → high" in out["reply"]
    _chat(api, "undo", conversation)
    assert [t["priority"] for t in _tasks(api)] == ["medium"]


def test_a_task_nobody_named_is_never_changed(stack: StackConfig) -> None:
    api = sign_up(stack, zone="Europe/Berlin")
    for title in ("Finish quarterly report", "Card for mom", "Walk the dog"):
        api.post("/api/tasks", json={"title": title, "priority": "medium"})
    for message in (
        "change the priority of quarterly taxes to high",
        "make the car wash high priority",
        "complete dog food",
        "delete the budget",
    ):
        out = _chat(api, message)
        assert out["actions"] == [] and "nothing changed" in out["reply"], (message, out)
    tasks = _tasks(api, status="open")
    assert len(tasks) == 3 and {t["priority"] for t in tasks} == {"medium"}
