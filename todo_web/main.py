"""`todo-web`: serve the UI and the REST API in Reflex's production mode, on one port.

The container and the local runtime both start the web app through this entry point.
"""

import os
import sys
from pathlib import Path


def project_root(cwd: Path | None = None) -> Path:
    """Where rxconfig.py lives: the working directory in the image (/app: the package itself
    is installed in site-packages there, far from rxconfig.py), the checkout otherwise."""
    for candidate in (cwd or Path.cwd(), Path(__file__).resolve().parent.parent):
        if (candidate / "rxconfig.py").is_file():
            return candidate
    raise SystemExit("todo-web: no rxconfig.py in the working directory or the checkout")


def main() -> None:
    port = os.environ.get("APP_PORT", "8000")
    host = os.environ.get("APP_HOST", "0.0.0.0")
    os.chdir(project_root())
    if os.environ.get("TODO_WEB_PREBUILT_FRONTEND") == "1":
        _serve_prebuilt(host, int(port))
        return
    argv = [
        sys.executable,
        "-m",
        "reflex",
        "run",
        "--env",
        "prod",
        "--single-port",
        "--backend-port",
        port,
        "--backend-host",
        host,
        "--loglevel",
        "info",
    ]
    # exec, so that signals from the launcher or Kubernetes reach Reflex directly.
    os.execv(sys.executable, argv)  # noqa: S606 (our own argv, no shell)


def _serve_prebuilt(host: str, port: int) -> None:
    """The container's way: the frontend was built into the image (`reflex export`), so
    serve it from the backend as prod mode does, without compiling or bundling again (the
    image has no bun, and its root filesystem is read-only)."""
    from reflex.utils import exec as reflex_exec
    from reflex_base.constants import Env, LogLevel
    from reflex_base.environment import environment

    environment.REFLEX_ENV_MODE.set(Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)
    reflex_exec.run_backend_prod(host, port, LogLevel.INFO, mount_frontend_compiled_app=True)


if __name__ == "__main__":
    main()
