"""The assistant over REST: send a message, list, read and delete conversations."""

from uuid import UUID

from fastapi import APIRouter, Request, Response

from todo_core.db import session_scope
from todo_core.metrics import ASSISTANT_REPLIES
from todo_core.models import User
from todo_core.validation import ChatMessage
from todo_web.api.deps import SignedInUserId, user_in
from todo_web.api.errors import ApiError
from todo_web.api.schemas import (
    ChatAction,
    ChatOut,
    ChatTurnOut,
    ConversationOut,
    ConversationSummaryOut,
)
from todo_web.assistant import service
from todo_web.assistant.conversations import Conversation
from todo_web.assistant.engine import Reply
from todo_web.assistant.service import UnknownConversation

router = APIRouter(prefix="/api/chat", tags=["assistant"])


def _not_found() -> ApiError:
    return ApiError(404, "not_found", "no such conversation")


@router.post("")
async def send(user_id: SignedInUserId, request: Request, body: ChatMessage) -> ChatOut:
    async def load_user() -> User:
        async with session_scope() as db:
            return await user_in(db, user_id, request)

    try:
        exchange = await service.send(user_id, load_user, body.message, body.conversation_id)
    except UnknownConversation as exc:
        raise _not_found() from exc
    reply = exchange.reply
    ASSISTANT_REPLIES.labels(_outcome(reply, exchange.conversation.pending is not None)).inc()
    return ChatOut(
        conversation_id=UUID(exchange.conversation.id),
        reply=reply.text,
        actions=[ChatAction.model_validate(a) for a in reply.actions],
        parsed=reply.parsed,
        options=reply.options,
        pending=exchange.conversation.pending is not None,
    )


@router.get("")
async def list_conversations(user_id: SignedInUserId) -> list[ConversationSummaryOut]:
    return [
        ConversationSummaryOut(
            id=UUID(c.id), title=c.title, created=c.created, updated=c.updated, turns=len(c.turns)
        )
        for c in await service.list_for(user_id)
    ]


@router.get("/{conversation_id}")
async def get_conversation(user_id: SignedInUserId, conversation_id: UUID) -> ConversationOut:
    try:
        found = await service.get(user_id, conversation_id)
    except UnknownConversation as exc:
        raise _not_found() from exc
    return _out(found)


@router.delete("/{conversation_id}", status_code=204)
async def delete_conversation(user_id: SignedInUserId, conversation_id: UUID) -> Response:
    try:
        await service.delete(user_id, conversation_id)
    except UnknownConversation as exc:
        raise _not_found() from exc
    return Response(status_code=204)


def _outcome(reply: Reply, pending: bool) -> str:
    """What the parser made of the message, as the reply shows it."""
    if reply.actions:
        return "acted"
    if pending or reply.options:
        return "asked"
    if reply.tasks or reply.parsed:
        return "listed"
    return "not_understood"


def _out(conversation: Conversation) -> ConversationOut:
    return ConversationOut(
        id=UUID(conversation.id),
        title=conversation.title,
        created=conversation.created,
        updated=conversation.updated,
        turns=[ChatTurnOut.of(t) for t in conversation.turns],
        pending=conversation.pending is not None,
    )
