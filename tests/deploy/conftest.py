"""Fixtures for the chart, workflow and Dockerfile checks: the validators are real binaries
that provisioning (`make provision`, which `make test` runs first) builds from their Go
modules with devstack.deploytools; the tests only use them, never build them."""

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from chart_helpers import CHART, RELEASE, values_args

from devstack import deploytools

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def tools() -> dict[str, Path]:
    missing = deploytools.missing()
    if missing:
        pytest.fail(
            f"deploy validators not provisioned ({', '.join(missing)}): run `make provision`"
            " (or `python -m devstack provision`)",
            pytrace=False,
        )
    return deploytools.installed()


def _runner(binary: Path) -> Run:
    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(binary), *args], input=stdin, capture_output=True, text=True, check=False
        )

    return run


@pytest.fixture(scope="session")
def helm(tools: dict[str, Path]) -> Run:
    return _runner(tools["helm"])


@pytest.fixture(scope="session")
def kubeconform(tools: dict[str, Path]) -> Run:
    base = _runner(tools["kubeconform"])
    locations = [
        a for loc in deploytools.kubeconform_schema_locations() for a in ("-schema-location", loc)
    ]
    version = deploytools.K8S_VERSION.removeprefix("v")

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        # -strict: unknown fields and duplicate keys fail; nothing may be skipped for lack
        # of a schema (no -ignore-missing-schemas), so a typo in a kind fails too.
        return base(
            "-strict", "-summary", "-kubernetes-version", version, *locations, *args, stdin=stdin
        )

    return run


@pytest.fixture(scope="session")
def actionlint(tools: dict[str, Path]) -> Run:
    return _runner(tools["actionlint"])


@pytest.fixture(scope="session")
def render(helm: Run) -> Callable[..., str]:
    """`helm template` of the chart; returns the YAML text, fails the test on an error."""
    cache: dict[tuple[str | None, tuple[str, ...], str], str] = {}

    def _render(values_file: str | None, *extra: str, release: str = RELEASE) -> str:
        key = (values_file, extra, release)
        if key not in cache:
            proc = helm(
                "template",
                release,
                str(CHART),
                "--namespace",
                "todo",
                "--kube-version",
                deploytools.K8S_VERSION,
                *values_args(values_file),
                *extra,
            )
            assert proc.returncode == 0, proc.stderr
            cache[key] = proc.stdout
        return cache[key]

    return _render
