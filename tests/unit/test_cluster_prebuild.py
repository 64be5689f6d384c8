"""The background build's waiting and stopping, with real processes standing in for it."""

import subprocess
import time
from pathlib import Path

import pytest

from devstack.cluster import prebuild
from devstack.errors import StackError


def _spawn(script: str, log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        return subprocess.Popen(
            ["sh", "-c", script], stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TODO_CACHE_DIR", str(tmp_path))
    return prebuild.log_path()


def test_a_failed_build_is_reported_with_its_log(log: Path) -> None:
    proc = _spawn("echo 'building etcd ...'; echo 'go: module not found' ; exit 3", log)
    with pytest.raises(StackError, match="exit 3") as failure:
        prebuild.wait(proc)
    assert "go: module not found" in str(failure.value)
    assert str(log) in str(failure.value)


def test_a_finished_build_is_waited_for(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proc = _spawn("sleep 1; echo done", log)
    prebuild.wait(proc, every=0.2)
    assert proc.returncode == 0
    out = capsys.readouterr().out
    assert "cluster build:" in out  # progress while it waited
    assert "the cluster's parts are built" in out


def test_stopping_ends_the_build_and_its_children(log: Path, tmp_path: Path) -> None:
    child_pid = tmp_path / "child.pid"
    proc = _spawn(f"sleep 300 & echo $! > {child_pid}; wait", log)
    deadline = time.monotonic() + 10
    while not child_pid.exists() or not child_pid.read_text().strip():
        assert time.monotonic() < deadline, "the stand-in build never started its child"
        time.sleep(0.05)
    child = int(child_pid.read_text())
    prebuild.stop(proc)
    assert proc.poll() is not None
    deadline = time.monotonic() + 5
    while Path(f"/proc/{child}").exists() and _state(child) != "Z":
        assert time.monotonic() < deadline, "the build's child outlived it"
        time.sleep(0.05)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "Z"
