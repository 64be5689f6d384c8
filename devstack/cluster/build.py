"""Build every binary the local Kubernetes cluster runs, from pinned Go modules, into the cache.

Each part has a go.mod of our own under devstack/cluster/gomod/<part>/ (the upstream go.mod
files carry replace or exclude directives, or staging paths, so `go install mod@version`
refuses them). A part lands in `cache_dir()/cluster/<part>-<version>-<key>/`, the key being a
hash of its module files and build settings: it is rebuilt only when they change. It is
built into a `.partial` folder, checked, then renamed, so a killed build never looks
installed; a lock file lets two callers share one build.

    python -m devstack provision --part cluster
"""

import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from devstack import versions
from devstack.config import REPO_ROOT, cache_dir
from devstack.deploytools import module_dir
from devstack.errors import StackError
from devstack.progress import run, say

GOMOD = Path(__file__).resolve().parent / "gomod"
PROXY_HINT = "Is the Go module proxy reachable? (GOPROXY)"
KUBE_COMMANDS = (
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
    "kubectl",
)
DAPR_COMMANDS = ("daprd", "injector", "operator", "placement", "scheduler", "sentry")
# part -> (module its go.mod requires, the version in devstack/versions.py it must require)
PINS: dict[str, tuple[str, str]] = {
    "containerd": ("github.com/containerd/containerd/v2", versions.CONTAINERD),
    "kubernetes": ("k8s.io/kubernetes", versions.KUBERNETES),
    "etcd": ("go.etcd.io/etcd/server/v3", versions.ETCD),
    "coredns": ("github.com/coredns/coredns", versions.COREDNS),
    "metallb": ("go.universe.tf/metallb", versions.METALLB),
    "dapr": ("github.com/dapr/dapr", versions.DAPR_RUNTIME),
    "registry": ("github.com/distribution/distribution/v3", versions.REGISTRY),
    "traefik": ("github.com/traefik/traefik/v3", versions.TRAEFIK),
    "cert-manager": ("github.com/cert-manager/cert-manager", versions.CERT_MANAGER),
    "kube-router": ("github.com/cloudnativelabs/kube-router/v2", versions.KUBE_ROUTER),
}


def input_key(files: Iterable[Path], *settings: str) -> str:
    """A short hash of the files' names and contents and of the build settings."""
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    for s in settings:
        h.update(s.encode() + b"\0")
    return h.hexdigest()[:12]


def module_files(part: str) -> list[Path]:
    return sorted(p for p in (GOMOD / part).iterdir() if p.is_file())


def cluster_cache() -> Path:
    return cache_dir() / "cluster"


def go_env() -> dict[str, str]:
    root = cache_dir()
    return {
        **os.environ,
        "GOMODCACHE": str(root / "gomod"),
        "GOCACHE": os.environ.get("GOCACHE", str(root / "gocache")),
        "GOFLAGS": "-modcacherw",
        # The pinned toolchain builds it, never one the go command would fetch.
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "0",
    }


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise StackError("`go` is not on PATH: install Go 1.26.8 or newer")
    return go


