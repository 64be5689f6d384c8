"""The signed-in user's in-app notifications (recorded by the worker when a reminder fires)."""

from uuid import UUID

from fastapi import APIRouter, Response

from todo_core.db import session_scope
from todo_core.repositories import notifications
from todo_core.repositories.errors import NotFound
from todo_web.api.deps import CurrentUser
from todo_web.api.schemas import NotificationOut

router = APIRouter(prefix="/api/notifications", tags=["notifications"])


@router.get("")
async def list_notifications(user: CurrentUser, unread: bool = False) -> list[NotificationOut]:
    async with session_scope() as db:
        rows = await notifications.list_notifications(db, user.id, unread_only=unread)
    return [NotificationOut.of(n) for n in rows]


@router.post("/{notification_id}/read", status_code=204)
async def mark_read(user: CurrentUser, notification_id: UUID) -> Response:
    async with session_scope() as db:
        changed = await notifications.mark_read(db, user.id, notification_id)
    if changed == 0:
        async with session_scope() as db:
            known = {n.id for n in await notifications.list_notifications(db, user.id, limit=500)}
        if notification_id not in known:
            raise NotFound(str(notification_id))
    return Response(status_code=204)
