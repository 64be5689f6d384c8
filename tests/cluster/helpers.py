"""Looking into the cluster the way an operator would: kubectl get, kubectl exec."""

import base64
import json
import shlex
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import yaml

from devstack.cluster.app import CHART, NAMESPACE, SECRET
from devstack.cluster.kubectl import Kube


def pods(kube: Kube, component: str) -> list[dict[str, Any]]:
    selector = f"app.kubernetes.io/component={component}"
    items = kube.get("-n", NAMESPACE, "pods", "-l", selector)["items"]
    return [p for p in items if not p["metadata"].get("deletionTimestamp")]


def ready_containers(pod: dict[str, Any]) -> list[str]:
    statuses = pod.get("status", {}).get("containerStatuses", [])
    return sorted(s["name"] for s in statuses if s.get("ready"))


def python_in(kube: Kube, pod: str, container: str, code: str, timeout: str = "60s") -> Any:
    """Run Python in an app container (the images have it; daprd's has nothing but daprd),
    which shares the pod's network with its sidecar; the script prints one JSON value."""
    out = kube.kubectl(
        "-n", NAMESPACE, "exec", pod, "-c", container, f"--request-timeout={timeout}",
        "--", "python", "-c", code,
    )  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


SIDECAR_PROBE = """
import json, urllib.request
def get(path):
    with urllib.request.urlopen("http://127.0.0.1:3500" + path, timeout=5) as r:
        return r.status, r.read().decode()
health, _ = get("/v1.0/healthz")
_, metadata = get("/v1.0/metadata")
print(json.dumps({"health": health, "metadata": json.loads(metadata)}))
"""


# librdkafka (confluent-kafka, in the app images) inside the cluster, where the broker's
# advertised name resolves: the record as it reached Kafka, not as Dapr delivered it. Every
# partition is assigned from its start (no consumer group to join), and what was read is
# reported either way.
# Kafka's own console consumer, in a pod of the Kafka image this run built (the broker's pod
# may be older: it is created once, on install). The app images carry only the runtime
# dependencies, and a client the project did not write is the better witness anyway.
CONSOLE_CONSUMER = [
    "java", "-cp", "/opt/kafka/libs/*", "org.apache.kafka.tools.consumer.ConsoleConsumer",
    "--bootstrap-server", "todo-kafka:9092", "--from-beginning", "--timeout-ms", "20000",
    "--property", "print.timestamp=true", "--property", "print.partition=true",
]  # fmt: skip


def kafka_image(kube: Kube) -> str:
    values = yaml.safe_load((kube.layout.config_dir / "todo-images.yaml").read_text())
    return values["localInfra"]["kafka"]["image"]


# The chart lets only the app's pods reach the local Kafka (its NetworkPolicies); a reader
# the operator adds gets a policy of its own, as an operator would grant a debugging client.
KAFKA_READER_LABEL = "todo-test/kafka-reader"
KAFKA_READER_POLICY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "test-kafka-reader", "namespace": NAMESPACE},
    "spec": {
        "podSelector": {"matchLabels": {"app.kubernetes.io/component": "kafka"}},
        "policyTypes": ["Ingress"],
        "ingress": [
            {
                "ports": [{"protocol": "TCP", "port": 9092}],
                "from": [{"podSelector": {"matchLabels": {KAFKA_READER_LABEL: "true"}}}],
            }
        ],
    },
}


def kafka_login(kube: Kube) -> tuple[str, str]:
    """The in-cluster Kafka's SASL/SCRAM user and password, from the release's Secret."""
    data = kube.get("-n", NAMESPACE, "secret", SECRET)["data"]
    user, password = (data["KAFKA_SASL_USERNAME"], data["KAFKA_SASL_PASSWORD"])
    return base64.b64decode(user).decode(), base64.b64decode(password).decode()


def read_topic(kube: Kube, topic: str, login: tuple[str, str] | None) -> str:
    """What Kafka's console consumer printed, its log lines included, reading `topic` from
    the start (as `login`, or with no login at all), and its exit status (`exit=N`)."""
    kube.apply(json.dumps(KAFKA_READER_POLICY))
    argv = [*CONSOLE_CONSUMER, "--topic", topic]
    if login is not None:
        jaas = ("org.apache.kafka.common.security.scram.ScramLoginModule required "
                f'username="{login[0]}" password="{login[1]}";')  # fmt: skip
        for prop in ("security.protocol=SASL_PLAINTEXT", "sasl.mechanism=SCRAM-SHA-256",
                     f"sasl.jaas.config={jaas}"):  # fmt: skip
            argv += ["--consumer-property", prop]
    return kube.kubectl(
        "-n", NAMESPACE, "run", f"kafka-read-{time.time_ns()}", "--rm", "-i", "--quiet",
        f"--labels={KAFKA_READER_LABEL}=true",
        "--restart=Never", f"--image={kafka_image(kube)}", "--image-pull-policy=Never",
        "--pod-running-timeout=2m", "--command", "--",
        "bash", "-c", shlex.join(argv) + ' 2>&1; echo "exit=$?"',
    )  # fmt: skip


