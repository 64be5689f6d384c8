"""The two apps as parts of the stack: the same console entry points the containers run."""

import os
import shutil
import subprocess
from pathlib import Path

from devstack import observability, parts, provision
from devstack.config import REPO_ROOT, StackConfig, cache_dir, worker_name, worker_prefix
from devstack.errors import StackError
from devstack.parts import WEB_SIDECAR, Sidecar, _http_ok, _spawn, worker_sidecar


def app_env(cfg: StackConfig, sidecar: Sidecar) -> dict[str, str]:
    bun_bin = provision.ensure_bun()
    return {
        **os.environ,
        # The apps' role: reads and writes the app's tables, no DDL (migrate() is the owner).
        "DATABASE_URL": cfg.app_database_url(),
        "DAPR_HTTP_PORT": str(sidecar.http_port(cfg)),
        "DAPR_GRPC_PORT": str(sidecar.grpc_port(cfg)),
        "APP_PORT": str(sidecar.app_port(cfg)),
        "APP_HOST": "127.0.0.1",
        "APP_API_TOKEN": cfg.app_api_token,
        "HEALTH_PORT": str(cfg.port("TODO_WORKER_HEALTH_PORT")),
        # Throttling counts shared through the stack's Redis, as replicas share them in the
        # chart. Sign-ups per address are generous here: the tests sign up hundreds of users
        # from 127.0.0.1 (the limit itself is tested at its default in tests/integration).
        "THROTTLE_STORAGE_URL": parts.redis_url(cfg),
        "THROTTLE_SIGN_UP_PER_ADDRESS": os.environ.get(
            "THROTTLE_SIGN_UP_PER_ADDRESS", "100000/hour"
        ),
        # A developer's stack shows the API docs (off by default, and in the chart).
        "API_DOCS": os.environ.get("API_DOCS", "true"),
        "REFLEX_USE_SYSTEM_BUN": "1",
        # The frontend build (node_modules and the bundle) lives in the cache, not the clone;
        # one per stack: the built bundle embeds its server's address (ws://localhost:PORT).
        "REFLEX_WEB_WORKDIR": str(cache_dir() / f"reflex-web-{cfg.name}"),
        "PATH": f"{bun_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        # The venv is shared by every clone on this machine and its editable install points
        # at whichever clone ran `make install` last: run this clone's code regardless.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        **observability.app_env(cfg),
    }


def _entry_point(name: str) -> str:
    # The venv's console scripts sit beside the interpreter running devstack.
    import sys

    path = Path(sys.executable).parent / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            raise StackError(f"`{name}` is not installed; run `make install`")
        return found
    return str(path)


def migrate(cfg: StackConfig) -> None:
    """The roles first (each run: a stack from before them gets them too), then Alembic as
    the owner, which grants the roles what they may do."""
    import sys

    parts.create_roles(cfg)
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": cfg.database_url()},
        capture_output=True,
        text=True,
    )
    log = cfg.log_dir / "migrations.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:]
        raise StackError(f"database migrations failed: {tail} (log: {log})")


def start_web(cfg: StackConfig) -> None:
    _spawn(cfg, "todo-web", [_entry_point("todo-web")], env=app_env(cfg, WEB_SIDECAR))


def web_healthy(cfg: StackConfig) -> bool:
    return _http_ok(f"http://127.0.0.1:{WEB_SIDECAR.app_port(cfg)}/healthz")


def worker_env(cfg: StackConfig, k: int = 1) -> dict[str, str]:
    """Replica k's environment: its own app, health and sidecar ports."""
    sidecar = worker_sidecar(k)
    return {**app_env(cfg, sidecar), "HEALTH_PORT": str(worker_health_port(cfg, k))}


def worker_health_port(cfg: StackConfig, k: int = 1) -> int:
    return cfg.port(f"{worker_prefix(k)}_HEALTH_PORT")


def start_worker(cfg: StackConfig, k: int = 1) -> None:
    _spawn(cfg, worker_name(k), [_entry_point("todo-worker")], env=worker_env(cfg, k))


def worker_healthy(cfg: StackConfig, k: int = 1) -> bool:
    return _http_ok(f"http://127.0.0.1:{worker_health_port(cfg, k)}/healthz")
