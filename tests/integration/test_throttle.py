"""Throttling that holds across replicas (issue 22, item 5), on the real stack."""

import uuid

import httpx
import pytest

from devstack.config import StackConfig
from tests.integration.api_client import base_url, sign_up

pytestmark = pytest.mark.integration


def test_sign_up_is_throttled_per_account(stack: StackConfig) -> None:
    """Trying one address again and again (an enumeration, or a flood) is refused."""
    client = httpx.Client(base_url=base_url(stack), timeout=30)
    body = {
        "email": f"again-{uuid.uuid4().hex[:10]}@example.com",
        "password": "a long enough password",
        "display_name": "Again",
        "time_zone": "UTC",
    }
    codes = [client.post("/api/auth/register", json=body).status_code for _ in range(6)]
    assert codes[-1] == 429, codes


def test_password_change_is_throttled_per_account(stack: StackConfig) -> None:
    """A stolen session cannot guess the current password without limit."""
    api = sign_up(stack)
    guess = {"current_password": "a guess at it", "new_password": "another long one"}
    codes = [api.post("/api/me/password", json=guess).status_code for _ in range(6)]
    assert codes[:5] == [400] * 5 and codes[5] == 429, codes
    right = {"current_password": "a long enough password", "new_password": "another long one"}
    assert api.post("/api/me/password", json=right).status_code == 429