@contextmanager
def _locked(name: str) -> Iterator[None]:
    """One build of a part at a time, across processes (a second caller waits, then finds it)."""
    cluster_cache().mkdir(parents=True, exist_ok=True)
    with open(cluster_cache() / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _cached(
    name: str,
    target: Path,
    expected: Iterable[str],
    build: Callable[[Path], None],
) -> Path:
    """`target` if it holds every expected file, else build it via `<target>.partial`."""
    expected = list(expected)
    if _complete(target, expected):
        return target
    with _locked(name):
        if _complete(target, expected):
            return target
        partial = target.parent / f"{target.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        build(partial)
        missing = [e for e in expected if not (partial / e).exists()]
        if missing:
            raise StackError(f"building {name}: {', '.join(missing)} missing in {partial}")
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
    return target


def _complete(target: Path, expected: list[str]) -> bool:
    return all((target / e).exists() for e in expected)


def _go_build(
    label: str, part: str, out: Path, packages: list[str], *flags: str, cwd: Path | None = None
) -> None:
    run(
        label,
        [_go(), "build", "-trimpath", "-v", *flags, "-o", str(out), *packages],
        env=go_env(),
        cwd=cwd or GOMOD / part,
        hint=PROXY_HINT,
    )


def _check_version(binary: Path, args: list[str], expected: str) -> None:
    """A binary that does not report its pinned version is a build fault, found here."""
    proc = subprocess.run(
        [str(binary), *args], capture_output=True, text=True, check=False, timeout=60
    )
    output = proc.stdout + proc.stderr
    if expected not in output:
        raise StackError(f"{binary.name} {' '.join(args)} does not report {expected}: {output}")


def _part_dir(part: str, version: str, *settings: str) -> Path:
    key = input_key(module_files(part), version, *settings)
    return cluster_cache() / f"{part}-{version}-{key}"


# --- containerd ---------------------------------------------------------------------------

CONTAINERD_TAGS = "no_btrfs urfave_cli_no_docs"
# As containerd's Makefile: the shim is built without the gRPC TTRPC-only paths it never uses.
CONTAINERD_SHIM_TAGS = f"{CONTAINERD_TAGS} no_grpc"


def _containerd_ldflags() -> str:
    pkg = "github.com/containerd/containerd/v2"
    return (
        f"-s -w -X {pkg}/version.Version=v{versions.CONTAINERD}"
        f" -X {pkg}/version.Package={pkg} -X {pkg}/version.Revision=v{versions.CONTAINERD}"
    )


def ensure_containerd() -> Path:
    """containerd, its runc shim and ctr (no btrfs snapshotter: no cgo, no btrfs headers)."""
    ldflags = _containerd_ldflags()
    target = _part_dir("containerd", versions.CONTAINERD, CONTAINERD_TAGS, ldflags)

    def build(out: Path) -> None:
        pkg = "github.com/containerd/containerd/v2/cmd"
        label = f"building containerd {versions.CONTAINERD} (first time: about 2-4 minutes)"
        tags = ["-tags", CONTAINERD_TAGS, "-ldflags", ldflags]
        _go_build(label, "containerd", out, [f"{pkg}/containerd", f"{pkg}/ctr"], *tags)
        shim_tags = ["-tags", CONTAINERD_SHIM_TAGS, "-ldflags", ldflags]
        shim = f"{pkg}/containerd-shim-runc-v2"
        _go_build("building containerd-shim-runc-v2", "containerd", out, [shim], *shim_tags)
        _check_version(out / "containerd", ["--version"], f"v{versions.CONTAINERD}")

    return _cached("containerd", target, ["containerd", "containerd-shim-runc-v2", "ctr"], build)


# --- Kubernetes ---------------------------------------------------------------------------


def _kube_ldflags() -> str:
    major, minor, _ = versions.KUBERNETES.split(".")
    flags = ["-s", "-w"]
    # What hack/lib/version.sh sets; kubectl's client version reads client-go's copy.
    for pkg in ("k8s.io/client-go/pkg/version", "k8s.io/component-base/version"):
        flags += [
            f"-X {pkg}.gitVersion=v{versions.KUBERNETES}",
            f"-X {pkg}.gitMajor={major}",
            f"-X {pkg}.gitMinor={minor}",
            f"-X {pkg}.gitTreeState=clean",
        ]
    return " ".join(flags)


def ensure_kubernetes() -> Path:
    """kube-apiserver, -controller-manager, -scheduler, kubelet, kube-proxy and kubectl: one
    multi-call binary `kube` (gomod/kubernetes/main.go) and a symlink for each name."""
    ldflags = _kube_ldflags()
    target = _part_dir("kubernetes", versions.KUBERNETES, ldflags)

    def build(out: Path) -> None:
        label = (
            f"building Kubernetes {versions.KUBERNETES} (first time: about 15 minutes on 2 cores)"
        )
        _go_build(label, "kubernetes", out / "kube", ["."], "-ldflags", ldflags)
        for name in KUBE_COMMANDS:
            (out / name).symlink_to("kube")
        for name in KUBE_COMMANDS:
            args = ["version", "--client"] if name == "kubectl" else ["--version"]
            _check_version(out / name, args, f"v{versions.KUBERNETES}")

    return _cached("kubernetes", target, ["kube", *KUBE_COMMANDS], build)


# --- etcd ---------------------------------------------------------------------------------


def ensure_etcd() -> Path:
    """etcd (its main is the root package of go.etcd.io/etcd/server/v3) and etcdctl."""
    target = _part_dir("etcd", versions.ETCD, "-s -w")

    def build(out: Path) -> None:
        label = f"building etcd {versions.ETCD} (first time: about 1-2 minutes)"
        flags = ["-ldflags", "-s -w"]
        _go_build(label, "etcd", out / "etcd", ["go.etcd.io/etcd/server/v3"], *flags)
        etcdctl = ["go.etcd.io/etcd/etcdctl/v3"]
        _go_build("building etcdctl", "etcd", out / "etcdctl", etcdctl, *flags)
        _check_version(out / "etcd", ["--version"], versions.ETCD)

    return _cached("etcd", target, ["etcd", "etcdctl"], build)


# --- CoreDNS ------------------------------------------------------------------------------


def ensure_coredns() -> Path:
    """CoreDNS with its default plugin set (core/plugin/zplugin.go of the release)."""
    target = _part_dir("coredns", versions.COREDNS, "-s -w")

    def build(out: Path) -> None:
        label = f"building CoreDNS {versions.COREDNS} (first time: about 4 minutes)"
        _go_build(
            label, "coredns", out / "coredns", ["github.com/coredns/coredns"], "-ldflags", "-s -w"
        )
        _check_version(out / "coredns", ["-version"], f"CoreDNS-{versions.COREDNS}")

    return _cached("coredns", target, ["coredns"], build)


# --- the registry -------------------------------------------------------------------------

REGISTRY_MODULE = "github.com/distribution/distribution/v3"


def ensure_registry() -> Path:
    """The distribution registry and our bcrypt htpasswd helper (its one auth file format)."""
    target = _part_dir("registry", versions.REGISTRY, "-s -w")

    def build(out: Path) -> None:
        label = f"building the registry {versions.REGISTRY} (first time: about 1 minute)"
        flags = ["-ldflags", "-s -w"]
        _go_build(label, "registry", out / "registry", [f"{REGISTRY_MODULE}/cmd/registry"], *flags)
        _go_build("building htpasswd", "registry", out / "htpasswd", ["./htpasswd"], *flags)
        _check_version(out / "registry", ["--version"], f"v{versions.REGISTRY}")

    return _cached("registry", target, ["registry", "htpasswd"], build)


# --- MetalLB ------------------------------------------------------------------------------

METALLB_MODULE = "go.universe.tf/metallb"


def ensure_metallb() -> Path:
    """MetalLB's controller and speaker, and the manifests of the release beside them:
    `metallb-native.yaml` (namespace, CRDs, RBAC, webhook, controller Deployment, speaker
    DaemonSet, as the project's own install instructions apply it) and `crd/` (the CRDs alone)."""
    target = _part_dir("metallb", versions.METALLB, "-s -w")

    def build(out: Path) -> None:
        label = f"building MetalLB {versions.METALLB} (first time: about 3 minutes)"
        packages = [f"{METALLB_MODULE}/controller", f"{METALLB_MODULE}/speaker"]
        _go_build(label, "metallb", out, packages, "-ldflags", "-s -w")
        src = module_dir(METALLB_MODULE, f"v{versions.METALLB}")
        shutil.copy(src / "config/manifests/metallb-native.yaml", out / "metallb-native.yaml")
        shutil.copytree(src / "config/crd/bases", out / "crd")
        for f in [out / "metallb-native.yaml", *(out / "crd").iterdir()]:
            f.chmod(0o644)  # the module cache's files are read-only

    return _cached(
        "metallb", target, ["controller", "speaker", "metallb-native.yaml", "crd"], build
    )


# --- Traefik -----------------------------------------------------------------------------

TRAEFIK_MODULE = "github.com/traefik/traefik/v3"


def _traefik_ldflags() -> str:
    # As Traefik's Makefile: without them `traefik version` reports "dev".
    return f"-s -w -X {TRAEFIK_MODULE}/pkg/version.Version=v{versions.TRAEFIK}"


def ensure_traefik() -> Path:
    """Traefik, the ingress controller (cmd/traefik: one binary, the web UI left out)."""
    ldflags = _traefik_ldflags()
    target = _part_dir("traefik", versions.TRAEFIK, ldflags)

    def build(out: Path) -> None:
        label = f"building Traefik {versions.TRAEFIK} (first time: about 8-13 minutes on 2 cores)"
        cmd = [f"{TRAEFIK_MODULE}/cmd/traefik"]
        _go_build(label, "traefik", out / "traefik", cmd, "-ldflags", ldflags)
        _check_version(out / "traefik", ["version"], f"v{versions.TRAEFIK}")

    return _cached("traefik", target, ["traefik"], build)


# --- cert-manager ------------------------------------------------------------------------

CERT_MANAGER_MODULE = "github.com/cert-manager/cert-manager"
# acmesolver answers ACME HTTP-01 challenges in the pods the controller starts (the cloud's issuer).
CERT_MANAGER_COMMANDS = ("controller", "webhook", "cainjector", "acmesolver")


def _cert_manager_ldflags() -> str:
    # As cert-manager's make/00_mod.mk: the version each binary logs when it starts.
    return f"-s -w -X {CERT_MANAGER_MODULE}/pkg/util.AppVersion=v{versions.CERT_MANAGER}"


def _tree_key(part: str) -> str:
    """A hash of every file under gomod/<part> (module_files sees only the top level, and
    these commands' sources live in subfolders)."""
    root = GOMOD / part
    return input_key(sorted(p for p in root.rglob("*") if p.is_file()), part)


def _check_module(binary: Path, module: str, version: str) -> None:
    """cert-manager's binaries have no --version flag: read the module versions Go embeds."""
    proc = subprocess.run(
        [_go(), "version", "-m", str(binary)], capture_output=True, text=True, check=False
    )
    if f"{module}\tv{version}" not in proc.stdout:
        raise StackError(f"{binary.name} is not built from {module} v{version}: {proc.stdout}")


def ensure_cert_manager() -> Path:
    """cert-manager's controller, webhook, cainjector and acmesolver (gomod/cert-manager/go.mod
    says where their sources come from), and beside them `chart/`: the project's own Helm
    chart from the pinned module (deploy/charts/cert-manager, CRDs included), with the
    Chart.yaml its release tooling writes from Chart.template.yaml."""
    ldflags = _cert_manager_ldflags()
    target = _part_dir("cert-manager", versions.CERT_MANAGER, ldflags, _tree_key("cert-manager"))

    def build(out: Path) -> None:
        label = f"building cert-manager {versions.CERT_MANAGER} (first time: about 5 minutes)"
        packages = [f"./{c}" for c in CERT_MANAGER_COMMANDS]
        _go_build(label, "cert-manager", out, packages, "-ldflags", ldflags)
        for name in CERT_MANAGER_COMMANDS:
            _check_module(out / name, CERT_MANAGER_MODULE, versions.CERT_MANAGER)
        src = module_dir(CERT_MANAGER_MODULE, f"v{versions.CERT_MANAGER}") / "deploy/charts"
        shutil.copy(GOMOD / "cert-manager" / "LICENSE", out / "LICENSE")  # into the images
        shutil.copytree(src / "cert-manager", out / "chart")
        for path in (out / "chart").rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)  # the module cache is read-only
        chart = (out / "chart" / "Chart.template.yaml").read_text()
        v = f"v{versions.CERT_MANAGER}"
        chart = chart.replace("version: v0.0.0", f"version: {v}")
        chart = chart.replace("appVersion: v0.0.0", f"appVersion: {v}")
        (out / "chart" / "Chart.yaml").write_text(chart.replace("{{IS_PRERELEASE}}", "false"))

    return _cached(
        "cert-manager", target, [*CERT_MANAGER_COMMANDS, "LICENSE", "chart/Chart.yaml"], build
    )


