"""The throttle's counts are shared between replicas through the stack's real Redis."""

import uuid

import httpx
import pytest
import redis

from devstack import parts
from devstack.config import StackConfig
from tests.integration.api_client import base_url
from todo_core.settings import Settings
from todo_web.throttle import Throttle, Throttled, make_throttle

pytestmark = pytest.mark.integration


def _replicas(stack: StackConfig) -> tuple[Throttle, Throttle]:
    """Two web replicas' throttles: separate clients, one Redis, the default limits."""
    settings = Settings(throttle_storage_url=parts.redis_url(stack))
    return make_throttle(settings), make_throttle(settings)


async def test_sign_in_failures_on_one_replica_throttle_the_other(stack: StackConfig) -> None:
    first, second = _replicas(stack)
    account = f"shared-{uuid.uuid4().hex[:8]}@example.com"
    for _ in range(5):
        await first.check("sign_in", account, "198.51.100.1")
        await first.count("sign_in", account, "198.51.100.1")
    with pytest.raises(Throttled) as refused:
        await second.check("sign_in", account, "198.51.100.2")
    assert refused.value.retry_after > 0
    await second.clear_account("sign_in", account)
    await first.check("sign_in", account, "198.51.100.1")


async def test_sign_ups_from_one_address_are_counted_across_replicas(stack: StackConfig) -> None:
    first, second = _replicas(stack)
    address = f"2001:db8::{uuid.uuid4().hex[:4]}"
    for n in range(20):  # the default: 20 an hour per address
        replica = first if n % 2 else second
        await replica.attempt("sign_up", f"new-{uuid.uuid4().hex[:8]}@example.com", address)
    with pytest.raises(Throttled):
        await first.attempt("sign_up", f"new-{uuid.uuid4().hex[:8]}@example.com", address)


def test_the_web_app_counts_in_redis(stack: StackConfig) -> None:
    email = f"counted-{uuid.uuid4().hex[:8]}@example.com"
    client = httpx.Client(base_url=base_url(stack), timeout=30)
    resp = client.post("/api/auth/login", json={"email": email, "password": "not this one"})
    assert resp.status_code == 401
    store = redis.Redis.from_url(parts.redis_url(stack))
    assert list(store.scan_iter(match=f"*sign_in:account:{email}*")), "no count in Redis"


def test_the_stacks_redis_wants_its_password(stack: StackConfig) -> None:
    anonymous = redis.Redis(host="127.0.0.1", port=stack.port("TODO_REDIS_PORT"))
    with pytest.raises(redis.AuthenticationError):
        anonymous.ping()
