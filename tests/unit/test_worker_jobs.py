"""Every `reminder-*` trigger reaches one handler through the SDK's real servicer."""

from uuid import uuid4

import grpc
import pytest
from dapr.clients.grpc._request import JobEvent
from dapr.ext.grpc import App
from dapr.proto.runtime.v1.appcallback_pb2 import JobEventRequest
from google.protobuf.any_pb2 import Any as AnyPb
from google.protobuf.wrappers_pb2 import StringValue

from worker.jobs import JobRoutes, reminder_job_name, route_job_prefix, task_id_of_job


class FakeContext:
    def __init__(self) -> None:
        self.code: grpc.StatusCode | None = None

    def set_code(self, code: grpc.StatusCode) -> None:
        self.code = code


def _request(name: str, text: str = "{}") -> JobEventRequest:
    data = AnyPb()
    data.Pack(StringValue(value=text))
    return JobEventRequest(name=name, data=data)


def test_job_name_round_trip() -> None:
    task_id = uuid4()
    assert reminder_job_name(task_id) == f"reminder-{task_id}"
    assert task_id_of_job(reminder_job_name(task_id)) == task_id
    with pytest.raises(ValueError):
        task_id_of_job("cleanup-1")


def test_prefix_routes_any_reminder_job_through_the_sdk_servicer() -> None:
    app = App()
    seen: list[JobEvent] = []
    route_job_prefix(app, "reminder-", seen.append)
    names = [reminder_job_name(uuid4()) for _ in range(3)]
    for name in names:
        app._servicer.OnJobEvent(_request(name, '{"x": 1}'), FakeContext())
    assert [j.name for j in seen] == names
    assert '{"x": 1}' in seen[0].get_data_as_string()


def test_unknown_job_is_unimplemented_and_exact_names_still_work() -> None:
    app = App()
    exact: list[str] = []
    app.job_event("cleanup")(lambda job: exact.append(job.name))
    route_job_prefix(app, "reminder-", lambda job: None)
    app._servicer.OnJobEvent(_request("cleanup"), FakeContext())
    assert exact == ["cleanup"]
    context = FakeContext()
    with pytest.raises(NotImplementedError):
        app._servicer.OnJobEvent(_request("other-1"), context)
    assert context.code == grpc.StatusCode.UNIMPLEMENTED


def test_longest_prefix_wins() -> None:
    routes = JobRoutes()
    routes.add_prefix("reminder-", lambda job: None)
    special = lambda job: None  # noqa: E731
    routes.add_prefix("reminder-special-", special)
    assert routes["reminder-special-1"] is special
    assert "reminder-1" in routes
    assert "other" not in routes
    with pytest.raises(KeyError):
        routes["other"]