# --- kube-router -------------------------------------------------------------------------

KUBE_ROUTER_MODULE = "github.com/cloudnativelabs/kube-router/v2"


def _kube_router_ldflags() -> str:
    # As kube-router's Makefile (which also stamps a build date: left out, so the same
    # inputs give the same binary); without it `kube-router --version` reports nothing.
    return f"-s -w -X {KUBE_ROUTER_MODULE}/pkg/version.Version=v{versions.KUBE_ROUTER}"


def ensure_kube_router() -> Path:
    """kube-router, for its network-policy controller alone: the bridge CNI plugin enforces
    no NetworkPolicy, and this one programs iptables and ipsets beside it (node.py)."""
    ldflags = _kube_router_ldflags()
    target = _part_dir("kube-router", versions.KUBE_ROUTER, ldflags)

    def build(out: Path) -> None:
        v = versions.KUBE_ROUTER
        label = f"building kube-router {v} (first time: about 10 minutes on 2 busy cores)"
        cmd = [f"{KUBE_ROUTER_MODULE}/cmd/kube-router"]
        _go_build(label, "kube-router", out / "kube-router", cmd, "-ldflags", ldflags)
        _check_version(out / "kube-router", ["--version"], f"v{versions.KUBE_ROUTER}")

    return _cached("kube-router", target, ["kube-router"], build)


