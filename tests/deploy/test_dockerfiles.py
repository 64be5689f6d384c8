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
