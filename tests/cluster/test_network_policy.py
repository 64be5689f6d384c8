"""Issue 22 item 2 on the cluster: the chart's NetworkPolicies, enforced by kube-router's
policy controller beside the bridge CNI (devstack/cluster/node.py).

The attack: any pod that reaches the worker's sidecar can publish through it
(`POST /v1.0/publish/...` on :3500), and any pod that reaches the local PostgreSQL, Kafka
or Redis can try their doors. Two clients try: one in another namespace, one in the release
namespace without the app's labels, each a bash in the Kafka image the node already has.
Both still reach the web app's HTTP port and the API server (so a refusal is the policy,
not a broken client); neither reaches a sidecar or a store. The app keeps working end to
end, and the same forged call goes through once the default deny is gone, so it is
kube-router that refuses it (its chains are in the node's iptables too)."""

import json
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from devstack.cluster import network
from devstack.cluster.app import NAMESPACE, RELEASE
from devstack.cluster.kubectl import Kube
from tests.cluster.helpers import kafka_image, next_occurrence_seconds, pods, python_in

OTHER_NAMESPACE = "netpol-probe"
PROBE_POD = "netpol-probe"
DEFAULT_DENY = f"{RELEASE}-default-deny"
# kube-router applies a policy change on the pod, namespace or policy event; a few seconds.
POLICY_SYNC_S = 60
NEXT_OCCURRENCE_LIMIT_S = 15
OPEN = ("web http", "api server")

# Connects to each address and makes the forged publish; prints what each answered: 0 for
# an accepted connection, an errno or an exception's name otherwise, an HTTP status for the
# publish when the sidecar answered.
PROBE = """
import json, socket, urllib.error, urllib.request
targets = json.loads({TARGETS!r})
out = {}
for name, (host, port) in targets["tcp"].items():
    try:
        with socket.create_connection((host, port), timeout=3):
            out[name] = 0
    except OSError as exc:
        out[name] = exc.errno or type(exc).__name__
if targets.get("publish"):
    body = json.dumps({"type": "reminder.due", "user_id": "someone else's"}).encode()
    request = urllib.request.Request(targets["publish"], data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            out["publish"] = answer.status
    except urllib.error.HTTPError as exc:
        out["publish"] = exc.code
    except OSError as exc:
        out["publish"] = type(exc).__name__ + ": " + str(exc)
print(json.dumps(out))
"""


def _ip(kube: Kube, component: str) -> str:
    return pods(kube, component)[0]["status"]["podIP"]


def _targets(kube: Kube, publish: bool = True) -> dict[str, Any]:
    worker, web = _ip(kube, "worker"), _ip(kube, "web")
    svc = f"{NAMESPACE}.svc.cluster.local"
    tcp = {
        # Both must answer, or a refusal below could be a broken client: the web app's port
        # (open to all) and the API server by its Service name (cluster DNS, kube-proxy).
        "web http": (web, 8000),
        "api server": ("kubernetes.default.svc.cluster.local", 443),
        "worker sidecar http": (worker, 3500),
        "worker sidecar grpc": (worker, 50001),
        "worker sidecar internal": (worker, 50002),
        "worker sidecar metrics": (worker, 9090),
        "worker health": (worker, 8081),
        "web sidecar http": (web, 3500),
        "postgres": (_ip(kube, "postgres"), 5432),
        "postgres service": (f"{RELEASE}-postgres.{svc}", 5432),
        "kafka": (_ip(kube, "kafka"), 9092),
        "kafka service": (f"{RELEASE}-kafka.{svc}", 9092),
        "redis": (_ip(kube, "redis"), 6379),
    }
    # The worker's sidecar publishes whatever it is asked to; a topic of its own, so that
    # the one call that does get through (policy deleted) leaves the app's topics alone.
    url = f"http://{worker}:3500/v1.0/publish/pubsub/netpol-probe" if publish else ""
    return {"tcp": tcp, "publish": url}


# The same probe for the client pods, in bash (the Kafka image has bash, not Python): its
# /dev/tcp connects, and a raw HTTP request makes the forged publish. Each line is
# "name<TAB>result": 0 for a connection, bash's or timeout's exit code otherwise, the
# status line's code when the sidecar answered the publish.
BASH_CONNECT = "timeout 4 bash -c 'exec 3<>/dev/tcp/{host}/{port}' 2>/dev/null; echo \"{name}\t$?\""
BASH_PUBLISH = r"""answer=$(timeout 8 bash -c 'exec 3<>/dev/tcp/{host}/{port} || exit 1
body="{{\"type\": \"reminder.due\", \"user_id\": \"not yours\"}}"
printf "POST {path} HTTP/1.1\r\nHost: {host}\r\n" >&3
printf "Content-Type: application/json\r\nContent-Length: %d\r\n" "${{#body}}" >&3
printf "Connection: close\r\n\r\n%s" "$body" >&3
head -n 1 <&3' 2>&1)
answer=${{answer//$'\n'/ }}
printf 'publish\t%s\n' "${{answer:-no answer (exit $?)}}"
"""