# --- Dapr control plane -------------------------------------------------------------------

DAPR_MODULE = "github.com/dapr/dapr"


def _dapr_ldflags() -> str:
    info = f"{DAPR_MODULE}/pkg/buildinfo"
    v = versions.DAPR_RUNTIME
    # As Dapr's Makefile: without them every binary reports "edge".
    return f"-s -w -X {info}.version={v} -X {info}.gitversion=v{v}"


# The cluster's daprd: devstack/daprd's main (Dapr's cmd/daprd) with the stable components
# and the OpenAI-compatible conversation component, which Dapr's official images carry
# (allcomponents) and a user's model component needs; without the devstack's backoff tag.
CLUSTER_DAPRD_TAGS = "stablecomponents,conversation_openai"
DAPRD_MODULE = REPO_ROOT / "devstack" / "daprd"


def ensure_dapr_control_plane() -> Path:
    """sentry, operator, injector, placement, scheduler and daprd at the Dapr release of
    devstack/daprd (gomod/dapr repeats that go.mod, with the control plane's commands)."""
    ldflags = _dapr_ldflags()
    daprd_sources = input_key(sorted(p for p in DAPRD_MODULE.rglob("*") if p.is_file()), "")
    target = _part_dir("dapr", versions.DAPR_RUNTIME, CLUSTER_DAPRD_TAGS, ldflags, daprd_sources)

    def build(out: Path) -> None:
        cmd = f"{DAPR_MODULE}/cmd"
        flags = ["-ldflags", ldflags]
        label = f"building daprd {versions.DAPR_RUNTIME} (first time: about 5-15 minutes)"
        tags = ["-tags", CLUSTER_DAPRD_TAGS]
        _go_build(label, "dapr", out / "daprd", ["."], *tags, *flags, cwd=DAPRD_MODULE)
        others = [f"{cmd}/{c}" for c in DAPR_COMMANDS if c != "daprd"]
        label = f"building the Dapr control plane {versions.DAPR_RUNTIME}"
        _go_build(label, "dapr", out, others, *flags)
        _check_version(out / "daprd", ["--version"], versions.DAPR_RUNTIME)

    return _cached("dapr", target, DAPR_COMMANDS, build)


