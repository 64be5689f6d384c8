"""The chart's NetworkPolicies (issue 22 item 2), read the way a policy controller reads them:
which pods a policy selects, and which peers and ports it lets in. tests/cluster's
test_network_policy.py proves that kube-router enforces them."""

from typing import Any

import pytest
from chart_helpers import CHART, VALUES_FILES, documents, find, pod_specs

IDS = [v or "defaults" for v in VALUES_FILES]
SIDECAR_PORTS = {3500, 50001, 50002}  # daprd's HTTP and gRPC APIs, its internal gRPC
HOST = "10.98.0.1/32"


def policies(text: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents(text) if d["kind"] == "NetworkPolicy"}


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A LabelSelector's verdict on a set of labels (matchLabels and In/NotIn/Exists)."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
    return True


def pod_labels(text: str) -> dict[str, dict[str, str]]:
    """Every pod template's labels, by component (web, worker, migrations, kafka, ...)."""
    out = {}
    for template in pod_specs(documents(text)).values():
        labels = template["metadata"]["labels"]
        out[labels["app.kubernetes.io/component"]] = labels
    return out


def allowed(text: str, component: str, port: int, peer: dict[str, str] | None) -> bool:
    """Whether ingress to `component`'s pods on `port` is allowed from a pod with labels
    `peer` in the release namespace (None: any pod of another namespace), by the
    NetworkPolicy rules: a pod no policy selects is open; otherwise some rule of a policy
    that selects it must match the port and the peer (namespaceSelector and podSelector
    together, a podSelector alone meaning the policy's own namespace)."""
    namespace = {"kubernetes.io/metadata.name": "todo" if peer is not None else "elsewhere"}
    pods = pod_labels(text)
    chosen = [
        p for p in policies(text).values() if selects(p["spec"]["podSelector"], pods[component])
    ]
    if not chosen:
        return True
    for policy in chosen:
        for rule in policy["spec"].get("ingress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            if ports and port not in ports:
                continue
            if "from" not in rule:
                return True
            for source in rule["from"]:
                if "ipBlock" in source:
                    continue  # pod addresses are never the host's
                if "namespaceSelector" in source:
                    ns_ok = selects(source["namespaceSelector"], namespace)
                else:
                    ns_ok = peer is not None
                pod_ok = "podSelector" not in source or selects(source["podSelector"], peer or {})
                if ns_ok and pod_ok:
                    return True
    return False


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=IDS)
def test_every_pod_of_the_release_is_selected_by_the_default_deny(render, values_file):
    text = render(values_file)
    deny = policies(text)["todo-default-deny"]["spec"]
    assert deny["policyTypes"] == ["Ingress"] and "ingress" not in deny
    for component, labels in pod_labels(text).items():
        assert selects(deny["podSelector"], labels), component
    # Another release's pods (and a test's client pod) are not this release's to deny.
    assert not selects(deny["podSelector"], {"app.kubernetes.io/name": "todo", "run": "x"})


def test_the_sidecars_and_the_worker_take_nothing_from_another_pod(render):
    text = render("values-local.yaml")
    web = pod_labels(text)["web"]
    stranger = {"run": "curl"}
    for port in SIDECAR_PORTS | {9090}:
        for component in ("web", "worker"):
            # Not from a pod of the namespace, not even from the web app (a forged publish
            # through the worker's sidecar), nor from another namespace.
            for peer in (stranger, web, None):
                assert not allowed(text, component, port, peer), (component, port, peer)
    for port in (50051, 8081):
        for peer in (stranger, web, None):
            assert not allowed(text, "worker", port, peer), (port, peer)


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=IDS)
def test_the_web_app_takes_http_from_anywhere_and_nothing_else(render, values_file):
    text = render(values_file)
    assert allowed(text, "web", 8000, None)
    assert allowed(text, "web", 8000, {"run": "curl"})
    assert not allowed(text, "web", 3500, None)


def test_the_web_app_can_be_limited_to_the_ingress_controller(render, kubeconform):
    traefik = '[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"traefik"}}}]'
    text = render("values-cloud.yaml", "--set-json", f"networkPolicy.webFrom={traefik}")
    rule = policies(text)["todo-web"]["spec"]["ingress"][0]
    assert rule["from"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "traefik"
    }
    assert not allowed(text, "web", 8000, {"run": "curl"})
    assert kubeconform(stdin=text).returncode == 0


def test_local_infra_takes_only_the_release_pods_that_use_it(render):
    text = render("values-local.yaml")
    pods = pod_labels(text)
    expected = {
        ("postgres", 5432): {"web", "worker", "migrations"},
        ("kafka", 9092): {"web", "worker"},
        ("redis", 6379): {"web"},
    }
    for (component, port), clients in expected.items():
        for client in ("web", "worker", "migrations"):
            assert allowed(text, component, port, pods[client]) == (client in clients), (
                component,
                client,
            )
        assert not allowed(text, component, port, {"run": "psql"}), component
        assert not allowed(text, component, port, None), component
        # Another release's web app in the same namespace is not ours.
        other = {**pods["web"], "app.kubernetes.io/instance": "other"}
        assert not allowed(text, component, port, other), component
    assert not allowed(text, "kafka", 9093, pods["worker"])  # the KRaft controller: its own


def test_metrics_are_open_only_to_the_scrapers_the_observability_block_names(render, kubeconform):
    assert "todo-metrics" not in policies(render("values-local.yaml"))
    text = render(
        "values-local.yaml",
        *("--set", "observability.enabled=true"),
        *("--set", f"observability.scrapers[0].ipBlock.cidr={HOST}"),
    )
    metrics = policies(text)["todo-metrics"]["spec"]
    pods = pod_labels(text)
    assert selects(metrics["podSelector"], pods["web"])
    assert selects(metrics["podSelector"], pods["worker"])
    assert not selects(metrics["podSelector"], pods["postgres"])
    (rule,) = metrics["ingress"]
    assert {p["port"] for p in rule["ports"]} == {9090, 8081}
    assert rule["from"] == [{"ipBlock": {"cidr": HOST}}]
    # Named scrapers only: a pod of the namespace still cannot reach the sidecar's API.
    assert not allowed(text, "worker", 3500, {"run": "curl"})
    proc = kubeconform(stdin=text)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_egress_policy_so_the_cloud_services_stay_reachable(render):
    for text in (render("values-local.yaml"), render("values-cloud.yaml")):
        for policy in policies(text).values():
            assert policy["spec"]["policyTypes"] == ["Ingress"], policy["metadata"]["name"]


def test_cloud_renders_no_local_infra_policies(render):
    names = set(policies(render("values-cloud.yaml")))
    assert names == {"todo-default-deny", "todo-web"}


def test_policies_can_be_turned_off(render):
    assert not policies(render("values-local.yaml", "--set", "networkPolicy.enabled=false"))


def test_policy_names_follow_the_release(render):
    text = render("values-local.yaml", release="shop")
    assert find(documents(text), "NetworkPolicy", "shop-todo-default-deny")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "networkPolicy.enabled=yes"], "networkPolicy/enabled"),
        (["--set-json", 'networkPolicy.webFrom=[{"pods":{}}]'], "pods"),
        (["--set-json", 'observability.scrapers=[{"ipBlock":{}}]'], "cidr"),
    ],
)
def test_the_schema_rejects_wrong_policy_values(helm, args, message):
    proc = helm("template", "todo", str(CHART), *args)
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr
