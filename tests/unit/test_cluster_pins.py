"""Each cluster part's version lives in devstack/versions.py and in the go.mod that builds
it: the two must agree, or the cache folder would be named for a version it does not hold."""

import re
from pathlib import Path

import pytest

from devstack import versions
from devstack.cluster.build import GOMOD, PINS

DAPRD_GO_MOD = GOMOD.parent.parent / "daprd" / "go.mod"


def required(go_mod: Path, module: str) -> str:
    match = re.search(rf"^\s*(?:require\s+)?{re.escape(module)} (v\S+)", go_mod.read_text(), re.M)
    assert match, f"{go_mod} does not require {module}"
    return match.group(1)


@pytest.mark.parametrize("part", sorted(PINS))
def test_go_mod_requires_the_pinned_version(part: str) -> None:
    module, version = PINS[part]
    assert required(GOMOD / part / "go.mod", module) == f"v{version}"


def test_every_staging_module_is_replaced_by_the_same_release() -> None:
    go_mod = (GOMOD / "kubernetes" / "go.mod").read_text()
    replaced = re.findall(r"^\s*(k8s\.io/\S+) => (k8s\.io/\S+) (v\S+)$", go_mod, re.M)
    assert len(replaced) >= 30
    staging = f"v0.{versions.KUBERNETES.split('.', 1)[1]}"
    assert {(old == new, v) for old, new, v in replaced} == {(True, staging)}


def test_the_control_plane_is_built_from_the_dapr_release_of_devstack_daprd() -> None:
    assert required(DAPRD_GO_MOD, "github.com/dapr/dapr") == f"v{versions.DAPR_RUNTIME}"