def _bash_probe(targets: dict[str, Any]) -> str:
    lines = [
        BASH_CONNECT.format(name=name, host=host, port=port)
        for name, (host, port) in targets["tcp"].items()
    ]
    if targets.get("publish"):
        hostport, path = targets["publish"].removeprefix("http://").split("/", 1)
        host, port = hostport.split(":")
        lines.append(BASH_PUBLISH.format(host=host, port=port, path="/" + path))
    return "\n".join(lines)


def _probe(kube: Kube, namespace: str, targets: dict[str, Any]) -> dict[str, Any]:
    out = kube.kubectl(
        "-n", namespace, "exec", PROBE_POD, "--request-timeout=120s", "--",
        "bash", "-c", _bash_probe(targets),
    )  # fmt: skip
    seen: dict[str, Any] = {}
    for line in out.splitlines():
        name, tab, result = line.partition("\t")
        if not tab:
            continue
        if name == "publish":
            # "HTTP/1.1 204 No Content" when the sidecar answered
            words = result.split()
            answered = len(words) > 1 and words[0].startswith("HTTP/") and words[1].isdigit()
            seen[name] = int(words[1]) if answered else result
        else:
            seen[name] = int(result)
    return seen


def _client_image(kube: Kube) -> str:
    """The Kafka image this run built: imported into the node (no registry, no credentials,
    so a pod in any namespace may run it) and it has bash. The app images, pulled with the
    release's pull secret, are not the node's to lend to pods without it."""
    return kafka_image(kube)


def _start_probe_pod(kube: Kube, namespace: str) -> None:
    kube.kubectl("-n", namespace, "delete", "pod", PROBE_POD, "--ignore-not-found", "--wait")
    kube.kubectl(
        "-n", namespace, "run", PROBE_POD, f"--image={_client_image(kube)}",
        "--image-pull-policy=Never", "--restart=Never", f"--labels=run={PROBE_POD}",
        "--command", "--", "sleep", "1800",
    )  # fmt: skip


@pytest.fixture(scope="module")
def probes(kube: Kube) -> Iterator[dict[str, str]]:
    """namespace -> label of a Python pod there without the app's labels."""
    kube.kubectl("create", "namespace", OTHER_NAMESPACE, check=False)
    where = {OTHER_NAMESPACE: "another namespace", NAMESPACE: "the release namespace"}
    for namespace in where:
        _start_probe_pod(kube, namespace)
    try:
        for namespace in where:
            kube.kubectl(
                "-n", namespace, "wait", "--for=condition=Ready", f"pod/{PROBE_POD}",
                "--timeout=180s",
            )  # fmt: skip
        yield where
    finally:
        kube.kubectl("-n", NAMESPACE, "delete", "pod", PROBE_POD, "--ignore-not-found",
                     "--wait=false", check=False)  # fmt: skip
        kube.kubectl("delete", "namespace", OTHER_NAMESPACE, "--wait=false", check=False)


def _refused(seen: dict[str, Any]) -> dict[str, Any]:
    """Everything the policies should have refused that answered: must be nothing."""
    return {k: v for k, v in seen.items() if k not in OPEN and v in (0, 200, 204)}


@pytest.mark.parametrize("namespace", [OTHER_NAMESPACE, NAMESPACE])
def test_a_pod_without_the_app_labels_reaches_only_the_web_app(
    kube: Kube, probes: dict[str, str], namespace: str
) -> None:
    seen = _probe(kube, namespace, _targets(kube))
    print(f"\nfrom a pod in {probes[namespace]}: {seen}")
    assert all(seen[k] == 0 for k in OPEN), f"the probe cannot reach even these: {seen}"
    assert not _refused(seen), f"reached from {probes[namespace]}: {_refused(seen)}"
    assert isinstance(seen["publish"], str), seen["publish"]  # no HTTP answer at all


