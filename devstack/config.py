"""Where the stack keeps its files and which ports it uses, read from the environment.

Defaults avoid the standard ports (5432, 9092, 3500, 50001, ...) that a machine may already
use. The test suite runs a second stack with `TODO_STACK=test`, whose defaults are shifted
by 5000 (or by TODO_PORT_SHIFT) so that it never meets a developer's running `make up`.
"""

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# variable name -> default port of the "dev" stack
PORTS: dict[str, int] = {
    "TODO_PG_PORT": 15432,
    "TODO_KAFKA_PORT": 19092,
    "TODO_KAFKA_CONTROLLER_PORT": 19093,
    "TODO_SCHEDULER_PORT": 15006,
    "TODO_SCHEDULER_HEALTH_PORT": 15007,
    "TODO_SCHEDULER_METRICS_PORT": 15008,
    "TODO_SCHEDULER_ETCD_CLIENT_PORT": 12379,
    "TODO_SCHEDULER_ETCD_PEER_PORT": 12380,
    "TODO_REDIS_PORT": 16379,
    "TODO_WEB_PORT": 13000,
    "TODO_WEB_DAPR_HTTP_PORT": 13500,
    "TODO_WEB_DAPR_GRPC_PORT": 13501,
    "TODO_WEB_DAPR_INTERNAL_PORT": 13502,
    "TODO_WEB_DAPR_METRICS_PORT": 13503,
    "TODO_WORKER_PORT": 16001,
    "TODO_WORKER_HEALTH_PORT": 16002,
    "TODO_WORKER_DAPR_HTTP_PORT": 13600,
    "TODO_WORKER_DAPR_GRPC_PORT": 13601,
    "TODO_WORKER_DAPR_INTERNAL_PORT": 13602,
    "TODO_WORKER_DAPR_METRICS_PORT": 13603,
    # Extra worker replicas (TODO_WORKER_REPLICAS): replica k has the first worker's ports
    # + 10·(k−1), so its ports shift with the others and stay apart from every other part.
    "TODO_WORKER_2_PORT": 16011,
    "TODO_WORKER_2_HEALTH_PORT": 16012,
    "TODO_WORKER_2_DAPR_HTTP_PORT": 13610,
    "TODO_WORKER_2_DAPR_GRPC_PORT": 13611,
    "TODO_WORKER_2_DAPR_INTERNAL_PORT": 13612,
    "TODO_WORKER_2_DAPR_METRICS_PORT": 13613,
    "TODO_WORKER_3_PORT": 16021,
    "TODO_WORKER_3_HEALTH_PORT": 16022,
    "TODO_WORKER_3_DAPR_HTTP_PORT": 13620,
    "TODO_WORKER_3_DAPR_GRPC_PORT": 13621,
    "TODO_WORKER_3_DAPR_INTERNAL_PORT": 13622,
    "TODO_WORKER_3_DAPR_METRICS_PORT": 13623,
    # The trace store (Zipkin) and the metrics store (VictoriaMetrics)
    "TODO_ZIPKIN_PORT": 19411,
    "TODO_METRICS_PORT": 18428,
}
TEST_PORT_SHIFT = 5000
# How many worker processes the local stack can run (each with its own daprd, one app id).
MAX_WORKER_REPLICAS = 3


def cache_dir() -> Path:
    """Slow-to-fetch things live outside the clone, so a fresh clone (CI) reuses them."""
    default = Path.home() / ".cache" / "todo-devstack"
    return Path(os.environ.get("TODO_CACHE_DIR", default)).expanduser()


