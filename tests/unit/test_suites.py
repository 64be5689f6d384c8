"""`make test`'s two suites side by side, with a fake pytest (a shell script) standing in for
the real one: which arguments each run gets, the order of their output, the exit status."""

import os
import stat
import time
from pathlib import Path

import pytest

from devstack import suites

# Records its arguments and whether the cluster's run had started before the local one
# ended; the cluster's run is the slower; each exits with the status the test asks for.
FAKE_PYTEST = """#!/bin/sh
if [ "$1" = tests/cluster ]; then
  echo "$*" > "$RECORD/cluster"; sleep 1; echo "cluster output"; exit "$CLUSTER_RC"
fi
echo "$*" > "$RECORD/local"; sleep 0.5
[ -f "$RECORD/cluster" ] && touch "$RECORD/overlapped"
echo "local output"; exit "$LOCAL_RC"
"""


@pytest.fixture
def fake_pytest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    script = tmp_path / "fake-pytest"
    script.write_text(FAKE_PYTEST)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("TODO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("RECORD", str(tmp_path))
    monkeypatch.setenv("LOCAL_RC", "0")
    monkeypatch.setenv("CLUSTER_RC", "0")
    return [str(script)]


def test_the_suites_run_side_by_side_and_the_cluster_prints_after(
    fake_pytest: list[str], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    assert suites.run([], pytest=fake_pytest) == 0
    assert time.monotonic() - started < 30  # the runner ended (a hang would not)
    cluster_args = (tmp_path / "cluster").read_text().split()
    local_args = (tmp_path / "local").read_text().split()
    assert cluster_args[0] == "tests/cluster"
    assert cluster_args[cluster_args.index("--output") + 1] == suites.CLUSTER_OUTPUT
    assert local_args == ["--ignore=tests/cluster"]
    assert (tmp_path / "overlapped").exists(), "the suites ran one after the other"
    out = capfd.readouterr().out
    assert out.index("local output") < out.index("cluster output")
    assert suites.log_path().read_text() == "cluster output\n"


@pytest.mark.parametrize(("local_rc", "cluster_rc", "expected"), [(0, 3, 3), (2, 0, 2), (2, 3, 2)])
def test_either_suite_failing_fails_the_run(
    fake_pytest: list[str],
    monkeypatch: pytest.MonkeyPatch,
    local_rc: int,
    cluster_rc: int,
    expected: int,
) -> None:
    monkeypatch.setenv("LOCAL_RC", str(local_rc))
    monkeypatch.setenv("CLUSTER_RC", str(cluster_rc))
    assert suites.run([], pytest=fake_pytest) == expected


def test_pytest_arguments_make_one_run(fake_pytest: list[str], tmp_path: Path) -> None:
    assert suites.run(["tests/unit", "-k", "x"], pytest=fake_pytest) == 0
    assert (tmp_path / "local").read_text().split() == ["tests/unit", "-k", "x"]
    assert not os.path.exists(tmp_path / "cluster")
