import asyncio

from argon2 import PasswordHasher

from todo_core.passwords import (
    hash_password,
    hash_password_async,
    needs_rehash,
    verify_password,
    verify_password_async,
)


def test_hash_and_verify() -> None:
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$") and "correct horse" not in hashed
    assert verify_password(hashed, "correct horse battery")
    assert not verify_password(hashed, "correct horse batterY")


def test_same_password_hashes_differently() -> None:
    assert hash_password("same password") != hash_password("same password")


def test_corrupt_hash_is_a_mismatch_not_a_crash() -> None:
    assert not verify_password("not-a-hash", "whatever")


def test_weaker_parameters_need_a_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("pw123456")
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password("pw123456"))


async def test_hashing_and_checking_leave_the_event_loop_free() -> None:
    """argon2 takes tens of ms of CPU by design: on the loop, every other request of the
    process would wait for each sign-in. The async forms run it in a thread, so a ticker
    on the loop keeps ticking meanwhile (on the loop it could not tick at all)."""
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0)
            ticks += 1

    running = asyncio.ensure_future(ticker())
    await asyncio.sleep(0)
    before = ticks
    hashed = await hash_password_async("correct horse battery")
    assert await verify_password_async(hashed, "correct horse battery")
    during = ticks - before
    running.cancel()
    assert during > 10, f"the loop ran {during} times while argon2 worked"
