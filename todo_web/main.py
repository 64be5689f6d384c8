"""`todo-web`: serve the UI and the REST API in Reflex's production mode, on one port.

The container and the local runtime both start the web app through this entry point.
"""

import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent  # where rxconfig.py lives


def main() -> None:
    port = os.environ.get("APP_PORT", "8000")
    host = os.environ.get("APP_HOST", "127.0.0.1")
    os.chdir(PROJECT_ROOT)
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


if __name__ == "__main__":
    main()
