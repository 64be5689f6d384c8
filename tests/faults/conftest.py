"""Every fault test starts from a healthy stack: a previous test's fault (a restarted sidecar
whose gRPC channel is still backing off, a database coming back) must not leak into it."""

import httpx
import pytest

from devstack import stack as devstack_stack
from devstack.config import StackConfig
from tests.faults.helpers import wait_until
from tests.integration.api_client import base_url


@pytest.fixture(autouse=True)
def healthy_stack(stack: StackConfig) -> StackConfig:
    devstack_stack.up(stack)  # restarts whatever an earlier test left stopped
    client = httpx.Client(base_url=base_url(stack), timeout=30)

    def ready() -> bool:
        if client.get("/readyz").status_code != 200:
            return False
        # Sessions go through the sidecar's gRPC channel, which readiness (HTTP) doesn't
        # use; an unknown token exercises it (and, unlike a failed sign-in, isn't throttled).
        resp = client.get("/api/me", headers={"Authorization": "Bearer not-a-session"})
        return resp.status_code == 401

    wait_until(ready, "the stack to be healthy before the test")
    return stack
