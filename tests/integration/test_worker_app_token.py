"""Only the worker's own sidecar can deliver to it (issue 22, first finding), on the real
stack: the app port listens on loopback only, and a delivery (topic event or job trigger)
without Dapr's app API token, or with a wrong one, is refused before any handler runs,
while the stack's daprd, which has the token, keeps delivering (the other worker tests)."""

import json
import socket

import grpc
import pytest
from dapr.proto.runtime.v1 import appcallback_pb2 as pb
from dapr.proto.runtime.v1 import appcallback_pb2_grpc as pb_grpc
from google.protobuf import any_pb2, empty_pb2

from devstack.config import StackConfig
from devstack.parts import WORKER_SIDECAR

pytestmark = pytest.mark.integration


def _channel(stack: StackConfig) -> grpc.Channel:
    return grpc.insecure_channel(f"127.0.0.1:{WORKER_SIDECAR.app_port(stack)}")


def _event() -> pb.TopicEventRequest:
    data = {"type": "task.created", "task_id": "00000000-0000-0000-0000-000000000001"}
    return pb.TopicEventRequest(
        id="forged-1", source="attacker", type="com.dapr.event.sent", spec_version="1.0",
        data_content_type="application/json", data=json.dumps(data).encode(),
        topic="task-events", pubsub_name="pubsub",
    )  # fmt: skip


def _job() -> pb.JobEventRequest:
    return pb.JobEventRequest(
        name="reminders-20261205T120000-0", data=any_pb2.Any(), method="job/reminders"
    )


@pytest.mark.parametrize("token", [None, "not-the-token"], ids=["no token", "wrong token"])
def test_a_delivery_without_the_app_token_is_refused(stack: StackConfig, token: str | None):
    metadata = [("dapr-api-token", token)] if token else []
    with _channel(stack) as channel:
        callback = pb_grpc.AppCallbackStub(channel)
        alpha = pb_grpc.AppCallbackAlphaStub(channel)
        calls = [
            lambda: callback.OnTopicEvent(_event(), metadata=metadata, timeout=5),
            lambda: alpha.OnJobEventAlpha1(_job(), metadata=metadata, timeout=5),
        ]
        for call in calls:
            with pytest.raises(grpc.RpcError) as refused:
                call()
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_the_token_is_what_the_sidecar_presents(stack: StackConfig) -> None:
    """With the stack's token the same call reaches the worker (and is answered), so the
    refusals above are the token check, not a broken call."""
    metadata = [("dapr-api-token", stack.app_api_token)]
    with _channel(stack) as channel:
        answer = pb_grpc.AppCallbackStub(channel).OnTopicEvent(
            _event(), metadata=metadata, timeout=10
        )
    assert answer.status in (pb.TopicEventResponse.SUCCESS, pb.TopicEventResponse.DROP)


def test_subscriptions_and_health_need_no_token(stack: StackConfig) -> None:
    """daprd asks for these without the token (Dapr 1.18); they reveal nothing."""
    with _channel(stack) as channel:
        subs = pb_grpc.AppCallbackStub(channel).ListTopicSubscriptions(empty_pb2.Empty(), timeout=5)
        pb_grpc.AppCallbackHealthCheckStub(channel).HealthCheck(empty_pb2.Empty(), timeout=5)
    assert {s.topic for s in subs.subscriptions} >= {"task-events", "reminders"}


def test_the_app_port_listens_on_loopback_only(stack: StackConfig) -> None:
    port = WORKER_SIDECAR.app_port(stack)
    address = _an_address_that_is_not_loopback()
    with socket.socket() as probe:
        probe.settimeout(2)
        assert probe.connect_ex((address, port)) != 0, f"{address}:{port} accepted"


def _an_address_that_is_not_loopback() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.255.255.255", 1))  # no packet is sent: only picks the route's source
        address = s.getsockname()[0]
    if address.startswith("127."):
        pytest.fail("this machine has no address besides loopback to probe from")
    return address