def test_the_app_pods_reach_their_stores_but_not_the_worker_sidecar(kube: Kube) -> None:
    """The allow rules, seen from inside: the web app reaches PostgreSQL, Kafka and Redis,
    the worker PostgreSQL and Kafka but not Redis; neither reaches the other's sidecar."""
    targets = _targets(kube, publish=False)
    web = pods(kube, "web")[0]["metadata"]["name"]
    code = PROBE.replace("{TARGETS!r}", repr(json.dumps(targets)))
    seen = python_in(kube, web, "web", code)
    for name in ("postgres", "postgres service", "kafka", "kafka service", "redis"):
        assert seen[name] == 0, (name, seen)
    assert seen["worker sidecar http"] != 0 and seen["worker sidecar grpc"] != 0, seen
    worker = pods(kube, "worker")[0]["metadata"]["name"]
    seen = python_in(kube, worker, "worker", code)
    for name in ("postgres", "kafka"):
        assert seen[name] == 0, (name, seen)
    assert seen["redis"] != 0 and seen["web sidecar http"] != 0, seen


def test_the_app_still_works_end_to_end(app_url: str) -> None:
    """Sign up, a daily task, its completion: the worker handles the event from Kafka and
    writes the next occurrence to PostgreSQL, all through the policies."""
    client = httpx.Client(base_url=app_url, timeout=15)
    body = {"email": f"netpol-{time.time_ns()}@example.com",
            "password": "a long enough password", "display_name": "Policed",
            "time_zone": "UTC"}  # fmt: skip
    registered = client.post("/api/auth/register", json=body)
    assert registered.status_code == 201, registered.text
    client.headers["Authorization"] = f"Bearer {registered.json()['token']}"
    took = next_occurrence_seconds(client, "check the fences", NEXT_OCCURRENCE_LIMIT_S)
    if took is not None:
        return
    pytest.fail(f"no next occurrence within {NEXT_OCCURRENCE_LIMIT_S}s: the worker's event")


def _node_filter_rules() -> str:
    argv = network.in_node(["iptables-save", "-t", "filter"])
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def test_kube_router_programs_the_worker_pods_firewall(kube: Kube) -> None:
    rules = _node_filter_rules()
    worker = pods(kube, "worker")[0]["metadata"]["name"]
    assert '-A FORWARD -m comment --comment "kube-router netpol' in rules, rules[:2000]
    jumps = [line for line in rules.splitlines() if line.startswith("-A KUBE-ROUTER-FORWARD")]
    chain = [line for line in jumps if f"POD name:{worker}" in line]
    assert chain, f"no KUBE-ROUTER-FORWARD jump for {worker}"
    assert "KUBE-POD-FW-" in chain[0]


def _policy_manifest(kube: Kube) -> dict[str, Any]:
    policy = kube.get("-n", NAMESPACE, "networkpolicy", DEFAULT_DENY)
    for field in ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"):
        policy["metadata"].pop(field, None)
    policy.pop("status", None)
    return policy


# What daprd and the worker listen on at the pod's address (daprd's HTTP and gRPC APIs,
# 3500 and 50001, listen on loopback in Kubernetes: the injector's default
# dapr.io/sidecar-listen-addresses), so what the policy alone closes.
POD_ADDRESS_PORTS = ("worker sidecar internal", "worker sidecar metrics", "worker health")


def _wait_for(kube: Kube, what: str, open_: bool) -> dict[str, Any]:
    """Probe until the worker pod's own ports all accept (open_) or all refuse."""
    deadline = time.monotonic() + POLICY_SYNC_S
    while True:
        seen = _probe(kube, OTHER_NAMESPACE, _targets(kube))
        if all((seen[k] == 0) == open_ for k in POD_ADDRESS_PORTS):
            return seen
        assert time.monotonic() < deadline, f"{what} after {POLICY_SYNC_S}s: {seen}"
        time.sleep(2)


def test_without_the_default_deny_the_worker_pod_is_open_again(
    kube: Kube, probes: dict[str, str]
) -> None:
    """Proof that the refusals are the policy's, enforced by kube-router: with the default
    deny deleted (the worker's pod is then selected by no policy), a pod in another
    namespace connects to the worker sidecar's internal gRPC port (service invocation from
    any other Dapr app: its sidecar would hand the call, with the app token, to the worker),
    its metrics and the worker's health port; with the policy restored, to none again. The
    forged publish stays refused either way: daprd's own API listens on loopback, and the
    policy is the second lock on it."""
    saved = _policy_manifest(kube)
    kube.kubectl("-n", NAMESPACE, "delete", "networkpolicy", DEFAULT_DENY)
    try:
        opened = _wait_for(kube, "the worker's ports still refused without the policy", True)
        print(f"\nwithout {DEFAULT_DENY}: {opened}")
        assert isinstance(opened["publish"], str), opened  # loopback: daprd's own default
    finally:
        kube.kubectl("-n", NAMESPACE, "create", "-f", "-", stdin=json.dumps(saved))
    closed = _wait_for(kube, "the worker's ports still open with the policy back", False)
    assert not _refused(closed), closed
