"""Install the deploy validators (helm, kubeconform, actionlint) and the schemas they need.

No release binaries can be downloaded here, so each tool is built with `go install` from its
Go module at a pinned version. kubeconform cannot reach its schema registry either, so the
Kubernetes JSON schemas are derived from the OpenAPI spec shipped in the `k8s.io/kubernetes`
module and the Dapr CRD schemas from the Dapr module's Helm chart. Everything lands under
`${TODO_CACHE_DIR:-~/.cache/todo-devstack}`; a second run finds it there and does nothing.

Small on purpose (standard library, PyYAML for the CRDs, and devstack's own progress lines and
error type): it must not depend on the rest of devstack, which changes for other reasons.

    python -m devstack.deploytools            # install, print where things are
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.errors import StackError
from devstack.progress import run

# The Kubernetes version whose API the chart is validated against: the oldest minor a
# managed cluster (AKS/GKE/OKE) still offers would also do; newer is stricter on removals.
K8S_VERSION = "v1.37.2"
# The runtime version installed in the cluster; its CRDs define what our Dapr resources may say.
DAPR_VERSION = "v1.18.3"


@dataclass(frozen=True)
class Tool:
    name: str
    module: str
    version: str
    package: str
    # What the upstream Makefile passes; a bare `go install` leaves these at placeholders.
    ldflags: str = ""


TOOLS: tuple[Tool, ...] = (
    Tool(
        "helm",
        "helm.sh/helm/v3",
        "v3.22.0",
        "helm.sh/helm/v3/cmd/helm",
        # Without these helm reports "v3.22" and assumes Kubernetes 1.20 for
        # .Capabilities and kubeVersion checks; 1.37 matches its k8s.io/client-go v0.37.
        ldflags=" ".join(
            [
                "-s -w",
                "-X helm.sh/helm/v3/internal/version.version=v3.22.0",
                "-X helm.sh/helm/v3/internal/version.gitTreeState=clean",
                "-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1",
                "-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=37",
                "-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1",
                "-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=37",
            ]
        ),
    ),
    Tool(
        "kubeconform",
        "github.com/yannh/kubeconform",
        "v0.8.0",
        "github.com/yannh/kubeconform/cmd/kubeconform",
    ),
    Tool(
        "actionlint",
        "github.com/rhysd/actionlint",
        "v1.7.12",
        "github.com/rhysd/actionlint/cmd/actionlint",
    ),
)


def say(message: str) -> None:
    print(f"[deploytools] {message}", flush=True)


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "todo-devstack"
    return Path(os.environ.get("TODO_CACHE_DIR", default)).expanduser()


def bin_dir() -> Path:
    return cache_dir() / "bin"


def schema_dir() -> Path:
    return cache_dir() / "kube-schemas"


def go_env() -> dict[str, str]:
    """Module and build caches under our cache dir, so CI can cache one folder."""
    root = cache_dir()
    env = dict(os.environ)
    env.update(
        GOMODCACHE=str(root / "gomod"),
        GOCACHE=str(root / "gocache"),
        # A pinned tool must not pull a different Go toolchain behind our back.
        GOTOOLCHAIN="local",
        CGO_ENABLED="0",
        GOFLAGS="-buildvcs=false",
    )
    return env


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise StackError("deploytools: `go` is not on PATH; install Go 1.26 first")
    return go


def tool_path(tool: Tool) -> Path:
    # The version is in the file name, so bumping a pin builds the new one beside the old.
    return bin_dir() / f"{tool.name}-{tool.version}"


def install_tool(tool: Tool) -> Path:
    target = tool_path(tool)
    link = bin_dir() / tool.name
    if not target.exists():
        bin_dir().mkdir(parents=True, exist_ok=True)
        label = f"building {tool.name} {tool.version} from {tool.module} (a few minutes cold)"
        started = time.monotonic()
        with tempfile.TemporaryDirectory(dir=bin_dir()) as tmp:
            env = go_env() | {"GOBIN": tmp}
            # -v: one line per compiled package, which the progress lines count.
            argv = [_go(), "install", "-trimpath", "-v"]
            if tool.ldflags:
                argv += ["-ldflags", tool.ldflags]
            run(label, [*argv, f"{tool.package}@{tool.version}"], env=env)
            # rename is atomic: a build killed halfway never looks installed.
            os.replace(Path(tmp) / tool.name, target)
        say(f"{tool.name}: {target} ({time.monotonic() - started:.0f}s)")
    if not link.is_symlink() or os.readlink(link) != target.name:
        link.unlink(missing_ok=True)
        link.symlink_to(target.name)
    return target


def missing() -> list[str]:
    """What `ensure_all` would still have to build or derive (empty once provisioned)."""
    gone = [tool.name for tool in TOOLS if not tool_path(tool).exists()]
    gone += [str(d) for d in (k8s_schema_dir(), dapr_schema_dir()) if not d.is_dir()]
    return gone


def installed() -> dict[str, Path]:
    """Tool name -> binary, of tools already installed (builds nothing; see `missing`)."""
    return {tool.name: tool_path(tool) for tool in TOOLS if tool_path(tool).exists()}


def module_dir(module: str, version: str) -> Path:
    """Where the Go module cache unpacked a module (downloads it on the first call)."""
    proc = subprocess.run(
        [_go(), "mod", "download", "-json", f"{module}@{version}"],
        env=go_env(),
        capture_output=True,
        text=True,
        check=False,
        # `go mod download` outside a module must not look at the caller's go.mod.
        cwd=tempfile.gettempdir(),
    )
    info = json.loads(proc.stdout or "{}")
    if proc.returncode != 0 or "Dir" not in info:
        raise StackError(f"go mod download {module}@{version} failed: {info or proc.stderr}")
    return Path(info["Dir"])


# --- OpenAPI -> JSON schema (what openapi2jsonschema does, for kubeconform) ---------------

# Types the API server accepts in two spellings, which the OpenAPI spec writes as strings.
_SPECIAL_DEFS: dict[str, dict[str, Any]] = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
        "oneOf": [{"type": "string"}, {"type": "integer"}]
    },
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {
        "oneOf": [{"type": "string"}, {"type": "number"}]
    },
}


def _strict(node: Any) -> Any:
    """Forbid unknown fields wherever a schema lists its fields (kubeconform -strict)."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict(value) for key, value in node.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def _inline(node: Any, defs: dict[str, Any], stack: tuple[str, ...] = ()) -> Any:
    """Replace every $ref by its definition: kubeconform wants standalone files."""
    if isinstance(node, list):
        return [_inline(item, defs, stack) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name in _SPECIAL_DEFS:
            return dict(_SPECIAL_DEFS[name])
        if name in stack:
            # Recursive types (JSONSchemaProps) end here, accepting anything below.
            return {}
        return _inline(defs[name], defs, (*stack, name))
    return {key: _inline(value, defs, stack) for key, value in node.items()}


def schema_file_name(kind: str, group: str, version: str) -> str:
    """The name kubeconform's `{{ .ResourceKind }}{{ .KindSuffix }}.json` expands to."""
    group_part = group.split(".")[0].lower()
    suffix = f"-{group_part}-{version}" if group else f"-{version}"
    return f"{kind.lower()}{suffix}.json"


def kubernetes_schemas(swagger: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    defs: dict[str, Any] = swagger["definitions"]
    for name, definition in sorted(defs.items()):
        gvks = definition.get("x-kubernetes-group-version-kind", [])
        # Meta types (DeleteOptions, WatchEvent) list every group; they are never manifests.
        if len(gvks) != 1:
            continue
        gvk = gvks[0]
        schema = _strict(_inline(definition, defs, (name,)))
        schema["$schema"] = "http://json-schema.org/draft-07/schema#"
        yield schema_file_name(gvk["kind"], gvk["group"], gvk["version"]), schema


def crd_schemas(crd: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    spec = crd["spec"]
    for version in spec["versions"]:
        schema = _strict(version["schema"]["openAPIV3Schema"])
        schema["$schema"] = "http://json-schema.org/draft-07/schema#"
        yield schema_file_name(spec["names"]["kind"], spec["group"], version["name"]), schema


def _load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    import yaml  # imported here so that installing the tools alone needs no PyYAML

    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def _write_all(target: Path, schemas: Iterator[tuple[str, dict[str, Any]]]) -> int:
    """Write into a fresh folder and swap it in, so a half-written set is never used."""
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    count = 0
    for file_name, schema in schemas:
        (tmp / file_name).write_text(json.dumps(schema, separators=(",", ":")), encoding="utf-8")
        count += 1
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return count


def k8s_schema_dir() -> Path:
    # The folder name kubeconform's `{{ .NormalizedKubernetesVersion }}-standalone-strict` gives.
    return schema_dir() / f"{K8S_VERSION}-standalone-strict"


def dapr_schema_dir() -> Path:
    return schema_dir() / f"dapr-{DAPR_VERSION}"


def install_schemas() -> None:
    if not k8s_schema_dir().is_dir():
        say(f"deriving Kubernetes {K8S_VERSION} JSON schemas from k8s.io/kubernetes ...")
        spec = module_dir("k8s.io/kubernetes", K8S_VERSION) / "api/openapi-spec/swagger.json"
        swagger = json.loads(spec.read_text(encoding="utf-8"))
        count = _write_all(k8s_schema_dir(), kubernetes_schemas(swagger))
        say(f"wrote {count} schemas to {k8s_schema_dir()}")
    if not dapr_schema_dir().is_dir():
        say(f"deriving Dapr {DAPR_VERSION} CRD schemas from github.com/dapr/dapr ...")
        crds = module_dir("github.com/dapr/dapr", DAPR_VERSION) / "charts/dapr/crds"

        def all_crds() -> Iterator[tuple[str, dict[str, Any]]]:
            for path in sorted(crds.glob("*.yaml")):
                for doc in _load_yaml_documents(path):
                    if doc.get("kind") == "CustomResourceDefinition":
                        yield from crd_schemas(doc)

        count = _write_all(dapr_schema_dir(), all_crds())
        say(f"wrote {count} schemas to {dapr_schema_dir()}")


def kubeconform_schema_locations() -> list[str]:
    """`-schema-location` values: Kubernetes first, then the Dapr CRDs."""
    return [
        f"{schema_dir()}/{{{{ .NormalizedKubernetesVersion }}}}-standalone{{{{ .StrictSuffix }}}}"
        "/{{ .ResourceKind }}{{ .KindSuffix }}.json",
        f"{dapr_schema_dir()}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
    ]


def ensure_all() -> dict[str, Path]:
    """Install every tool and schema set; returns tool name -> binary path."""
    paths = {tool.name: install_tool(tool) for tool in TOOLS}
    install_schemas()
    return paths


def main() -> int:
    started = time.monotonic()
    try:
        paths = ensure_all()
    except StackError as exc:
        raise SystemExit(f"[deploytools] error: {exc}") from None
    for name, path in paths.items():
        say(f"{name}: {path}")
    say(f"schemas: {schema_dir()}")
    say(f"ready in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
