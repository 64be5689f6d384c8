"""Two web replicas sharing Redis and two workers: a pod deleted under load costs nothing."""

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from devstack.cluster.app import NAMESPACE
from devstack.cluster.kubectl import Kube
from tests.cluster.helpers import helm_upgrade, pods, sql
from tests.e2e.helpers import quick_add, row, sign_up, wait_until

REMINDERS = 200


@pytest.fixture(scope="module")
def two_of_each(kube: Kube) -> Iterator[None]:
    helm_upgrade(kube, "web.replicas=2", "worker.replicas=2")
    yield
    helm_upgrade(kube, "web.replicas=1", "worker.replicas=1")


def _api(app_url: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=app_url, timeout=30)
    resp = client.post(
        "/api/auth/register",
        json={
            "email": f"scale-{uuid.uuid4().hex[:10]}@example.com",
            "password": "a long enough password",
            "display_name": "Scale",
            "time_zone": "UTC",
        },
    )
    assert resp.status_code == 201, resp.text
    client.headers["authorization"] = f"Bearer {resp.json()['token']}"
    return client, resp.json()["user"]["id"]


def _fired(kube: Kube, user_id: str) -> dict[str, int]:
    """Notification rows per task, as PostgreSQL holds them."""
    user = uuid.UUID(user_id)  # only ever a UUID inside the query
    query = f"select task_id, count(*) from notification where user_id = '{user}' group by 1"  # noqa: S608
    rows = sql(kube, query)
    return {task: int(count) for task, count in rows}


def test_a_worker_deleted_mid_burst_loses_and_doubles_no_reminder(
    kube: Kube, app_url: str, two_of_each: None
) -> None:
    assert len(pods(kube, "worker")) == 2
    api, user_id = _api(app_url)
    # Whole minutes only: the first one at least 60 s away, time enough to write 200 tasks.
    at = (datetime.now(UTC) + timedelta(seconds=120)).replace(second=0, microsecond=0)
    minute = at.replace(tzinfo=None).isoformat(timespec="minutes")
    ids = set()
    for i in range(REMINDERS):
        task = {"title": f"burst {i}", "due": minute, "reminder": {"kind": "at", "at": minute}}
        resp = api.post("/api/tasks", json=task)
        assert resp.status_code == 201, resp.text
        ids.add(resp.json()["id"])
    assert datetime.now(UTC) < at, "the burst was written after its reminders were due"

    # The moment the first reminders are recorded, one worker goes away without warning.
    wait_until(lambda: _fired(kube, user_id), timeout=(at - datetime.now(UTC)).seconds + 60,
               what="the first reminders", every=0.3)  # fmt: skip
    victim = pods(kube, "worker")[0]["metadata"]["name"]
    kube.kubectl("-n", NAMESPACE, "delete", "pod", victim, "--grace-period=0", "--force",
                 "--wait=false")  # fmt: skip
    part_way = sum(_fired(kube, user_id).values())

    wait_until(lambda: set(_fired(kube, user_id)) >= ids, timeout=180,
               what="every reminder to fire")  # fmt: skip
    fired = _fired(kube, user_id)
    print(f"\n{part_way} of {REMINDERS} had fired when {victim} was deleted")
    assert set(fired) == ids
    assert set(fired.values()) == {1}, "a reminder fired more than once"


def test_a_deleted_web_pod_keeps_the_page_signed_in_and_live(
    kube: Kube, page: Page, app_url: str, two_of_each: None
) -> None:
    assert len(pods(kube, "web")) == 2
    sign_up(page)
    assert page.url.startswith(app_url), page.url
    quick_add(page, "written before the web pods were replaced")
    for pod in pods(kube, "web"):
        kube.kubectl("-n", NAMESPACE, "delete", "pod", pod["metadata"]["name"])
        kube.kubectl("-n", NAMESPACE, "rollout", "status", "deployment/todo-web",
                     "--timeout=180s")  # fmt: skip
    # Same page, no reload: its websocket found a new pod and the session in the state store.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not page.get_by_test_id("quick-add").is_enabled():
        time.sleep(0.5)
    quick_add(page, "written after")
    page.reload()
    expect(row(page, "written before the web pods were replaced")).to_be_visible()
    expect(row(page, "written after")).to_be_visible()