def records(output: str) -> list[tuple[int, int, dict[str, Any]]]:
    """(timestamp ms, partition, CloudEvent) of each record in `read_topic`'s output."""
    found = []
    for line in output.splitlines():
        # CreateTime:1733400000000<TAB>Partition:1<TAB>{"data": ...}
        parts = line.split("\t", 2)
        if len(parts) == 3 and parts[0].startswith("CreateTime:"):
            timestamp = int(parts[0].split(":", 1)[1])
            found.append((timestamp, int(parts[1].split(":", 1)[1]), json.loads(parts[2])))
    return found


def find_record(kube: Kube, topic: str, task_id: str, event_type: str) -> dict[str, Any]:
    """`found`: the first record of `event_type` for `task_id` on `topic` (its timestamp),
    or None; and how many records were read looking for it."""
    read = records(read_topic(kube, topic, kafka_login(kube)))
    found = None
    for timestamp, partition, event in read:
        data = event.get("data", {})
        if data.get("task_id") == task_id and data.get("type") == event_type:
            found = {"timestamp_ms": timestamp, "partition": partition}
            break
    return {"found": found, "records_read": len(read)}


def sql(kube: Kube, query: str) -> list[list[str]]:
    """psql in the local PostgreSQL pod: rows of text, tab-separated by psql itself."""
    out = kube.kubectl(
        "-n", NAMESPACE, "exec", "todo-postgres-0", "--",
        "psql", "-U", "todo", "-d", "todo", "-tA", "-F", "\t", "-c", query,
    )  # fmt: skip
    return [line.split("\t") for line in out.splitlines() if line.strip()]


def helm_upgrade(kube: Kube, *sets: str, strings: tuple[str, ...] = ()) -> None:
    """An upgrade of our release that keeps every value but the ones given."""
    args = [arg for value in sets for arg in ("--set", value)]
    args += [arg for value in strings for arg in ("--set-string", value)]
    kube.helm(
        "upgrade", "todo", str(CHART), "--namespace", NAMESPACE, "--reuse-values",
        *args, "--wait", "--timeout", "8m",
    )  # fmt: skip


def old_pods_gone(kube: Kube, timeout: float = 120) -> None:
    """After `helm upgrade --wait`, the old pods may still be terminating for as long as their
    preStop pause and sidecar's shutdown block: until they are gone, a request or an outbox
    row can still be served by a pod with the previous values."""
    deadline = time.monotonic() + timeout
    while True:
        items = kube.get(
            "-n", NAMESPACE, "pods", "-l", "app.kubernetes.io/component in (web,worker)"
        )
        leaving = [
            p["metadata"]["name"] for p in items["items"] if p["metadata"].get("deletionTimestamp")
        ]
        if not leaving:
            return
        assert time.monotonic() < deadline, (
            f"pods still terminating after {timeout:.0f} s: {leaving}"
        )
        time.sleep(2)


def release_revision(kube: Kube) -> int:
    history = json.loads(kube.helm("history", "todo", "--namespace", NAMESPACE, "-o", "json"))
    return int(history[-1]["revision"])


def deployment_images(kube: Kube) -> set[str]:
    found = set()
    for name in ("todo-web", "todo-worker"):
        spec = kube.get("-n", NAMESPACE, "deployment", name)["spec"]["template"]["spec"]
        found |= {c["image"] for c in spec["containers"] if c["name"] != "daprd"}
    return found


# A bounded loop: at most this many requests, for at most this long.
MAX_REQUESTS = 5_000
MAX_SECONDS = 600


class RequestLoop(threading.Thread):
    """GET / and /healthz through the load balancer, one after the other, until stopped."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.sent = 0
        self.failures: list[str] = []

    def run(self) -> None:
        started = time.monotonic()
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while not self.stop.is_set() and self.sent < MAX_REQUESTS:
                if time.monotonic() - started > MAX_SECONDS:
                    break
                path = "/healthz" if self.sent % 2 else "/"
                self.sent += 1
                try:
                    status = client.get(path).status_code
                except httpx.HTTPError as exc:
                    self.failures.append(f"{path}: {exc!r}")
                    continue
                if status != 200:
                    self.failures.append(f"{path}: {status}")
                time.sleep(0.05)


def next_occurrence_seconds(client: httpx.Client, title: str, limit: float) -> float | None:
    """Creates a daily task, completes it, and waits for the worker's next occurrence in the
    list: seconds it took, or None if it was not there within `limit`."""
    due = (datetime.now(UTC) + timedelta(hours=2)).replace(tzinfo=None)
    body = {"title": title, "due": due.isoformat(timespec="minutes"),
            "recurrence": {"kind": "daily"}}  # fmt: skip
    first = client.post("/api/tasks", json=body)
    assert first.status_code == 201, first.text
    first_id = first.json()["id"]
    assert client.post(f"/api/tasks/{first_id}/complete").status_code == 200
    started = time.monotonic()
    while time.monotonic() - started < limit:
        items = client.get("/api/tasks?status=open").json()["items"]
        if any(t["title"] == title and t["id"] != first_id for t in items):
            return time.monotonic() - started
        time.sleep(0.5)
    return None
