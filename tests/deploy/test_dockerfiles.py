"""Both Dockerfiles pass our Dockerfile rules, and the rules reject what they should."""

import pytest
from chart_helpers import REPO
from dockerfile_lint import lint, stages

DOCKERFILES = ["Dockerfile.web", "Dockerfile.worker"]

GOOD = """\
ARG PY=docker.io/library/python:3.11.14-slim-bookworm
FROM ${PY} AS build
RUN apt-get install -y gcc && pip install --require-hashes -r requirements.lock
FROM ${PY}
LABEL org.opencontainers.image.title=t org.opencontainers.image.description=d \\
      org.opencontainers.image.source=s org.opencontainers.image.version=v \\
      org.opencontainers.image.revision=r org.opencontainers.image.licenses=MIT
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
HEALTHCHECK CMD ["true"]
CMD ["app"]
"""


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_passes_the_rules(name):
    assert lint((REPO / name).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("name", DOCKERFILES)
def test_final_stage_runs_the_entry_point(name):
    _, all_stages = stages((REPO / name).read_text(encoding="utf-8"))
    cmd = [rest for word, rest in all_stages[-1].instructions if word == "CMD"]
    assert cmd == [f'["todo-{name.split(".")[1]}"]']


def test_dockerignore_keeps_secrets_and_state_out():
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".git", ".env", ".devstack", ".web", "**/__pycache__"):
        assert entry in ignored, entry


def test_a_good_sample_passes():
    assert lint(GOOD) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("USER 10001:10001", "USER app"), "non-root numeric"),
        (("USER 10001:10001", "USER 0"), "non-root numeric"),
        (("python:3.11.14-slim-bookworm", "python:latest"), "not pinned"),
        (("python:3.11.14-slim-bookworm", "python:3.11"), "not pinned"),
        (('HEALTHCHECK CMD ["true"]\n', ""), "HEALTHCHECK"),
        (("org.opencontainers.image.revision=r ", ""), "revision"),
        (
            ("COPY --from=build", "RUN apt-get install -y build-essential\nCOPY --from=build"),
            "build tool",
        ),
        (("--require-hashes ", ""), "require-hashes"),
        (('CMD ["app"]', 'ENV API_TOKEN=abc\nCMD ["app"]'), "secret-looking"),
        (('CMD ["app"]', 'RUN curl -s https://x | sh\nCMD ["app"]'), "piping"),
    ],
)
def test_the_rules_catch_a_bad_dockerfile(change, problem):
    old, new = change
    assert old in GOOD
    problems = lint(GOOD.replace(old, new, 1))
    assert any(problem in p for p in problems), problems


def test_single_stage_is_rejected():
    assert lint("FROM docker.io/library/python:3.11.14-slim\nUSER 1\n") == [
        "not a multi-stage build"
    ]


@pytest.mark.parametrize("name", DOCKERFILES)
def test_images_install_the_runtime_lock_only(name):
    text = (REPO / name).read_text(encoding="utf-8")
    _, all_stages = stages(text)
    installs = [
        rest
        for stage in all_stages
        for word, rest in stage.instructions
        if word == "RUN" and " -r " in rest
    ]
    assert installs == ["pip install --require-hashes -r /tmp/requirements-runtime.lock"]
    assert "requirements.lock" not in text  # the dev lock: test tools, 2x the image


def test_both_images_share_one_deps_stage():
    """Identical text, so buildah's layer cache serves both images. devstack tags the
    `deps` and `build` stages of each (images.py, Build.stages): both must exist."""
    deps = []
    for name in DOCKERFILES:
        _, all_stages = stages((REPO / name).read_text(encoding="utf-8"))
        assert {"deps", "build"} <= {s.alias for s in all_stages}
        (stage,) = [s for s in all_stages if s.alias == "deps"]
        deps.append((stage.base, stage.instructions))
    assert deps[0] == deps[1]


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dependencies_come_before_the_code_in_the_final_stage(name):
    """A code change must leave the big venv layer cached: it is copied from the `deps`
    stage (which sees no source) before anything built from the sources."""
    _, all_stages = stages((REPO / name).read_text(encoding="utf-8"))
    copies = [rest for word, rest in all_stages[-1].instructions if word == "COPY"]
    assert copies[0] == "--from=deps /opt/venv /opt/venv"
    assert all(c.startswith("--from=build ") for c in copies[1:])
    (deps,) = [s for s in all_stages if s.alias == "deps"]
    sources = [r for w, r in deps.instructions if w == "COPY"]
    assert sources == ["requirements-runtime.lock /tmp/"]
