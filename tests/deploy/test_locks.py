"""The two hashed locks agree: requirements-runtime.lock (what the images install) is a
subset of requirements.lock (the developer venv and the tests) at the same versions and
hashes, carries every runtime dependency, and none of the dev tools."""

import re
import tomllib
from pathlib import Path

import pytest
from chart_helpers import REPO

DEV_LOCK = REPO / "requirements.lock"
RUNTIME_LOCK = REPO / "requirements-runtime.lock"
# The commands the lock headers must name: uv writes the one it ran, so a lock made any
# other way (another uv flag, another Python, no -c) shows here.
DEV_COMMAND = (
    "uv pip compile pyproject.toml --group dev --generate-hashes --python-version 3.11 "
    "-o requirements.lock"
)
RUNTIME_COMMAND = (
    "uv pip compile pyproject.toml -c requirements.lock --generate-hashes "
    "--python-version 3.11 -o requirements-runtime.lock"
)
DEV_ONLY = ("pytest", "playwright", "ruff", "mypy", "schemathesis", "hypothesis", "matplotlib")


def _name(requirement: str) -> str:
    """PEP 503 normalised project name of `name[extra]==1.0` or `name>=1; marker`."""
    bare = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    assert bare, requirement
    return re.sub(r"[-_.]+", "-", bare.group(0)).lower()


def parse_lock(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """name -> (version, hashes) of a `uv pip compile --generate-hashes` file."""
    pins: dict[str, tuple[str, frozenset[str]]] = {}
    current = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            spec = line.removesuffix("\\").strip()
            name, sep, version = spec.partition("==")
            assert sep and ";" not in version, f"{path.name}: not a plain pin: {line}"
            current = _name(name)
            pins[current] = (version.strip(), frozenset())
        elif "--hash=" in line:
            digest = line.strip().removesuffix("\\").strip().removeprefix("--hash=")
            version, hashes = pins[current]
            pins[current] = (version, hashes | {digest})
    return pins


@pytest.fixture(scope="module")
def dev() -> dict[str, tuple[str, frozenset[str]]]:
    return parse_lock(DEV_LOCK)


@pytest.fixture(scope="module")
def runtime() -> dict[str, tuple[str, frozenset[str]]]:
    return parse_lock(RUNTIME_LOCK)


def test_every_pin_is_hashed(dev, runtime):
    for lock in (dev, runtime):
        assert lock
        unhashed = [name for name, (_, hashes) in lock.items() if not hashes]
        assert unhashed == []


def test_runtime_pins_are_the_dev_pins(dev, runtime):
    missing = sorted(set(runtime) - set(dev))
    assert missing == [], "in the runtime lock but not the dev lock"
    differing = [name for name in runtime if runtime[name] != dev[name]]
    assert differing == [], "runtime lock pins (version or hashes) differ from the dev lock's"


def test_runtime_lock_has_no_dev_tools(runtime):
    assert sorted(set(DEV_ONLY) & set(runtime)) == []
    # Every dev tool is pinned in the dev lock: otherwise the check above proves nothing.
    assert set(DEV_ONLY) <= set(parse_lock(DEV_LOCK))


def test_runtime_lock_has_every_runtime_dependency(runtime):
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    assert sorted(wanted - set(runtime)) == []


def test_lock_headers_name_the_documented_commands():
    for path, command in ((DEV_LOCK, DEV_COMMAND), (RUNTIME_LOCK, RUNTIME_COMMAND)):
        header = path.read_text(encoding="utf-8").splitlines()[:2]
        assert header[1].strip("# ") == command, path.name


def test_the_parser_reads_versions_and_hashes(tmp_path):
    lock = tmp_path / "x.lock"
    lock.write_text(
        "# header\nFoo_Bar==1.2 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n"
        "    # via x\nbaz[extra]==3 \\\n    --hash=sha256:cc\n"
    )
    assert parse_lock(lock) == {
        "foo-bar": ("1.2", frozenset({"sha256:aa", "sha256:bb"})),
        "baz": ("3", frozenset({"sha256:cc"})),
    }
