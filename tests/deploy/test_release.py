"""The release entry point (devstack/release.py): the workflow and `make release-local` go
through it with command lines it accepts, it needs nothing but the standard library (the
runner installs nothing of ours), and it reads a stuck pod's cause from the pod's status."""

import ast
import inspect
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml
from chart_helpers import REPO

from devstack import release
from devstack.cluster import app, registry
from devstack.cluster.kubectl import Kube
from devstack.cluster.layout import Layout


def _workflow_release_command() -> list[str]:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "deploy.yml").read_text())
    runs = [step.get("run", "") for step in workflow["jobs"]["deploy"]["steps"]]
    script = next(run for run in runs if "devstack.release" in run).replace("\\\n", " ")
    line = next(line for line in script.splitlines() if "devstack.release" in line)
    argv = shlex.split(line)
    return argv[argv.index("devstack.release") + 1 :]


def test_the_workflow_deploys_through_the_release_entry_point() -> None:
    args = release.parse_args(_workflow_release_command())
    assert args.command == "deploy"
    assert [p.name for p in args.values] == ["values-cloud.yaml"]
    assert args.tag == "sha-$SHA" and args.registry == "$REGISTRY"
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "deploy.yml").read_text())
    runs = [s.get("run", "") for job in workflow["jobs"].values() for s in job["steps"]]
    # No second way to deploy beside it.
    assert not [run for run in runs if "helm upgrade" in run or "helm install" in run]


def test_the_local_release_goes_through_the_same_entry_point(tmp_path: Path) -> None:
    kube = Kube(Layout(tmp_path), tmp_path / "kubectl", tmp_path / "helm")
    argv = app.local_release_argv(kube, tmp_path / "images.yaml", "local-abc")
    args = release.parse_args(argv)
    assert args.registry == registry.ADDRESS and args.tag == "local-abc"
    assert [p.name for p in args.values] == ["values-local.yaml", "images.yaml"]
    # install() runs that command line as a module, as the workflow does.
    assert '"-m", "devstack.release"' in inspect.getsource(app.run_release)
    assert "run_release" in inspect.getsource(app.install)


def test_the_release_module_needs_only_the_standard_library() -> None:
    tree = ast.parse(Path(release.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= sys.stdlib_module_names, imported - sys.stdlib_module_names


def test_helm_runs_atomic_and_waits_with_the_registry_and_tag() -> None:
    target = release.Target(registry="r.example:5000", tag="v1", values=[Path("a.yaml")])
    argv = release.helm_upgrade_argv(target)
    assert argv[1:3] == ["upgrade", "--install"]
    for flag in ("--atomic", "--wait", "--create-namespace"):
        assert flag in argv
    assert argv[argv.index("--timeout") + 1] == "600s"
    assert "image.registry=r.example:5000" in argv and "image.tag=v1" in argv


def _pod(name: str, waiting: dict | None, deleting: bool = False) -> dict:
    state = {"waiting": waiting} if waiting else {"running": {"startedAt": "2026-12-05T00:00:00Z"}}
    metadata: dict = {"name": name}
    if deleting:
        metadata["deletionTimestamp"] = "2026-12-05T00:00:00Z"
    return {
        "metadata": metadata,
        "status": {
            "containerStatuses": [
                {"name": "web", "ready": False, "state": state},
                {"name": "daprd", "ready": True, "state": {"running": {}}},
            ]
        },
    }


def test_a_pull_error_is_named_with_its_message() -> None:
    message = 'Back-off pulling image "10.98.0.1:5443/todo-platform/todo-web:nope"'
    pods = [
        _pod("todo-web-1", {"reason": "ImagePullBackOff", "message": message}),
        _pod("todo-web-0", None),
        _pod("todo-web-old", {"reason": "ErrImagePull", "message": "x"}, deleting=True),
        _pod("todo-web-2", {"reason": "ContainerCreating"}),
    ]
    assert release.stuck_containers(pods) == {"todo-web-1/web": f"ImagePullBackOff: {message}"}


def _run(name: str, status: str = "completed", conclusion: str | None = "success") -> dict:
    return {"name": name, "status": status, "conclusion": conclusion}


def test_the_gate_refuses_a_commit_without_every_required_check_passed() -> None:
    required = ["lint-test", "cluster"]
    assert release.gate_problems([_run("cluster"), _run("lint-test")], required) == []
    assert release.gate_problems([_run("lint-test")], required) == [
        "cluster: no check run on this commit"
    ]
    assert release.gate_problems(
        [_run("cluster", "in_progress", None), _run("lint-test", conclusion="failure")], required
    ) == ["lint-test: failure", "cluster: in_progress"]
    # The API lists the newest run first: a successful re-run counts, an older failure not.
    runs = [_run("cluster"), _run("cluster", conclusion="failure"), _run("lint-test")]
    assert release.gate_problems(runs, required) == []


def test_the_deploy_is_gated_on_the_jobs_pr_yml_runs_in_the_merge_queue() -> None:
    workflows = REPO / ".github" / "workflows"
    pr = yaml.safe_load((workflows / "pr.yml").read_text())
    assert "merge_group" in pr[True]  # PyYAML reads the key `on` as True
    deploy = yaml.safe_load((workflows / "deploy.yml").read_text())
    step = next(
        s for s in deploy["jobs"]["gate"]["steps"] if "devstack.release" in s.get("run", "")
    )
    line = step["run"].replace("\\\n", " ")
    argv = shlex.split(line)
    args = release.parse_args(argv[argv.index("devstack.release") + 1 :])
    assert args.command == "gate" and sorted(args.require) == sorted(pr["jobs"])
    assert deploy["jobs"]["gate"]["permissions"] == {"contents": "read", "checks": "read"}
    assert "gate" in deploy["jobs"]["build-push"]["needs"]


def test_only_what_this_attempt_created_counts_as_its_cause() -> None:
    """A failed migrations Job of an earlier attempt stays until helm replaces the hook;
    the first cluster run after the failing-migration test stopped on it."""
    since = datetime(2026, 12, 5, 18, 0, 0, tzinfo=UTC)
    old = {"metadata": {"creationTimestamp": "2026-12-05T17:59:59Z"}}
    new = {"metadata": {"creationTimestamp": "2026-12-05T18:00:00Z"}}
    assert not release.created_since(old, since)
    assert release.created_since(new, since)
