"""Tasks of the signed-in user. Every change writes its events to the outbox in the same
transaction; the relay is nudged right after the commit. Each request reads the account and
does its work in one transaction (one pooled connection, one BEGIN/COMMIT)."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Query, Request, Response

from todo_core.db import session_scope
from todo_core.models import utcnow
from todo_core.repositories import tasks
from todo_core.repositories.activity import list_activity
from todo_core.repositories.errors import NotFound
from todo_core.validation import (
    ListQuery,
    SnoozeRequest,
    TaskCreate,
    TaskUpdate,
    task_create_off_loop,
)
from todo_web import relay
from todo_web.api.deps import SignedInUserId, user_in
from todo_web.api.request_models import described_by
from todo_web.api.schemas import ActivityOut, TaskOut, TaskPageOut

router = APIRouter(prefix="/api/tasks", tags=["tasks"])
JsonBody = Annotated[dict[str, Any], Body()]


@router.get("")
async def list_tasks(
    user_id: SignedInUserId,
    request: Request,
    q: str | None = None,
    status: str | None = None,
    priority: str | None = None,
    tag: str | None = None,
    due: str | None = None,
    sort: str = "due",
    order: str = "asc",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: str | None = None,
) -> TaskPageOut:
    raw = {
        "q": q,
        "status": status,
        "priority": priority,
        "tag": tag,
        "due": due,
        "sort": sort,
        "order": order,
        "limit": limit,
        "cursor": cursor,
    }
    query = ListQuery.model_validate({k: v for k, v in raw.items() if v is not None})
    async with session_scope() as db:
        user = await user_in(db, user_id, request)
        page = await tasks.list_tasks(db, user.id, query, user.time_zone)
    return TaskPageOut(
        items=[TaskOut.of(t, user.time_zone) for t in page.items], next_cursor=page.next_cursor
    )


@router.post("", status_code=201, openapi_extra=described_by(TaskCreate))
async def create_task(user_id: SignedInUserId, request: Request, body: JsonBody) -> TaskOut:
    async with session_scope() as db:
        user = await user_in(db, user_id, request)
        data = await task_create_off_loop(body, user.time_zone)
        task = await tasks.create_task(db, user.id, data)
    relay.notify()
    return TaskOut.of(task, user.time_zone)


@router.get("/{task_id}")
async def get_task(user_id: SignedInUserId, request: Request, task_id: UUID) -> TaskOut:
    async with session_scope() as db:
        user = await user_in(db, user_id, request)
        task = await tasks.get_task(db, user.id, task_id)
    if task is None:
        raise NotFound(str(task_id))
    return TaskOut.of(task, user.time_zone)


@router.patch("/{task_id}", openapi_extra=described_by(TaskUpdate))
async def update_task(
    user_id: SignedInUserId, request: Request, task_id: UUID, body: JsonBody
) -> TaskOut:
    async with session_scope() as db:
        user = await user_in(db, user_id, request)
        changes = TaskUpdate.model_validate(body, context={"time_zone": user.time_zone})
        task = await tasks.update_task(db, user.id, task_id, changes)
    relay.notify()
    return TaskOut.of(task, user.time_zone)


@router.delete("/{task_id}", status_code=204)
async def delete_task(
    user_id: SignedInUserId, request: Request, task_id: UUID, version: int | None = None
) -> Response:
    async with session_scope() as db:
        user = await user_in(db, user_id, request)
        await tasks.delete_task(db, user.id, task_id, expected_version=version)
    relay.notify()
    return Response(status_code=204)


@router.post("/{task_id}/complete")
async def complete_task(
    user_id: SignedInUserId, request: Request, task_id: UUID, version: int | None = None
) -> TaskOut:
    async with session_scope() as db:
        user = await user_in(db, user_id, request)
        task = await tasks.complete_task(db, user.id, task_id, expected_version=version)
    relay.notify()
    return TaskOut.of(task, user.time_zone)


@router.post("/{task_id}/reopen")
async def reopen_task(
    user_id: SignedInUserId, request: Request, task_id: UUID, version: int | None = None
) -> TaskOut:
    async with session_scope() as db:
        user = await user_in(db, user_id, request)
        task = await tasks.reopen_task(db, user.id, task_id, expected_version=version)
    relay.notify()
    return TaskOut.of(task, user.time_zone)


@router.post("/{task_id}/snooze", openapi_extra=described_by(SnoozeRequest))
async def snooze_task(
    user_id: SignedInUserId, request: Request, task_id: UUID, body: JsonBody
) -> TaskOut:
    """Move the task's reminder: {"minutes": 30} from now, or {"until": "2026-06-10T15:00"}
    (the user's wall-clock time, or with an offset); "version" as for a PATCH."""
    now = utcnow()
    async with session_scope() as db:
        user = await user_in(db, user_id, request)
        wanted = SnoozeRequest.model_validate(
            body, context={"time_zone": user.time_zone, "now": now}
        )
        task = await tasks.snooze_task(
            db, user.id, task_id, wanted.instant(now), wanted.version, now
        )
    relay.notify()
    return TaskOut.of(task, user.time_zone)


@router.get("/{task_id}/activity")
async def task_activity(
    user_id: SignedInUserId, request: Request, task_id: UUID
) -> list[ActivityOut]:
    async with session_scope() as db:
        user = await user_in(db, user_id, request)
        if await tasks.get_task(db, user.id, task_id) is None:
            raise NotFound(str(task_id))
        rows = await list_activity(db, user.id, task_id)
    return [ActivityOut.of(a) for a in rows]
