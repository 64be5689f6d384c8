"""The Dapr resources the chart renders for values-local say what deploy/dapr says for the
self-hosted run: same components, types, scopes, metadata and policies. The deliberate
differences are asserted too: in Kubernetes, secretKeyRef names a Kubernetes Secret that the
operator resolves through the built-in "kubernetes" store (no auth.secretStore and no
"secretstore" component), while self-hosted runs read the same keys from a local.env store;
the chart's Kafka takes a login."""

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from chart_helpers import REPO, documents

from devstack import deploytools

SELF_HOSTED = REPO / "deploy" / "dapr"
# The other deliberate difference: the chart's in-cluster Kafka takes a SASL/SCRAM login,
# the devstack's Kafka, which listens on loopback only, none.
KAFKA_LOGIN = {"authType", "saslUsername", "saslPassword", "saslMechanism", "disableTls"}
KEY = tuple[str, str]


def self_hosted() -> dict[KEY, dict[str, Any]]:
    out = {}
    for path in sorted(SELF_HOSTED.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                out[(doc["kind"], doc["metadata"]["name"])] = doc
    return out


@pytest.fixture(scope="module")
def chart(render) -> dict[KEY, dict[str, Any]]:
    docs = documents(render("values-local.yaml"))
    return {
        (d["kind"], d["metadata"]["name"]): d
        for d in docs
        if d["apiVersion"].startswith("dapr.io/")
    }


def prune(node: Any, schema: dict[str, Any]) -> Any:
    """Keep only what the Dapr CRD defines: what the runtime actually reads."""
    if isinstance(node, dict) and "properties" in schema:
        return {
            k: prune(v, schema["properties"][k])
            for k, v in node.items()
            if k in schema["properties"]
        }
    if isinstance(node, dict) and isinstance(schema.get("additionalProperties"), dict):
        return {k: prune(v, schema["additionalProperties"]) for k, v in node.items()}
    if isinstance(node, list) and "items" in schema:
        return [prune(v, schema["items"]) for v in node]
    return node


def crd_schema(kind: str) -> dict[str, Any]:
    path = deploytools.dapr_schema_dir() / f"{kind.lower()}-dapr-v1alpha1.json"
    return json.loads(Path(path).read_text(encoding="utf-8"))


def test_the_same_resources_exist(chart, tools):
    expected = set(self_hosted()) - {("Component", "secretstore")}
    assert set(chart) == expected


def test_self_hosted_secret_store_is_the_local_env_one():
    store = self_hosted()[("Component", "secretstore")]
    assert store["spec"]["type"] == "secretstores.local.env"
    for (kind, _), doc in self_hosted().items():
        if kind == "Component" and doc["spec"]["type"] != "secretstores.local.env":
            assert doc["auth"]["secretStore"] == "secretstore"


@pytest.mark.parametrize("name", ["pubsub", "statestore"])
def test_components_agree(chart, name):
    ours = chart[("Component", name)]
    theirs = self_hosted()[("Component", name)]
    for field in ("type", "version"):
        assert ours["spec"][field] == theirs["spec"][field], field
    assert ours["scopes"] == theirs["scopes"]
    assert "auth" not in ours, "Kubernetes secretKeyRefs go through the built-in store"
    ours_meta = {m["name"]: m for m in ours["spec"]["metadata"]}
    theirs_meta = {m["name"]: m for m in theirs["spec"]["metadata"]}
    if name == "pubsub":
        assert ours_meta["authType"]["value"] == "password"
        assert theirs_meta["authType"]["value"] == "none"
        ours_meta = {k: v for k, v in ours_meta.items() if k not in KAFKA_LOGIN}
        theirs_meta = {k: v for k, v in theirs_meta.items() if k not in KAFKA_LOGIN}
    assert ours_meta.keys() == theirs_meta.keys()
    for key, theirs_item in theirs_meta.items():
        ours_item = ours_meta[key]
        if "secretKeyRef" in theirs_item:
            # Same key; the name is the Kubernetes Secret instead of the env variable.
            assert ours_item["secretKeyRef"] == {
                "name": "todo-secrets",
                "key": theirs_item["secretKeyRef"]["key"],
            }, key
        else:
            assert ours_item == theirs_item, key


@pytest.mark.parametrize(
    ("kind", "name"), [("Configuration", "todo-config"), ("Resiliency", "todo-resiliency")]
)
def test_policies_agree_in_what_dapr_reads(chart, tools, kind, name):
    schema = crd_schema(kind)
    ours = prune(chart[(kind, name)], schema)
    theirs = prune(self_hosted()[(kind, name)], schema)
    assert ours["spec"] == theirs["spec"]
    assert ours.get("scopes") == theirs.get("scopes")


def test_self_hosted_resources_use_only_fields_dapr_knows(kubeconform):
    files = [str(p) for p in sorted(SELF_HOSTED.rglob("*.yaml"))]
    proc = kubeconform(*files)
    assert proc.returncode == 0, proc.stdout + proc.stderr
