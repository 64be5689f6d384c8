"""Conversations in the Dapr state store, through the sidecar like sessions.

  chat:{conversation_id}  owner, turns (capped), the last list shown, the task last talked
                          about, a pending question, the undo record; TTL; ETag-guarded
  chats:{user_id}         the user's conversation ids, newest first (the PostgreSQL state
                          store has no query API); no TTL: ids of expired conversations are
                          pruned when the list is read; ETag-guarded

Two messages at once in one conversation: this process serialises them per conversation
(a lock), and the ETag guards against another replica; a write that loses re-reads the
record and appends its turns to the newer one, so both are kept, in order.
A conversation of another user reads exactly like a missing one.
"""

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from todo_core.repositories.errors import QuotaReached
from todo_core.settings import get_settings
from todo_web import dapr_state
from todo_web.dapr_state import StateConflict

_WRITE_ATTEMPTS = 8
_locks: "weakref.WeakValueDictionary[str, asyncio.Lock]" = weakref.WeakValueDictionary()


def chat_key(conversation_id: UUID | str) -> str:
    return f"chat:{conversation_id}"


def index_key(user_id: UUID | str) -> str:
    return f"chats:{user_id}"


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Conversation:
    id: str
    owner: str
    created: str = field(default_factory=_now)
    updated: str = field(default_factory=_now)
    title: str = ""
    turns: list[dict[str, Any]] = field(default_factory=list)
    last_list: list[str] = field(default_factory=list)  # task ids, in the order shown
    last_task: str | None = None  # the task last acted on ("it")
    pending: dict[str, Any] | None = None  # a question waiting for an answer
    undo: list[dict[str, Any]] | None = None  # how to take back the last change

    @classmethod
    def of(cls, record: dict[str, Any]) -> "Conversation":
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in record.items() if k in names})

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    def add_turns(self, turns: list[dict[str, Any]]) -> None:
        self.turns = (self.turns + turns)[-get_settings().chat_max_turns :]
        self.updated = _now()
        if not self.title and turns:
            self.title = turns[0]["text"][:80]


@asynccontextmanager
async def serialised(conversation_id: str) -> AsyncIterator[None]:
    """One message at a time per conversation in this process."""
    lock = _locks.get(conversation_id)
    if lock is None:
        lock = _locks[conversation_id] = asyncio.Lock()
    async with lock:
        yield


async def load(conversation_id: UUID | str, owner: UUID) -> tuple[Conversation | None, str]:
    """(the conversation, its etag); None when missing, expired or someone else's."""
    record, etag = await dapr_state.get_json_etag(chat_key(conversation_id))
    if record is None or record.get("owner") != str(owner):
        return None, ""
    return Conversation.of(record), etag


async def save(conversation: Conversation, etag: str, new_turns: list[dict[str, Any]]) -> None:
    """Write the conversation; on a lost race, re-read and append our turns to the newer
    record (keeping our view of the list, question and undo, which came last)."""
    ttl = get_settings().chat_ttl_seconds
    key = chat_key(conversation.id)
    for _ in range(_WRITE_ATTEMPTS):
        try:
            await dapr_state.save_json_etag(key, conversation.to_record(), etag, ttl)
            return
        except StateConflict:
            record, etag = await dapr_state.get_json_etag(key)
            if record is None:
                etag = ""
                continue
            newer = Conversation.of(record)
            newer.add_turns(new_turns)
            newer.last_list, newer.last_task = conversation.last_list, conversation.last_task
            newer.pending, newer.undo = conversation.pending, conversation.undo
            conversation = newer
    raise StateConflict(key)


async def remember(owner: UUID, conversation_id: str) -> None:
    """Put the conversation first in the user's index."""
    await _update_index(
        owner, lambda ids: [conversation_id, *[i for i in ids if i != conversation_id]]
    )


async def check_quota(owner: UUID) -> None:
    """QuotaReached when the user already keeps the most conversations an account may.

    The index may still hold expired ones: at the limit they are pruned (list_for) and
    counted again, so only live conversations count."""
    limit = get_settings().max_conversations_per_user
    record, _ = await dapr_state.get_json_etag(index_key(owner))
    if len((record or {}).get("ids", [])) >= limit and len(await list_for(owner)) >= limit:
        raise QuotaReached(
            f"an account keeps at most {limit} conversations; delete one to start another"
        )


async def forget(owner: UUID, conversation_id: str) -> None:
    await dapr_state.delete(chat_key(conversation_id))
    await _update_index(owner, lambda ids: [i for i in ids if i != conversation_id])


async def _update_index(owner: UUID, change: Callable[[list[str]], list[str]]) -> None:
    key = index_key(owner)
    for _ in range(_WRITE_ATTEMPTS):
        record, etag = await dapr_state.get_json_etag(key)
        ids = change(list((record or {}).get("ids", [])))
        ids = ids[: get_settings().max_conversations_per_user]
        try:
            await dapr_state.save_json_etag(key, {"ids": ids}, etag)
            return
        except StateConflict:
            continue
    raise StateConflict(key)


async def list_for(owner: UUID) -> list[Conversation]:
    """The user's conversations, newest first; expired ones leave the index here."""
    record, _ = await dapr_state.get_json_etag(index_key(owner))
    ids = list((record or {}).get("ids", []))
    found = await asyncio.gather(*(load(i, owner) for i in ids))
    alive = [conversation for conversation, _ in found if conversation is not None]
    if len(alive) < len(ids):
        gone = {i for i, (conversation, _) in zip(ids, found, strict=True) if conversation is None}
        await _update_index(owner, lambda current: [i for i in current if i not in gone])
    return alive
