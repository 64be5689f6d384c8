"""SIGTERM: the worker finishes the handler in flight, refuses new work, then exits 0.

A worker of our own is started here (beside the stack's), pointed at the stack's database
and at the stack worker's sidecar, and driven through its gRPC app-callback port the way
daprd drives it. The handler is held in flight by a row lock: this test's transaction
inserts the same (task, remind_at) notification first and commits only after SIGTERM.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import grpc
import psycopg
import pytest
from dapr.proto import appcallback_service_v1
from dapr.proto.runtime.v1.appcallback_pb2 import TopicEventRequest, TopicEventResponse

from devstack.config import REPO_ROOT, StackConfig
from devstack.parts import WORKER_SIDECAR
from todo_core.events import ReminderDue, to_json_dict

from .test_worker_support import (
    make_task,
    make_user,
    notifications,
    pg_fixture,  # noqa: F401 (the `pg` fixture)
)

pytestmark = pytest.mark.integration
SUCCESS, RETRY = TopicEventResponse.SUCCESS, TopicEventResponse.RETRY


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:  # noqa: S310
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def _request(event: ReminderDue) -> TopicEventRequest:
    return TopicEventRequest(
        id=str(uuid.uuid4()), source="test", type="com.dapr.event.sent", spec_version="1.0",
        data_content_type="application/json", data=json.dumps(to_json_dict(event)).encode(),
        topic="reminders", pubsub_name="pubsub",
    )  # fmt: skip


def _wait(condition, within: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_sigterm_finishes_the_in_flight_handler_then_exits(
    stack: StackConfig, pg: psycopg.Connection, tmp_path: Path
) -> None:
    app_port, health_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": stack.app_database_url(),
        "APP_PORT": str(app_port),
        "HEALTH_PORT": str(health_port),
        "DAPR_GRPC_PORT": str(WORKER_SIDECAR.grpc_port(stack)),
        "DAPR_HTTP_PORT": str(WORKER_SIDECAR.http_port(stack)),
        "RECONCILE_SECONDS": "3600",
        # The shared venv's editable install points at whichever clone installed last (see
        # devstack/apps.py): run this clone's worker, as the stack's own worker does.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    log = tmp_path / "worker.log"
    entry = Path(sys.executable).parent / "todo-worker"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(entry)], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: _health(health_port) == 200, 30, "the worker's health endpoint")
        user, at = make_user(pg), datetime.now(UTC)
        event = ReminderDue(
            user_id=user, task_id=make_task(pg, user, remind_at=at, title="in flight"),
            task_version=1, remind_at=at, due_at=None, title="in flight",
        )  # fmt: skip
        with psycopg.connect(stack.database_url("postgresql")) as blocker:
            blocker.execute(
                "INSERT INTO notification (id, user_id, task_id, remind_at, title)"
                " VALUES (%s, %s, %s, %s, 'blocker')",
                (uuid.uuid4(), user, event.task_id, event.remind_at),
            )
            channel = grpc.insecure_channel(f"127.0.0.1:{app_port}")
            stub = appcallback_service_v1.AppCallbackStub(channel)
            with ThreadPoolExecutor(2) as pool:
                in_flight = pool.submit(stub.OnTopicEvent, _request(event), timeout=30)
                _wait(
                    lambda: pg.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND query LIKE 'INSERT INTO notification%%'"
                    ).fetchone()[0] > 0,
                    10,
                    "the handler to wait on the row lock",
                )  # fmt: skip
                proc.send_signal(signal.SIGTERM)
                _wait(lambda: _health(health_port) == 503, 5, "health to answer 503")
                assert proc.poll() is None, "the worker quit with a handler in flight"
                late = stub.OnTopicEvent(_request(event), timeout=10)
                assert late.status == RETRY  # new work is handed back to Dapr
                blocker.rollback()  # the lock goes: the in-flight handler completes
                assert in_flight.result(timeout=15).status == SUCCESS
            channel.close()
        assert proc.wait(timeout=20) == 0
        assert [row[2] for row in notifications(pg, event.task_id)] == ["in flight"]
        text = log.read_text()
        assert "SIGTERM received" in text and "in-flight handlers finished" in text
        assert "todo-worker stopped" in text
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
