"""The worker's idempotency record: (event_id, handler) is handled once."""

from uuid import UUID

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_core.models import ProcessedEvent


async def mark_processed(session: AsyncSession, event_id: UUID, handler: str) -> bool:
    """True the first time; False if this handler already processed the event.

    Call it in the same transaction as the handler's effects: if they roll back, so does
    the mark, and the redelivered event is handled again.
    """
    statement = (
        insert(ProcessedEvent)
        .values(event_id=event_id, handler=handler)
        .on_conflict_do_nothing(index_elements=["event_id", "handler"])
        .returning(col(ProcessedEvent.event_id))
    )
    result = await session.exec(statement)
    return result.scalar_one_or_none() is not None
