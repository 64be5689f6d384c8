"""Create the Python virtual environment from requirements.lock (stdlib only: it runs
before the venv exists). The venv lives in the cache, keyed by the lock file's hash, and
the project itself is installed editable so its console scripts (todo-web, todo-worker)
point at this clone."""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
UV_VERSION = "0.13.9"  # keep in step with devstack/versions.py


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "todo-devstack"
    return Path(os.environ.get("TODO_CACHE_DIR", default)).expanduser()


def venv_dir() -> Path:
    return cache_dir() / "venv"


def ensure() -> Path:
    lock = REPO_ROOT / "requirements.lock"
    wanted = hashlib.sha256(lock.read_bytes() + str(REPO_ROOT).encode()).hexdigest()
    target = venv_dir()
    stamp = target / ".todo-lock-hash"
    python = target / "bin" / "python"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"[devstack] Python environment: {target} (from requirements.lock) ...", flush=True)
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(target)
    _run([str(python), "-m", "pip", "install", "-q", f"uv=={UV_VERSION}"])
    uv = str(target / "bin" / "uv")
    _run([uv, "pip", "sync", "-q", "--python", str(python), "--require-hashes", str(lock)])
    # compat mode puts the clone itself on sys.path, so packages added later import too.
    _run(
        [
            uv,
            "pip",
            "install",
            "-q",
            "--python",
            str(python),
            "--no-deps",
            "--config-settings",
            "editable_mode=compat",
            "-e",
            str(REPO_ROOT),
        ]
    )
    stamp.write_text(wanted)
    print("[devstack] Python environment ready", flush=True)
    return python


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit(
            f"[devstack] error: `{' '.join(argv[:3])} ...` failed; is PyPI reachable? "
            "(see the output above)"
        )


if __name__ == "__main__":
    print(ensure())
