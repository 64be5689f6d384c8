"""kubectl and helm against the local cluster, with the admin kubeconfig."""

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from devstack.cluster.layout import Layout
from devstack.errors import StackError


class Kube:
    def __init__(self, layout: Layout, kubectl: Path, helm: Path) -> None:
        self.layout = layout
        self.kubectl_bin = kubectl
        self.helm_bin = helm

    @property
    def env(self) -> dict[str, str]:
        return {
            "KUBECONFIG": str(self.layout.admin_kubeconfig),
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            # kubectl's discovery cache goes to $HOME/.kube: keep it with the cluster.
            "HOME": str(self.layout.root),
            # helm keeps its caches and config out of the user's home.
            "HELM_CACHE_HOME": str(self.layout.root / "helm" / "cache"),
            "HELM_CONFIG_HOME": str(self.layout.root / "helm" / "config"),
            "HELM_DATA_HOME": str(self.layout.root / "helm" / "data"),
        }

    def _run(self, argv: list[str], stdin: str | None, check: bool) -> str:
        proc = subprocess.run(
            argv, input=stdin, capture_output=True, text=True, env=self.env, check=False
        )
        if check and proc.returncode != 0:
            shown = " ".join(argv[1:4])
            raise StackError(f"`{Path(argv[0]).name} {shown} …` failed:\n{proc.stderr.strip()}")
        return proc.stdout

    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        return self._run([str(self.kubectl_bin), *args], stdin, check)

    def helm(self, *args: str, check: bool = True) -> str:
        return self._run([str(self.helm_bin), *args], None, check)

    def apply(self, manifest: str) -> None:
        self.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", stdin=manifest)

    def accepts(self, manifest: str) -> bool:
        """Apply `manifest`; True once it went in (for wait_until: apply raises until then)."""
        self.apply(manifest)
        return True

    def get(self, *args: str) -> Any:
        return json.loads(self.kubectl("get", *args, "-o", "json"))

    def wait_until(self, what: str, ready: Any, timeout: float = 180.0) -> None:
        """Poll `ready()` (which may raise StackError while the API is not there yet)."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                if ready():
                    return
            except StackError as exc:
                last = str(exc)
            time.sleep(1)
        raise StackError(f"timed out after {timeout:.0f}s waiting for {what}. {last}".strip())
