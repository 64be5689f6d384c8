"""Throttling of sign-in, sign-up and password change, per account and per client address.

Counts live in one store for every web replica when `THROTTLE_STORAGE_URL` names a Redis
(the `limits` library's moving window, kept in Redis with its own Lua scripts, so two
replicas see one count); without it, in this process's memory, bounded: when the counters
reach `throttle_memory_max_keys` even after expired ones are dropped, attempts are refused
(fail closed) rather than the memory growing or old counts being forgotten.

What counts: every sign-up attempt; failed sign-ins and failed password checks (a success
clears the account's count, not the address's).
"""

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from todo_core.settings import Settings, get_settings

Action = Literal["sign_in", "sign_up", "password"]


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many attempts; try again in {retry_after}s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class _Rule:
    scope: Literal["account", "address"]
    limit: RateLimitItem


def _rules(settings: Settings, action: Action) -> list[_Rule]:
    return [
        _Rule("account", parse(getattr(settings, f"throttle_{action}_per_account"))),
        _Rule("address", parse(getattr(settings, f"throttle_{action}_per_address"))),
    ]


class Throttle:
    def __init__(self, storage: Storage, settings: Settings, max_keys: int | None = None) -> None:
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._settings = settings
        self._max_keys = max_keys

    def _keys(self, action: Action, account: str, address: str) -> list[tuple[_Rule, str]]:
        values = {"account": account.strip().lower(), "address": address}
        return [
            (rule, f"{action}:{rule.scope}:{values[rule.scope]}")
            for rule in _rules(self._settings, action)
        ]

    async def check(self, action: Action, account: str, address: str) -> None:
        """Throttled when either count is spent."""
        waits = []
        for rule, key in self._keys(action, account, address):
            if not await self._limiter.test(rule.limit, key):
                stats = await self._limiter.get_window_stats(rule.limit, key)
                waits.append(max(1, int(stats.reset_time - _now()) + 1))
        if waits:
            raise Throttled(max(waits))

    async def count(self, action: Action, account: str, address: str) -> None:
        """One attempt against both counts; Throttled when that spends one."""
        self._bound_memory()
        for rule, key in self._keys(action, account, address):
            if not await self._limiter.hit(rule.limit, key):
                await self.check(action, account, address)
                raise Throttled(1)

    async def attempt(self, action: Action, account: str, address: str) -> None:
        """check + count: for actions where every attempt counts (sign-up)."""
        await self.check(action, account, address)
        await self.count(action, account, address)

    async def clear_account(self, action: Action, account: str) -> None:
        for rule, key in self._keys(action, account, ""):
            if rule.scope == "account":
                await self._limiter.clear(rule.limit, key)

    def _bound_memory(self) -> None:
        if self._max_keys is None or not isinstance(self._storage, MemoryStorage):
            return
        events = self._storage.events
        if len(events) < self._max_keys:
            return
        now = _now()
        for key in [k for k, entries in events.items() if not entries or entries[0].expiry <= now]:
            events.pop(key, None)
            self._storage.locks.pop(key, None)
        if len(events) >= self._max_keys:
            raise Throttled(60)


def _now() -> float:
    return time.time()


def make_throttle(settings: Settings) -> Throttle:
    url = settings.throttle_storage_url
    if url.startswith(("redis://", "rediss://")):
        storage: Storage = RedisStorage("async+" + url, implementation="redispy")
        return Throttle(storage, settings)
    if url:
        raise ValueError("THROTTLE_STORAGE_URL must be a redis:// or rediss:// URL, or empty")
    return Throttle(MemoryStorage(), settings, max_keys=settings.throttle_memory_max_keys)


@lru_cache(maxsize=1)
def _shared() -> Throttle:
    return make_throttle(get_settings())


def throttle() -> Throttle:
    """The process's throttle (one connection pool to the shared store)."""
    return _shared()
