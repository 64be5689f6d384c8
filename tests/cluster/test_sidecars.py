"""SC-001: Dapr sidecars for all application services are deployed and operational in the
cluster, verifiable by Dapr health checks."""

import pytest

from devstack.cluster.app import NAMESPACE, RELEASE
from devstack.cluster.kubectl import Kube
from tests.cluster.helpers import SIDECAR_PROBE, pods, python_in, ready_containers

APPS = {"web": "web", "worker": "worker"}  # component -> the chart's app container


@pytest.mark.parametrize("component", sorted(APPS))
def test_each_pod_runs_its_app_and_an_injected_daprd(kube: Kube, component: str) -> None:
    found = pods(kube, component)
    assert found, f"no {component} pods"
    for pod in found:
        assert pod["status"]["phase"] == "Running"
        assert ready_containers(pod) == sorted([APPS[component], "daprd"])
    # The injector added the sidecar: the chart's own manifest has no daprd container.
    manifest = kube.helm("get", "manifest", RELEASE, "--namespace", NAMESPACE)
    assert "daprd" not in manifest


@pytest.mark.parametrize("component", sorted(APPS))
def test_each_sidecar_is_healthy_and_knows_our_components(kube: Kube, component: str) -> None:
    for pod in pods(kube, component):
        name = pod["metadata"]["name"]
        probe = python_in(kube, name, APPS[component], SIDECAR_PROBE)
        assert probe["health"] == 204, f"{name}: Dapr health answered {probe['health']}"
        metadata = probe["metadata"]
        assert metadata["id"] == f"todo-{component}"
        kinds = {c["name"]: c["type"] for c in metadata.get("components", [])}
        assert kinds.get("pubsub") == "pubsub.kafka", kinds
        assert kinds.get("statestore") == "state.postgresql", kinds


def test_the_worker_sidecar_lists_the_workers_subscriptions(kube: Kube) -> None:
    worker = pods(kube, "worker")[0]["metadata"]["name"]
    metadata = python_in(kube, worker, "worker", SIDECAR_PROBE)["metadata"]
    topics = {s["topic"] for s in metadata.get("subscriptions", [])}
    assert {"task-events", "reminders", "recurring-task"} <= topics, topics
