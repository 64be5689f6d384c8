"""The launcher itself: status, healing after a kill -9, clear one-line errors, and the
Dapr CLI run file agreeing with what it starts."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from devstack import apps, config, observability, parts, processes
from devstack import stack as devstack_stack
from devstack.config import REPO_ROOT, StackConfig

# The small stacks these tests start beside the suite's own (tests/unit/test_port_shifts.py).
SMALL_STACK_SHIFT = 10000

pytestmark = pytest.mark.integration


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devstack", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env or {**os.environ, "TODO_STACK": os.environ.get("TODO_STACK", "test")},
        timeout=600,
    )


def _status(name: str) -> dict:
    out = _cli("status", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    return next(p for p in doc["parts"] if p["name"] == name)


@pytest.mark.parametrize("part", ["kafka", "todo-web-dapr"])
def test_a_killed_part_is_reported_and_healed(stack: StackConfig, part: str) -> None:
    before = _status(part)
    assert before["state"] == "running"
    os.kill(before["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _status(part)["state"] != "stopped":
        assert time.monotonic() < deadline, "status still reports the killed part as running"
        time.sleep(0.2)
    healed = _cli("up")
    assert healed.returncode == 0, healed.stdout + healed.stderr
    assert f"{part}: starting" in healed.stdout
    assert "postgres: already running" in healed.stdout  # only the missing part restarted
    after = _status(part)
    assert after["state"] == "running" and after["pid"] != before["pid"]


def test_status_json_lists_every_part(stack: StackConfig) -> None:
    doc = json.loads(_cli("status", "--json").stdout)
    names = [p["name"] for p in doc["parts"]]
    assert names[:4] == ["postgres", "redis", "kafka", "scheduler"]
    assert {"todo-web", "todo-web-dapr"} <= set(names)
    for p in doc["parts"]:
        assert p["state"] in {"running", "stopped", "unhealthy"}
        assert p["ports"] and Path(p["log"]).name == f"{p['name']}.log"


def test_a_taken_port_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **os.environ,
            "TODO_STACK": "porttest",
            "TODO_DATA_DIR": str(tmp_path),
            "TODO_PG_PORT": str(port),
            "TODO_PORT_SHIFT": str(SMALL_STACK_SHIFT),
        }
        out = _cli("up", env=env)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert last == (
        f"[devstack] error: port {port} is already in use; set TODO_PG_PORT to a "
        f"free port (e.g. `TODO_PG_PORT={port + 1} make up`)"
    )


def test_a_missing_toolchain_is_one_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "TODO_CACHE_DIR": str(tmp_path), "PATH": "/nonexistent"}
    out = _cli("provision", "--part", "kafka", env=env)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines()[-1].startswith("[devstack] error: `java` is not on PATH")


def test_an_unreachable_registry_is_one_clear_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TODO_CACHE_DIR": str(tmp_path),
        "GOPROXY": "http://127.0.0.1:9",
        "GOCACHE": str(tmp_path / "gocache"),
    }
    out = _cli("provision", "--part", "dapr", env=env)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("[devstack] error: building daprd") and "Is the Go module proxy" in last


def test_dapr_run_file_matches_the_launcher() -> None:
    run = yaml.safe_load((REPO_ROOT / "dapr.yaml").read_text())
    cfg = config.load({})  # the dev stack's defaults, which dapr.yaml spells out
    common = run["common"]
    assert (REPO_ROOT / common["resourcesPath"]).resolve() == parts.DAPR_RESOURCES
    assert (REPO_ROOT / common["configFilePath"]).resolve() == observability.DAPR_CONFIG
    assert common["schedulerHostAddress"] == cfg.scheduler_address
    sidecar_env = parts.daprd_env(cfg)
    for key in ("TODO_SECRET_KAFKA_BROKERS", "TODO_SECRET_STATE_PG_CONNECTION"):
        assert common["env"][key] == sidecar_env[key]
    assert common["env"]["DATABASE_URL"] == cfg.app_database_url()
    by_id = {a["appID"]: a for a in run["apps"]}
    for sidecar, command in (
        (parts.WEB_SIDECAR, "todo-web"),
        (parts.WORKER_SIDECAR, "todo-worker"),
    ):
        app = by_id[sidecar.app_id]
        argv = parts.daprd_argv(cfg, sidecar)
        flag = {argv[i]: argv[i + 1] for i in range(1, len(argv) - 1) if argv[i].startswith("--")}
        assert app["command"] == [command]
        assert app["appProtocol"] == flag["--app-protocol"]
        assert str(app["appPort"]) == flag["--app-port"]
        assert str(app["daprHTTPPort"]) == flag["--dapr-http-port"]
        assert str(app["daprGRPCPort"]) == flag["--dapr-grpc-port"]
        assert str(app["daprInternalGRPCPort"]) == flag["--dapr-internal-grpc-port"]
        assert str(app["metricsPort"]) == flag["--metrics-port"]
        health = "--enable-app-health-check" in argv
        assert app.get("enableAppHealthCheck", False) == health
        if health:
            assert str(app["appHealthProbeInterval"]) == flag["--app-health-probe-interval"]
            assert str(app["appHealthProbeTimeout"]) == flag["--app-health-probe-timeout"]
            assert str(app["appHealthThreshold"]) == flag["--app-health-threshold"]
        env = apps.app_env(cfg, sidecar)
        for key, value in app["env"].items():
            assert env[key] == value, key


def test_down_leaves_no_process_or_port(tmp_path: Path) -> None:
    """A separate small stack (infra only): after `down` none of its pids or ports remain."""
    env = {
        **os.environ,
        "TODO_STACK": "downtest",
        "TODO_DATA_DIR": str(tmp_path),
        "TODO_PORT_SHIFT": str(SMALL_STACK_SHIFT),
    }
    up = _cli("up", "--infra", env=env)
    if up.returncode != 0:
        _cli("down", env=env)  # what did start must not outlive the test
    assert up.returncode == 0, up.stderr[-500:]
    cfg = config.load(env)
    pids = [processes.read_pid(cfg.run_dir, p) for p in devstack_stack.INFRA]
    assert all(pids)
    assert _cli("down", env=env).returncode == 0
    assert not any(processes.is_alive(pid) for pid in pids if pid)
    from devstack.ports import is_listening

    ports = [
        cfg.port(v)
        for part in devstack_stack.all_parts()
        if part.name in devstack_stack.INFRA
        for v in part.ports
    ]
    assert not [p for p in ports if is_listening(p)]
    assert _cli("clean", env=env).returncode == 0  # and its data goes with `clean`
    assert not cfg.data_dir.exists()
