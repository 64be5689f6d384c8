"""Accounts: sign-up, look-up, login check, profile and password changes."""

from datetime import datetime
from uuid import UUID

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_core.models import User, utcnow
from todo_core.passwords import (
    hash_password,
    hash_password_async,
    needs_rehash,
    verify_password_async,
)
from todo_core.repositories.errors import EmailTaken, NotFound, WrongPassword
from todo_core.validation import PasswordChange, ProfileUpdate, SignUp

# Verified against when the email is unknown, so a login takes as long either way and does
# not reveal which emails have accounts.
_DUMMY_HASH = hash_password("not-a-real-password")


async def create_user(session: AsyncSession, data: SignUp, now: datetime | None = None) -> User:
    """Insert a user; EmailTaken if the (lowercased) email exists, even under a race."""
    now = now or utcnow()
    user = User(
        email=data.email,
        password_hash=await hash_password_async(data.password.get_secret_value()),
        display_name=data.display_name,
        time_zone=data.time_zone,
        created_at=now,
        updated_at=now,
    )
    values = user.model_dump()
    statement = insert(User).values(**values).on_conflict_do_nothing(index_elements=["email"])
    result = await session.exec(statement.returning(col(User.id)))
    if result.scalar_one_or_none() is None:
        raise EmailTaken(data.email)
    return await session.get_one(User, user.id)


async def get_user(session: AsyncSession, user_id: UUID) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    statement = select(User).where(User.email == email.strip().lower())
    return (await session.exec(statement)).one_or_none()


async def authenticate(session: AsyncSession, email: str, password: str) -> User | None:
    """The user when email and password match; upgrades an outdated hash on the way."""
    user = await get_user_by_email(session, email)
    if user is None:
        await verify_password_async(_DUMMY_HASH, password)
        return None
    if not await verify_password_async(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = await hash_password_async(password)
        await session.flush()
    return user


async def update_user(session: AsyncSession, user_id: UUID, changes: ProfileUpdate) -> User:
    user = await _require(session, user_id)
    for name, value in changes.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(user, name, value)
    user.updated_at = utcnow()
    await session.flush()
    return user


async def change_password(session: AsyncSession, user_id: UUID, change: PasswordChange) -> datetime:
    """Set the new password and end every session created before now; returns that instant
    (the caller re-dates the session it keeps, so only the others end)."""
    user = await _require(session, user_id)
    current = change.current_password.get_secret_value()
    if not await verify_password_async(user.password_hash, current):
        raise WrongPassword("the current password is wrong")
    user.password_hash = await hash_password_async(change.new_password.get_secret_value())
    user.updated_at = user.sessions_valid_after = utcnow()
    await session.flush()
    return user.sessions_valid_after


async def end_all_sessions(session: AsyncSession, user_id: UUID) -> None:
    """Sign out everywhere: every session created until now is over."""
    user = await _require(session, user_id)
    user.sessions_valid_after = utcnow()
    await session.flush()


async def sessions_valid_after(session: AsyncSession, user_id: UUID) -> datetime | None:
    """When the user's sessions start to count (None: always); NotFound without a user."""
    statement = select(User.id, User.sessions_valid_after).where(User.id == user_id)
    row = (await session.exec(statement)).one_or_none()
    if row is None:
        raise NotFound(f"user {user_id}")
    return row[1]


async def _require(session: AsyncSession, user_id: UUID) -> User:
    user = await session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound(f"user {user_id}")
    return user