@dataclass(frozen=True)
class StackConfig:
    name: str
    data_dir: Path
    ports: dict[str, int] = field(default_factory=dict)
    # The owner (initdb's superuser here): migrations, tests' and tools' own access.
    pg_user: str = "todo"
    pg_password: str = "todo"  # noqa: S105 (loopback-only dev database; TODO_PG_PASSWORD)
    pg_database: str = "todo"
    # The roles of least privilege (deploy/helm/todo/files/db-roles.sql): the apps connect
    # as the first, the Dapr state store as the second. Their names are Settings' defaults.
    pg_app_user: str = "todo_app"
    pg_app_password: str = "todo_app"  # noqa: S105 (as pg_password; TODO_PG_APP_PASSWORD)
    pg_dapr_user: str = "todo_dapr"
    pg_dapr_password: str = "todo_dapr"  # noqa: S105 (as pg_password; TODO_PG_DAPR_PASSWORD)
    worker_replicas: int = 1  # TODO_WORKER_REPLICAS: worker processes `up` starts
    # TODO_OBSERVABILITY=0: no trace or metrics store (saves ~250 MB); traces off then.
    observability: bool = True
    tracing_sampling_rate: float = 1.0  # TODO_TRACING_SAMPLING_RATE, 0-1 (100 % locally)

    def port(self, var: str) -> int:
        return self.ports[var]

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def run_dir(self) -> Path:
        return self.data_dir / "run"

    @property
    def kafka_brokers(self) -> str:
        return f"127.0.0.1:{self.port('TODO_KAFKA_PORT')}"

    def database_url(self, driver: str = "postgresql+asyncpg") -> str:
        """The owner's URL: migrations, and tests and tools that look inside or set up."""
        return self._url(self.pg_user, self.pg_password, driver)

    def app_database_url(self, driver: str = "postgresql+asyncpg") -> str:
        """The apps' URL (DATABASE_URL of todo-web and todo-worker): DML only."""
        return self._url(self.pg_app_user, self.pg_app_password, driver)

    def _url(self, user: str, password: str, driver: str) -> str:
        return (
            f"{driver}://{user}:{password}@127.0.0.1:{self.port('TODO_PG_PORT')}/{self.pg_database}"
        )

    @property
    def dapr_state_connection(self) -> str:
        """The state store's connection string: the Dapr role, which sees schema dapr only."""
        return (
            f"host=127.0.0.1 port={self.port('TODO_PG_PORT')} user={self.pg_dapr_user} "
            f"password={self.pg_dapr_password} dbname={self.pg_database} connect_timeout=5"
        )

    @property
    def scheduler_address(self) -> str:
        return f"127.0.0.1:{self.port('TODO_SCHEDULER_PORT')}"

    @property
    def app_api_token(self) -> str:
        """Dapr's app API token for this stack: the worker's sidecar presents it, the worker
        checks it. Random, made on first use, kept beside the stack's data."""
        return made_once(self.data_dir / "app-api-token", lambda: secrets.token_urlsafe(32))

    @property
    def redis_password(self) -> str:
        """The stack's Redis password (the throttle's counts), made like the app API token."""
        return made_once(self.data_dir / "redis-password", lambda: secrets.token_urlsafe(24))


def made_once(path: Path, make: Callable[[], str]) -> str:
    """A generated credential, made on first use and kept (0600) for the next."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def load(env: dict[str, str] | None = None) -> StackConfig:
    env = dict(os.environ if env is None else env)
    name = env.get("TODO_STACK", "dev")
    shift = int(env.get("TODO_PORT_SHIFT", TEST_PORT_SHIFT if name.startswith("test") else 0))
    ports = {}
    for var, default in PORTS.items():
        raw = env.get(var, str(default + shift))
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            from devstack.errors import StackError

            raise StackError(f"{var}={raw!r} is not a port number (1-65535)")
        ports[var] = int(raw)
    data_dir = Path(env.get("TODO_DATA_DIR", REPO_ROOT / ".devstack" / name))
    return StackConfig(
        name=name,
        data_dir=data_dir.resolve(),
        ports=ports,
        pg_password=env.get("TODO_PG_PASSWORD", "todo"),
        pg_app_password=env.get("TODO_PG_APP_PASSWORD", "todo_app"),
        pg_dapr_password=env.get("TODO_PG_DAPR_PASSWORD", "todo_dapr"),
        worker_replicas=_worker_replicas(env.get("TODO_WORKER_REPLICAS", "1")),
        observability=_flag("TODO_OBSERVABILITY", env.get("TODO_OBSERVABILITY", "1")),
        tracing_sampling_rate=_rate(env.get("TODO_TRACING_SAMPLING_RATE", "1")),
    )


def _flag(var: str, raw: str) -> bool:
    if raw not in ("0", "1"):
        from devstack.errors import StackError

        raise StackError(f"{var}={raw!r} is not 0 or 1")
    return raw == "1"


def _rate(raw: str) -> float:
    try:
        rate = float(raw)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        from devstack.errors import StackError

        raise StackError(f"TODO_TRACING_SAMPLING_RATE={raw!r} is not a number from 0 to 1")
    return rate


def _worker_replicas(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_WORKER_REPLICAS:
        from devstack.errors import StackError

        raise StackError(f"TODO_WORKER_REPLICAS={raw!r} is not 1-{MAX_WORKER_REPLICAS}")
    return int(raw)


def worker_name(k: int) -> str:
    """Part name of worker replica k: `todo-worker`, then `todo-worker-2`, `todo-worker-3`."""
    return "todo-worker" if k == 1 else f"todo-worker-{k}"


def worker_prefix(k: int) -> str:
    """Prefix of replica k's port variables: TODO_WORKER, then TODO_WORKER_2, …"""
    return "TODO_WORKER" if k == 1 else f"TODO_WORKER_{k}"
