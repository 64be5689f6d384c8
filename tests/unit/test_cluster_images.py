"""How devstack/cluster/images.py names and keys its images: an archive's name must change
with the inputs of its image, and containerd must be asked for the name it gives."""

import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from devstack.cluster import images


@pytest.mark.parametrize(
    ("ref", "slug"),
    [
        ("localhost/todo/debian:bookworm", "debian"),
        ("localhost/todo/dapr/sentry:1.18.3", "dapr-sentry"),
        ("localhost/todo/metallb/controller:0.15.3", "metallb-controller"),
        ("ghcr.io/todo-platform/todo-web:local-0123456789ab", "todo-web"),
        ("registry.k8s.io/pause:3.10.2", "pause"),
    ],
)
def test_archive_names(ref: str, slug: str) -> None:
    assert images._slug(ref) == slug


@pytest.mark.parametrize(
    ("ref", "name"),
    [
        ("localhost/todo/kafka:4.2.2", "localhost/todo/kafka:4.2.2"),
        ("registry.k8s.io/pause:3.10.2", "registry.k8s.io/pause:3.10.2"),
        ("redis:7", "docker.io/library/redis:7"),
        ("bitnami/redis:7", "docker.io/bitnami/redis:7"),
    ],
)
def test_containerd_names(ref: str, name: str) -> None:
    assert images._normalized(ref) == name


def _tree(root: Path) -> None:
    for rel, text in {
        "Dockerfile.web": "FROM x\n",
        "Dockerfile.worker": "FROM x\n",
        "requirements-runtime.lock": "a==1\n",
        "pyproject.toml": "[project]\n",
        "rxconfig.py": "",
        "alembic.ini": "",
        "reflex.lock": "",
        "todo_core/__init__.py": "",
        "todo_web/__init__.py": "",
        "worker/__init__.py": "",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def test_the_app_tag_follows_the_sources_but_not_byte_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path)
    monkeypatch.setattr(images, "REPO_ROOT", tmp_path)
    python, node = Path("python-aaaaaaaaaaaa.tar"), Path("node-bbbbbbbbbbbb.tar")
    tag = images._app_tag(python, node)
    assert tag.startswith("local-")

    cache = tmp_path / "todo_core" / "__pycache__"
    cache.mkdir()
    (cache / "x.cpython-311.pyc").write_bytes(b"\0")
    assert images._app_tag(python, node) == tag

    (tmp_path / "worker" / "__init__.py").write_text("x = 1\n")
    changed = images._app_tag(python, node)
    assert changed != tag
    assert images._app_tag(Path("python-cccccccccccc.tar"), node) != changed


def test_the_app_tag_of_built_archives() -> None:
    archives = {
        images.DEBIAN: Path("debian.tar"),
        f"{images.WEB}:local-0123456789ab": Path("todo-web.tar"),
    }
    assert images.app_image_tag(archives) == "local-0123456789ab"


def test_refs_of_a_docker_archive(tmp_path: Path) -> None:
    manifest = [{"Config": "c.json", "RepoTags": ["localhost/todo/redis:7"], "Layers": []}]
    data = json.dumps(manifest).encode()
    archive = tmp_path / "redis.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    assert images._archive_refs(archive) == ["localhost/todo/redis:7"]


def test_forget_older_asks_buildah_to_drop_old_app_tags_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Which references _forget_older hands to `buildah rmi` (buildah itself is not run):
    the app images and stage tags of this build stay, so the prune leaves their cached
    layers; those of older builds go."""
    new, old = "local-0123456789ab", "local-ba9876543210"
    listing = [
        f"{images.WEB}:{new}",
        f"{images.WORKER}:{new}",
        f"{images.STAGES}/todo-web-deps:{new}",
        f"{images.STAGES}/todo-worker-build:{new}",
        f"{images.WEB}:{old}",
        f"{images.WORKER}:{old}",
        f"{images.STAGES}/todo-web-build:{old}",
        images.PYTHON,
    ]
    asked: list[list[str]] = []

    def buildah_run(argv: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        args = argv[len(images.buildah()) :]
        asked.append(args)
        out = "\n".join(listing) if args[0] == "images" else ""
        return subprocess.CompletedProcess(argv, 0, stdout=out, stderr="")

    monkeypatch.setattr(images.subprocess, "run", buildah_run)
    archives = {
        images.PYTHON: Path("python.tar"),
        f"{images.WEB}:{new}": Path("web.tar"),
        f"{images.WORKER}:{new}": Path("worker.tar"),
    }
    images._forget_older(archives)
    removed = [args[1] for args in asked if args[0] == "rmi" and args[1] != "--prune"]
    assert removed == [
        f"{images.WEB}:{old}",
        f"{images.WORKER}:{old}",
        f"{images.STAGES}/todo-web-build:{old}",
    ]
    assert asked[-1] == ["rmi", "--prune"]
