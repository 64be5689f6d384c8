"""The release as `make cluster` installed it: deployed, and its database migrated to the
head of the migrations in this checkout by the pre-install/pre-upgrade hook Job, which
Helm runs to completion before it creates or updates the apps."""

import json
import time

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from devstack.cluster.app import NAMESPACE, RELEASE
from devstack.cluster.kubectl import Kube
from devstack.config import REPO_ROOT
from devstack.errors import StackError
from tests.cluster.helpers import old_pods_gone, sql


def test_the_release_is_deployed_with_its_database_at_the_migrations_head(kube: Kube) -> None:
    status = json.loads(kube.helm("status", RELEASE, "--namespace", NAMESPACE, "-o", "json"))
    assert status["info"]["status"] == "deployed"
    head = ScriptDirectory.from_config(Config(str(REPO_ROOT / "alembic.ini"))).get_current_head()
    assert sql(kube, "select version_num from alembic_version") == [[head]]


def test_each_part_connects_as_its_own_role(kube: Kube) -> None:
    """The web app and the worker as the apps' role, the web app's sidecar (the state store)
    as Dapr's; the owner only in the migrations Job, which has finished."""
    query = ("SELECT DISTINCT usename FROM pg_stat_activity "
             "WHERE datname = 'todo' AND pid <> pg_backend_pid()")  # fmt: skip
    # The previous release's pods, still terminating, may hold connections of their own
    # (seen: the owner's, from pods of a release before the roles).
    old_pods_gone(kube)
    deadline = time.monotonic() + 60  # the pools open their first connections lazily
    while True:
        users = {row[0] for row in sql(kube, query)}
        settled = {"todo_app", "todo_dapr"} <= users and "todo" not in users
        if settled or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert {"todo_app", "todo_dapr"} <= users, users
    assert "todo" not in users, users


@pytest.mark.parametrize(
    ("role", "statement"),
    [
        ("todo_app", "CREATE TABLE planted (id int)"),
        ("todo_app", "DROP TABLE task"),
        ("todo_app", "SELECT * FROM dapr.state"),
        ("todo_dapr", 'SELECT * FROM public."user"'),
        ("todo_dapr", "SELECT * FROM public.task"),
    ],
)
def test_the_roles_are_refused_what_is_not_theirs(kube: Kube, role: str, statement: str) -> None:
    """psql in the PostgreSQL pod (its socket trusts any role: only the grants decide)."""
    with pytest.raises(StackError, match="permission denied|must be owner"):
        kube.kubectl(
            "-n", NAMESPACE, "exec", "todo-postgres-0", "--",
            "psql", "-U", role, "-d", "todo", "-v", "ON_ERROR_STOP=1", "-c", statement,
        )  # fmt: skip
