"""The chart on the local Kubernetes cluster (`make cluster`), tested as its users meet it:
kubectl, the sidecars' own endpoints, a Kafka client inside the cluster, and Playwright in
Debian's Chromium through the LoadBalancer IP.

The cluster is brought up (or found up) once per session and stopped at its end;
TODO_TEST_KEEP_CLUSTER=1 leaves it running for quick reruns. Its builds start in the
background when the session begins (devstack/cluster/prebuild.py) and overlap the tests
that run before these; the fixture waits for what is left, then starts daemons and installs
charts.
"""

import os
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext

from devstack.cluster import app, lifecycle, prebuild
from devstack.cluster.kubectl import Kube

# The browser fixtures of the e2e suite (imported names are fixtures), but for `browsing`.
from tests.e2e.conftest import (  # noqa: F401
    Browsing,
    browser_context_args,
    browser_type_launch_args,
    page,
    pytest_runtest_makereport,
    recorded,
)

# The tests that change the cluster run after those that only look at it; the crash test,
# which restarts everything, runs last.
ORDER = [
    "test_install",
    "test_sidecars",
    "test_ingress",
    "test_flow",
    "test_kafka_login",
    "test_network_policy",
    "test_scale",
    "test_rollout",
    "test_release",
    "test_cloud_release",
    "test_observability",
    "test_recovery",
]


def _rank(item: pytest.Item) -> int:
    name = item.path.stem
    return ORDER.index(name) if name in ORDER else -1


BUILD = pytest.StashKey[subprocess.Popen[bytes]]()


def _is_mine(item: pytest.Item) -> bool:
    return "tests/cluster/" in item.nodeid.replace(os.sep, "/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mine = [item for item in items if _is_mine(item)]
    for item in mine:
        item.add_marker(pytest.mark.cluster)
    if mine:
        start = items.index(mine[0])
        items[start : start + len(mine)] = sorted(mine, key=_rank)


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly or os.geteuid() != 0:
        return
    if any(_is_mine(item) for item in session.items):
        session.stash[BUILD] = prebuild.start()
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                "[devstack] the cluster's parts build in the background, at the lowest "
                f"priority, while the other tests run (log: {prebuild.log_path()})"
            )


def pytest_sessionfinish(session: pytest.Session) -> None:
    build = session.stash.get(BUILD, None)
    if build is not None:
        prebuild.stop(build)


@pytest.fixture(scope="session")
def cluster(request: pytest.FixtureRequest) -> Iterator[lifecycle.Cluster]:
    if os.geteuid() != 0:
        pytest.fail("the local cluster needs root (network namespaces, cgroups, mounts)")
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():  # its progress lines, as `make cluster` shows
        build = request.session.stash.get(BUILD, None)
        if build is not None:
            prebuild.wait(build)
        lifecycle.up()
    yield lifecycle.prepare()
    if os.environ.get("TODO_TEST_KEEP_CLUSTER") != "1":
        with capture.global_and_fixture_disabled():
            lifecycle.down()


@pytest.fixture(scope="session")
def kube(cluster: lifecycle.Cluster) -> Kube:
    return cluster.kube


@pytest.fixture(scope="session")
def app_url(kube: Kube) -> str:
    url = app.url(kube)
    assert url, "the web Service has no LoadBalancer IP: is MetalLB's speaker running?"
    return url


@pytest.fixture
def browsing(
    browser: Browser,
    browser_context_args: dict[str, Any],  # noqa: F811 (the fixture imported above)
    request: pytest.FixtureRequest,
    output_path: str,
    app_url: str,
) -> Iterator[Browsing]:
    """Pages whose relative URLs go to the cluster's LoadBalancer IP. Set on each context
    here: in a whole `make test` the session-wide context arguments were made for the local
    stack's e2e tests and name its URL (and pytest-playwright's `new_context` refuses a
    second `base_url`)."""
    contexts: list[BrowserContext] = []

    def at_the_cluster(**args: Any) -> BrowserContext:
        context = browser.new_context(**{**browser_context_args, **args, "base_url": app_url})
        contexts.append(context)
        return context

    with recorded(at_the_cluster, request, output_path, None) as session:
        yield session
    for context in contexts:
        context.close()
