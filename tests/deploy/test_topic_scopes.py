"""The pub/sub component's topic scopes name exactly the topics of todo_core.events: what
each app publishes and subscribes to (tests/integration/test_topic_scopes.py shows a real
sidecar refusing the rest)."""

import yaml
from chart_helpers import REPO

from todo_core.events import TOPICS, dead_letter_topic


def _scopes(value: str) -> dict[str, set[str]]:
    scopes = {}
    for entry in value.split(";"):
        app, _, topics = entry.partition("=")
        scopes[app] = {t for t in topics.split(",") if t}
    return scopes


def _metadata() -> dict[str, str]:
    pubsub = yaml.safe_load((REPO / "deploy/dapr/components/pubsub.yaml").read_text())
    return {m["name"]: m.get("value", "") for m in pubsub["spec"]["metadata"]}


def test_each_app_publishes_only_its_topics() -> None:
    assert _scopes(_metadata()["publishingScopes"]) == {
        "todo-web": set(TOPICS),
        "todo-worker": set(TOPICS) | {dead_letter_topic(t) for t in TOPICS},
    }


def test_only_the_worker_subscribes() -> None:
    assert _scopes(_metadata()["subscriptionScopes"]) == {
        "todo-web": set(),
        "todo-worker": set(TOPICS),
    }
