"""The release as `make cluster` installed it: deployed, and its database migrated to the
head of the migrations in this checkout by the pre-install/pre-upgrade hook Job, which
Helm runs to completion before it creates or updates the apps."""

import json

from alembic.config import Config
from alembic.script import ScriptDirectory

from devstack.cluster.app import NAMESPACE, RELEASE
from devstack.cluster.kubectl import Kube
from devstack.config import REPO_ROOT
from tests.cluster.helpers import sql


def test_the_release_is_deployed_with_its_database_at_the_migrations_head(kube: Kube) -> None:
    status = json.loads(kube.helm("status", RELEASE, "--namespace", NAMESPACE, "-o", "json"))
    assert status["info"]["status"] == "deployed"
    head = ScriptDirectory.from_config(Config(str(REPO_ROOT / "alembic.ini"))).get_current_head()
    assert sql(kube, "select version_num from alembic_version") == [[head]]
