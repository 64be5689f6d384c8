"""Worker replicas in the devstack: their ports, part names and environment (pure logic; the
real replicas are exercised by tests/faults/test_storm_replica_kill.py)."""

from pathlib import Path

import pytest

from devstack import apps, config, parts, provision
from devstack import stack as devstack_stack
from devstack.errors import StackError

SUFFIXES = (
    "PORT",
    "HEALTH_PORT",
    "DAPR_HTTP_PORT",
    "DAPR_GRPC_PORT",
    "DAPR_INTERNAL_PORT",
    "DAPR_METRICS_PORT",
)


@pytest.fixture(autouse=True)
def _no_provisioning(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The argv and environment name binaries; building them is not what is tested here.
    monkeypatch.setattr(provision, "ensure_dapr", lambda: tmp_path / "dapr")
    monkeypatch.setattr(provision, "ensure_bun", lambda: tmp_path / "bun")


def test_replica_k_uses_the_first_workers_ports_plus_ten_per_replica() -> None:
    for k in range(2, config.MAX_WORKER_REPLICAS + 1):
        for suffix in SUFFIXES:
            first = config.PORTS[f"TODO_WORKER_{suffix}"]
            assert config.PORTS[f"TODO_WORKER_{k}_{suffix}"] == first + 10 * (k - 1)


@pytest.mark.parametrize("shift", ["0", "5000", "7000", "11000"])
def test_no_two_variables_share_a_port_and_replicas_shift_too(shift: str) -> None:
    cfg = config.load({"TODO_PORT_SHIFT": shift})
    assert len(set(cfg.ports.values())) == len(cfg.ports)
    assert cfg.port("TODO_WORKER_3_DAPR_GRPC_PORT") == 13621 + int(shift)


def test_replica_count_is_read_and_checked() -> None:
    assert config.load({}).worker_replicas == 1
    assert config.load({"TODO_WORKER_REPLICAS": "3"}).worker_replicas == 3
    for bad in ("0", "4", "two", ""):
        with pytest.raises(StackError, match="TODO_WORKER_REPLICAS"):
            config.load({"TODO_WORKER_REPLICAS": bad})


def test_the_default_stack_is_unchanged() -> None:
    names = [p.name for p in devstack_stack.all_parts()]
    assert names == [
        "postgres",
        "redis",
        "kafka",
        "scheduler",
        "todo-web",
        "todo-web-dapr",
        "todo-worker",
        "todo-worker-dapr",
    ]
    by_name = {p.name: p for p in devstack_stack.all_parts()}
    assert by_name["todo-worker"].ports == ["TODO_WORKER_PORT", "TODO_WORKER_HEALTH_PORT"]
    assert by_name["todo-web"].ports == ["TODO_WEB_PORT"]


def test_replica_parts_follow_the_first_worker_with_their_own_names_and_ports() -> None:
    three = devstack_stack.all_parts(3)
    assert [p.name for p in three[-6:]] == [
        "todo-worker",
        "todo-worker-dapr",
        "todo-worker-2",
        "todo-worker-2-dapr",
        "todo-worker-3",
        "todo-worker-3-dapr",
    ]
    by_name = {p.name: p for p in three}
    assert by_name["todo-worker-2"].ports == ["TODO_WORKER_2_PORT", "TODO_WORKER_2_HEALTH_PORT"]
    assert by_name["todo-worker-3-dapr"].ports == [
        f"TODO_WORKER_3_{s}" for s in SUFFIXES if s.startswith("DAPR")
    ]
    used = [var for p in three for var in p.ports]
    assert len(used) == len(set(used)), "a port variable belongs to two parts"
    cfg = config.load({})
    assert by_name["todo-worker-2"].log(cfg) == cfg.log_dir / "todo-worker-2.log"


def test_a_replicas_sidecar_has_the_same_app_id_and_its_own_ports() -> None:
    cfg = config.load({})
    argv = parts.daprd_argv(cfg, parts.worker_sidecar(2))
    flag = {argv[i]: argv[i + 1] for i in range(1, len(argv) - 1) if argv[i].startswith("--")}
    assert flag["--app-id"] == "todo-worker"
    assert flag["--app-port"] == "16011"
    assert flag["--dapr-http-port"] == "13610"
    assert flag["--dapr-grpc-port"] == "13611"
    assert flag["--dapr-internal-grpc-port"] == "13612"
    assert flag["--metrics-port"] == "13613"
    assert parts.worker_sidecar(1) is parts.WORKER_SIDECAR


def test_a_replicas_worker_talks_to_its_own_sidecar_and_health_port() -> None:
    cfg = config.load({})
    env = apps.worker_env(cfg, 3)
    assert (env["APP_PORT"], env["HEALTH_PORT"]) == ("16021", "16022")
    assert (env["DAPR_HTTP_PORT"], env["DAPR_GRPC_PORT"]) == ("13620", "13621")
    # The first worker's environment is what it always was.
    assert apps.worker_env(cfg, 1) == apps.app_env(cfg, parts.WORKER_SIDECAR)


def test_scaling_outside_the_local_limit_is_refused() -> None:
    cfg = config.load({})
    for n in (0, config.MAX_WORKER_REPLICAS + 1):
        with pytest.raises(StackError):
            devstack_stack.scale_workers(cfg, n)
