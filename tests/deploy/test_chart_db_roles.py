"""Each part of the release reaches PostgreSQL as its own role: the migrations Job as the
owner, the web app and the worker as the apps' role, the state store as Dapr's; with the local
PostgreSQL the Job first makes the two roles with the same script devstack runs."""

from typing import Any

import pytest
import yaml
from chart_helpers import CHART, VALUES_FILES, documents, find, pod_specs

from devstack import parts
from devstack.config import load
from todo_core.settings import Settings

IDS = [v or "defaults" for v in VALUES_FILES]
DB_KEYS = {"MIGRATIONS_DATABASE_URL", "DATABASE_URL", "STATE_PG_CONNECTION"}


def _secret_keys(container: dict[str, Any]) -> dict[str, str]:
    """env name -> the Secret key it is read from."""
    return {
        e["name"]: e["valueFrom"]["secretKeyRef"]["key"]
        for e in container.get("env", [])
        if "secretKeyRef" in e.get("valueFrom", {})
    }


def _values(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}


def _job(docs: list[dict[str, Any]]) -> dict[str, Any]:
    return find(docs, "Job", "todo-migrations")["spec"]["template"]["spec"]


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=IDS)
def test_only_the_migrations_job_connects_as_the_owner(render, values_file):
    docs = documents(render(values_file))
    migrate = _job(docs)["containers"][0]
    assert _secret_keys(migrate)["DATABASE_URL"] == "MIGRATIONS_DATABASE_URL"
    assert {"DB_APP_ROLE": "todo_app", "DB_DAPR_ROLE": "todo_dapr"}.items() <= _values(
        migrate
    ).items()
    for name, template in pod_specs(docs).items():
        spec = template["spec"]
        for container in spec["containers"] + spec.get("initContainers", []):
            keys = set(_secret_keys(container).values())
            if name != "Job/todo-migrations":
                assert "MIGRATIONS_DATABASE_URL" not in keys, name
            assert "STATE_PG_CONNECTION" not in keys, (name, "only the state store has it")


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=IDS)
def test_the_apps_connect_as_the_apps_role_and_the_state_store_as_daprs(render, values_file):
    docs = documents(render(values_file))
    for name in ("todo-web", "todo-worker"):
        spec = find(docs, "Deployment", name)["spec"]["template"]["spec"]
        keys = _secret_keys(spec["containers"][0])
        assert keys["DATABASE_URL"] == "DATABASE_URL", name
        assert not {"POSTGRES_PASSWORD", "POSTGRES_APP_PASSWORD"} & set(keys.values()), name
    store = find(docs, "Component", "statestore")["spec"]["metadata"]
    connection = next(m for m in store if m["name"] == "connectionString")
    assert connection["secretKeyRef"] == {"name": "todo-secrets", "key": "STATE_PG_CONNECTION"}
    # The self-hosted component reads the same key (devstack fills it with Dapr's role).
    hosted = yaml.safe_load((parts.DAPR_RESOURCES / "statestore.yaml").read_text())
    key = next(m for m in hosted["spec"]["metadata"] if m["name"] == "connectionString")
    assert key["secretKeyRef"]["key"] == "STATE_PG_CONNECTION"


def test_the_local_postgres_gets_the_roles_before_the_migrations(render):
    docs = documents(render("values-local.yaml"))
    job = _job(docs)
    [step] = job["initContainers"]
    assert step["name"] == "db-roles"
    assert (
        step["image"]
        == find(docs, "StatefulSet", "todo-postgres")["spec"]["template"]["spec"]["containers"][0][
            "image"
        ]
    )
    assert _values(step)["PGHOST"] == "todo-postgres"
    assert _values(step)["PGUSER"] == "todo"
    assert _secret_keys(step) == {
        "PGPASSWORD": "POSTGRES_PASSWORD",
        "POSTGRES_APP_PASSWORD": "POSTGRES_APP_PASSWORD",
        "POSTGRES_DAPR_PASSWORD": "POSTGRES_DAPR_PASSWORD",
    }
    script = step["args"][0]
    assert "-v app_role=todo_app" in script and "-v dapr_role=todo_dapr" in script
    assert "-f /etc/todo/db-roles/db-roles.sql" in script
    assert {"name": "db-roles", "configMap": {"name": "todo-db-roles"}} in job["volumes"]
    config_map = find(docs, "ConfigMap", "todo-db-roles")
    assert config_map["data"]["db-roles.sql"].strip() == parts.DB_ROLES_SQL.read_text().strip()
    # Made before the Job, which Helm runs before the release's ordinary resources.
    hook = config_map["metadata"]["annotations"]
    assert hook["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(hook["helm.sh/hook-weight"]) < 0


@pytest.mark.parametrize("values_file", [None, "values-cloud.yaml"], ids=["defaults", "cloud"])
def test_without_the_local_postgres_the_operator_makes_the_roles(render, values_file):
    docs = documents(render(values_file))
    assert "initContainers" not in _job(docs)
    assert not [d for d in docs if d["metadata"]["name"] == "todo-db-roles"]


def test_other_role_names_reach_the_migrations_and_the_roles_step(render):
    docs = documents(
        render(
            "values-local.yaml", "--set", "postgres.appRole=shop_app,postgres.daprRole=shop_dapr"
        )
    )
    job = _job(docs)
    assert {"DB_APP_ROLE": "shop_app", "DB_DAPR_ROLE": "shop_dapr"}.items() <= _values(
        job["containers"][0]
    ).items()
    script = job["initContainers"][0]["args"][0]
    assert "-v app_role=shop_app" in script and "-v dapr_role=shop_dapr" in script


@pytest.mark.parametrize("name", ["Todo_App", "todo-app", "x; DROP TABLE task", ""])
def test_a_role_name_the_grants_cannot_take_as_is_is_refused(helm, name):
    proc = helm("template", "todo", str(CHART), "--set-string", f"postgres.appRole={name}")
    assert proc.returncode != 0 and "appRole" in proc.stderr, proc.stderr


def test_the_role_names_agree_everywhere():
    """The chart's defaults, the migrations' (Settings) and devstack's are the same roles."""
    values = yaml.safe_load((CHART / "values.yaml").read_text())["postgres"]
    settings, stack = Settings(), load({})
    assert values["appRole"] == settings.db_app_role == stack.pg_app_user
    assert values["daprRole"] == settings.db_dapr_role == stack.pg_dapr_user
    assert DB_KEYS <= set((CHART / "values.yaml").read_text().split())


@pytest.mark.parametrize("key", ["appRole", "daprRole"])
def test_values_of_a_release_from_before_the_roles_are_refused_by_name(helm, key):
    """`helm upgrade --reuse-values` takes the values the release was installed with, and a
    release from before the roles has none: the upgrade stops, naming the value, instead of
    running the migrations with an empty role name."""
    proc = helm("template", "todo", str(CHART), "--set", f"postgres.{key}=null")
    assert proc.returncode != 0, proc.stdout[:300]
    assert f"missing property '{key}'" in proc.stderr, proc.stderr
