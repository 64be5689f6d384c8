"""SC-001: Dapr sidecars for all application services are deployed and operational in the
cluster, verifiable by Dapr health checks."""

import subprocess

import pytest

from devstack.cluster import network
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
        # The state store (sessions, conversations) is scoped to the web app alone.
        state = "state.postgresql" if component == "web" else None
        assert kinds.get("statestore") == state, kinds


def test_the_worker_sidecar_lists_the_workers_subscriptions(kube: Kube) -> None:
    worker = pods(kube, "worker")[0]["metadata"]["name"]
    metadata = python_in(kube, worker, "worker", SIDECAR_PROBE)["metadata"]
    topics = {s["topic"] for s in metadata.get("subscriptions", [])}
    assert {"task-events", "reminders", "recurring-task"} <= topics, topics


REACH = """
import json, socket
out = {}
for name, (host, port) in {ADDRESSES}.items():
    with socket.socket() as s:
        s.settimeout(3)
        out[name] = s.connect_ex((host, port))
print(json.dumps(out))
"""


def _from_the_node(ip: str, port: int) -> int:
    """curl's exit code for a connection from the node itself, where the kubelet's probes
    come from (NetworkPolicies let a pod's own node in): 7 is "connection refused"."""
    argv = ["curl", "-s", "-o", "/dev/null", "--max-time", "5", f"http://{ip}:{port}/healthz"]
    return subprocess.run(network.in_node(argv), capture_output=True, check=False).returncode


def test_only_the_worker_sidecar_can_reach_the_worker_app_port(kube: Kube) -> None:
    """From the node (the kubelet's address), the worker's app port is closed (it listens
    on loopback) while its health port answers; from the web pod both are closed (the
    chart's NetworkPolicies: the worker's ports only from its own pod); inside the worker's
    pod the sidecar's path (loopback) is open, and the pod carries Dapr's app API token for
    that sidecar (issue 22, first finding)."""
    worker = pods(kube, "worker")[0]
    ip = worker["status"]["podIP"]
    assert _from_the_node(ip, 50051) == 7 and _from_the_node(ip, 8081) == 0
    addresses = {"app": (ip, 50051), "health": (ip, 8081)}
    web = pods(kube, "web")[0]["metadata"]["name"]
    seen = python_in(kube, web, "web", REACH.replace("{ADDRESSES}", repr(addresses)))
    assert seen["app"] != 0 and seen["health"] != 0, seen
    inside = python_in(
        kube, worker["metadata"]["name"], "worker",
        REACH.replace("{ADDRESSES}", repr({"app": ("127.0.0.1", 50051)})),
    )  # fmt: skip
    assert inside["app"] == 0, inside
    annotations = worker["metadata"]["annotations"]
    assert annotations["dapr.io/app-token-secret"] == f"{RELEASE}-app-token"
    daprd = next(c for c in worker["spec"]["containers"] if c["name"] == "daprd")
    assert any(e["name"] == "APP_API_TOKEN" for e in daprd["env"]), "no token in the sidecar"


REDIS_PING = """
import json, socket
with socket.create_connection(("todo-redis", 6379), timeout=5) as s:
    s.sendall(b"PING\\r\\n")
    print(json.dumps(s.recv(200).decode()))
"""


def test_redis_refuses_a_client_without_the_password(kube: Kube) -> None:
    """Only the web app's pods may reach Redis (the chart's NetworkPolicies), and even from
    there a PING without the password is refused; the web app (which has it) serves its UI
    state from Redis."""
    web = pods(kube, "web")[0]["metadata"]["name"]
    answer = python_in(kube, web, "web", REDIS_PING)
    assert answer.startswith("-NOAUTH"), answer
