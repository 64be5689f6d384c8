"""The assistant's entry point for the REST API and the UI: one message in, one reply out,
with the conversation read from and written back to the state store around it."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID, uuid4

from todo_core.models import User, utcnow
from todo_core.settings import get_settings
from todo_web.assistant import conversations, model
from todo_web.assistant.conversations import Conversation
from todo_web.assistant.engine import Engine, Reply


class UnknownConversation(LookupError):
    """No such conversation for this user (another user's looks exactly the same) → 404."""


@dataclass(frozen=True)
class Exchange:
    conversation: Conversation
    reply: Reply


UserLoader = Callable[[], Awaitable[User]]


async def send(
    user_id: UUID, load_user: UserLoader, message: str, conversation_id: UUID | None = None
) -> Exchange:
    """Handle `message` in the given conversation, or in a new one when None.

    The account (from the database) and the conversation (from the state store) are read
    at the same time. Task changes commit before the conversation is written: if the state
    store fails after that, the change stands and the API answers 503."""
    if conversation_id is None:
        await conversations.check_quota(user_id)
    key = str(conversation_id or uuid4())
    async with conversations.serialised(key):
        user, (conversation, etag) = await asyncio.gather(
            load_user(), _conversation(user_id, key, conversation_id is None)
        )
        asked = {"role": "user", "text": message, "at": utcnow().isoformat()}
        reply = await _answer(Engine(user, conversation), message)
        turns = [asked, reply.turn()]
        conversation.add_turns(turns)
        await conversations.save(conversation, etag, turns)
    if conversation_id is None:
        await conversations.remember(user_id, key)
    return Exchange(conversation, reply)


async def _answer(engine: Engine, message: str) -> Reply:
    """The built-in parser, or the language model when one is configured (off by default)."""
    settings = get_settings()
    if not settings.assistant_model_component:
        return await engine.handle(message)
    return await model.drive(
        model.DaprModel(settings.assistant_model_component),
        message,
        engine.handle,
        settings.assistant_model_max_rounds,
        settings.assistant_model_timeout_seconds,
    )


async def _conversation(user_id: UUID, key: str, new: bool) -> tuple[Conversation, str]:
    if new:
        return Conversation(id=key, owner=str(user_id)), ""
    found, etag = await conversations.load(key, user_id)
    if found is None:
        raise UnknownConversation(key)
    return found, etag


async def get(user_id: UUID, conversation_id: UUID) -> Conversation:
    found, _ = await conversations.load(conversation_id, user_id)
    if found is None:
        raise UnknownConversation(str(conversation_id))
    return found


async def delete(user_id: UUID, conversation_id: UUID) -> None:
    await get(user_id, conversation_id)
    await conversations.forget(user_id, str(conversation_id))


async def list_for(user_id: UUID) -> list[Conversation]:
    found = await conversations.list_for(user_id)
    return sorted(found, key=lambda c: c.updated, reverse=True)