def ensure_dapr_chart() -> Path:
    """Dapr's own Helm chart (charts/dapr of the pinned module), for `helm install`."""
    target = cluster_cache() / f"dapr-chart-{versions.DAPR_RUNTIME}"

    def build(out: Path) -> None:
        src = module_dir(DAPR_MODULE, f"v{versions.DAPR_RUNTIME}") / "charts" / "dapr"
        shutil.copytree(src, out, dirs_exist_ok=True)
        for path in out.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)

    return _cached("dapr-chart", target, ["Chart.yaml", "values.yaml"], build)


# --- pause --------------------------------------------------------------------------------


def ensure_pause() -> Path:
    """The pod sandbox's `pause`, compiled statically from Kubernetes' build/pause source with
    its Makefile's flags (that Makefile builds it in a cross-compiler image)."""
    cc = _ensure_cc()
    source = module_dir("k8s.io/kubernetes", f"v{versions.KUBERNETES}") / "build/pause/linux"
    cflags = ["-Os", "-Wall", "-Werror", "-static", f"-DVERSION=v{versions.PAUSE}"]
    target = cluster_cache() / f"pause-{versions.PAUSE}-{input_key([source / 'pause.c'], *cflags)}"

    def build(out: Path) -> None:
        hint = "Is a C compiler installed? (gcc, libc6-dev)"
        run(
            "compiling pause",
            [cc, *cflags, "-o", str(out / "pause"), str(source / "pause.c")],
            hint=hint,
        )
        run("stripping pause", ["strip", str(out / "pause")], hint=hint)
        _check_version(out / "pause", ["-v"], f"v{versions.PAUSE}")

    return _cached("pause", target, ["pause"], build)


