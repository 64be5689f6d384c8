"""Paths and small helpers shared by the deploy tests (fixtures live in conftest.py)."""

from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "todo"
# None is the chart's own defaults; the others are layered on top like a real install.
VALUES_FILES: list[str | None] = [None, "values-local.yaml", "values-cloud.yaml"]
RELEASE = "todo"


def values_args(values_file: str | None) -> list[str]:
    return ["-f", str(CHART / values_file)] if values_file else []


def documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    for doc in docs:
        if doc["kind"] == kind and doc["metadata"]["name"] == name:
            return doc
    names = [(d["kind"], d["metadata"]["name"]) for d in docs]
    raise AssertionError(f"no {kind} {name} in {names}")


def pod_specs(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Pod templates of every workload, by "Kind/name"."""
    out = {}
    for doc in docs:
        if doc["kind"] in {"Deployment", "StatefulSet", "Job"}:
            out[f"{doc['kind']}/{doc['metadata']['name']}"] = doc["spec"]["template"]
    return out
