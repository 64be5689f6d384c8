"""One-time sign-in tickets (hashed), redeemed atomically: one DELETE … RETURNING."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_core.models import SignInTicket, utcnow


async def issue(
    session: AsyncSession, ticket_hash: str, user_id: UUID, expires_at: datetime
) -> None:
    # Unredeemed tickets are dropped here rather than by a job: each lives seconds.
    await session.exec(delete(SignInTicket).where(col(SignInTicket.expires_at) <= utcnow()))
    session.add(SignInTicket(ticket_hash=ticket_hash, user_id=user_id, expires_at=expires_at))
    await session.flush()


async def redeem(session: AsyncSession, ticket_hash: str) -> UUID | None:
    """The ticket's user, for exactly one caller; None when unknown, used or expired."""
    statement = (
        delete(SignInTicket)
        .where(
            col(SignInTicket.ticket_hash) == ticket_hash, col(SignInTicket.expires_at) > utcnow()
        )
        .returning(col(SignInTicket.user_id))
    )
    return (await session.exec(statement)).scalar_one_or_none()