def _ensure_cc() -> str:
    cc = shutil.which("cc")
    if cc is not None and Path("/usr/include/stdio.h").exists():
        return cc
    if os.geteuid() != 0:
        raise StackError("no C compiler: run `sudo apt-get install -y gcc libc6-dev`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    hint = "Are Debian's package mirrors reachable?"
    run("apt-get update", ["apt-get", "update", "-q"], env=env, hint=hint)
    run(
        "installing gcc", ["apt-get", "install", "-y", "-q", "gcc", "libc6-dev"], env=env, hint=hint
    )
    return shutil.which("cc") or "cc"


def ensure_all() -> dict[str, Path]:
    """Every cluster part, the cheap ones first: about 37 minutes from an empty Go build cache
    on a busy 2-core machine (Kubernetes 14 of them, daprd and the control plane 13), and
    Traefik and cert-manager for HTTPS, measured alone from empty caches: 13 and 5 more
    (less when they share the cache with the others: client-go and friends); kube-router
    10 more from an empty cache beside another build (its command links every controller:
    the router's GoBGP and the AWS SDK are compiled though only the firewall runs)."""
    parts = {
        "pause": ensure_pause(),
        "containerd": ensure_containerd(),
        "etcd": ensure_etcd(),
        "coredns": ensure_coredns(),
        "metallb": ensure_metallb(),
        "kube-router": ensure_kube_router(),
        "registry": ensure_registry(),
        "traefik": ensure_traefik(),
        "cert-manager": ensure_cert_manager(),
        "dapr": ensure_dapr_control_plane(),
        "dapr-chart": ensure_dapr_chart(),
        "kubernetes": ensure_kubernetes(),
    }
    say("all cluster parts are built")
    return parts
