"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106).

One hash or check costs tens of milliseconds of CPU by design: code on an event loop uses
the async forms, which run it in a thread (argon2-cffi releases the GIL), so sign-ins do
not stall every other request of the process.
"""

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches; a corrupt hash counts as a mismatch, never a crash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older parameters; rehash after a successful login."""
    return _hasher.check_needs_rehash(password_hash)


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)
