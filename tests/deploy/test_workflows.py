"""The GitHub workflows pass actionlint and follow the supply-chain and safety rules."""

import re
from pathlib import Path

import pytest
import yaml
from chart_helpers import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def load(path: Path) -> dict:
    # PyYAML reads the `on:` key as True; the tests only look at jobs and permissions.
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps(workflow: dict):
    for job_name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_name, step


def test_both_workflows_exist():
    assert {p.name for p in WORKFLOWS} >= {"deploy.yml", "pr.yml"}


def test_actionlint_passes(actionlint):
    proc = actionlint("-no-color", *map(str, WORKFLOWS))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_broken_workflow(actionlint, tmp_path):
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n"
        "    steps:\n      - run: echo ${{ github.event.head_commit.message }}\n"
        "      - uses: actions/checkout@v4\n        with: {nope: 1}\n"
    )
    proc = actionlint("-no-color", str(bad))
    assert proc.returncode != 0, proc.stdout


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_by_commit_sha_with_the_tag_in_a_comment(path):
    text = path.read_text(encoding="utf-8")
    for line in text.splitlines():
        match = re.match(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", line)
        if match:
            assert PINNED.match(match.group(1)), line
            assert re.search(r"#\s*v\d", match.group(2)), f"tag comment missing: {line}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_bounded_jobs(path):
    workflow = load(path)
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), f"{name} has no timeout-minutes"
        extra = job.get("permissions", {})
        assert set(extra.values()) <= {"read", "write"}
        assert {k for k, v in extra.items() if v == "write"} <= {"packages"}, name
    for job_name, step in steps(workflow):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False, job_name


def test_deploy_pipeline_shape():
    workflow = load(REPO / ".github" / "workflows" / "deploy.yml")
    jobs = workflow["jobs"]
    assert set(jobs) == {"lint", "test", "gate", "build-push", "deploy"}
    assert jobs["build-push"]["needs"] == ["lint", "test", "gate"]
    assert jobs["build-push"]["permissions"]["packages"] == "write"
    uses = {
        step.get("uses", "").split("@")[0] for _, step in steps({"jobs": {"b": jobs["build-push"]}})
    }
    assert {
        "docker/setup-buildx-action",
        "docker/login-action",
        "docker/metadata-action",
        "docker/build-push-action",
    } <= uses
    build = next(
        s
        for _, s in steps({"jobs": {"b": jobs["build-push"]}})
        if "build-push" in s.get("uses", "")
    )
    assert "type=gha" in build["with"]["cache-from"] and "type=gha" in build["with"]["cache-to"]
    meta = next(
        s for _, s in steps({"jobs": {"b": jobs["build-push"]}}) if "metadata" in s.get("uses", "")
    )
    assert "type=sha" in meta["with"]["tags"] and "latest" in meta["with"]["tags"]
    deploy = jobs["deploy"]
    assert deploy["environment"]["name"] == "production"
    assert deploy["concurrency"]["cancel-in-progress"] is False
    script = "\n".join(s.get("run", "") for _, s in steps({"jobs": {"d": deploy}}))
    # helm, the sidecar check and the smoke test are in devstack/release.py (test_release.py)
    assert "python3 -m devstack.release deploy" in script and '--tag "sha-$SHA"' in script
    assert "GITHUB_STEP_SUMMARY" in script
    lint = "\n".join(s.get("run", "") for _, s in steps({"jobs": {"l": jobs["lint"]}}))
    for values in ("values-local.yaml", "values-cloud.yaml"):
        assert f"lint --strict deploy/helm/todo -f deploy/helm/todo/{values}" in lint
    assert "actionlint" in lint and "ruff check" in lint


@pytest.mark.parametrize(("name", "job"), [("deploy.yml", "lint"), ("pr.yml", "lint-test")])
def test_ci_type_checks_as_make_lint_does(name, job):
    workflow = load(REPO / ".github" / "workflows" / name)
    script = "\n".join(s.get("run", "") for _, s in steps({"jobs": {job: workflow["jobs"][job]}}))
    assert "ruff check" in script and "mypy" in script


def test_pr_runs_the_same_cluster_test_as_make_test():
    """One definition of the cluster test: the workflow calls the Makefile's target, which
    runs tests/cluster as `make test` does."""
    workflow = load(REPO / ".github" / "workflows" / "pr.yml")
    job = workflow["jobs"]["cluster"]
    script = "\n".join(s.get("run", "") for _, s in steps({"jobs": {"c": job}}))
    assert "make test-cluster" in script
    assert "kind" not in script
    makefile = (REPO / "Makefile").read_text()
    target = makefile.split("\ntest-cluster:", 1)[1].split("\n\n", 1)[0]
    assert "tests/cluster" in target and "--cluster" in target
