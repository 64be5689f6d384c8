"""The pub/sub component's topic scopes, enforced by the real sidecars: each app's daprd
refuses to publish to a topic that app has no business writing (a web app that is taken
over cannot fill a dead-letter topic; neither app can write outside the product's topics)."""

import json

import pytest
from dapr.aio.clients import DaprClient

from devstack.config import StackConfig
from devstack.parts import WEB_SIDECAR, WORKER_SIDECAR, Sidecar

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _sdk_waits_on_the_sidecar(stack: StackConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    from dapr.conf import settings

    monkeypatch.setattr(settings, "DAPR_HTTP_PORT", WEB_SIDECAR.http_port(stack))


async def _publish(stack: StackConfig, sidecar: Sidecar, topic: str) -> None:
    async with DaprClient(address=f"127.0.0.1:{sidecar.grpc_port(stack)}") as dapr:
        await dapr.publish_event("pubsub", topic, json.dumps({"probe": "scopes"}))


@pytest.mark.parametrize(
    ("sidecar", "topic"),
    [
        (WEB_SIDECAR, "reminders-dlq"),
        (WEB_SIDECAR, "scopes-probe"),
        (WORKER_SIDECAR, "scopes-probe"),
    ],
    ids=["web to a dead-letter topic", "web elsewhere", "worker elsewhere"],
)
async def test_a_sidecar_refuses_a_topic_outside_its_apps_scope(
    stack: StackConfig, sidecar: Sidecar, topic: str
) -> None:
    with pytest.raises(Exception, match="(?i)not allowed") as refused:
        await _publish(stack, sidecar, topic)
    assert topic in str(refused.value) and sidecar.app_id in str(refused.value)
