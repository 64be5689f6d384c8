"""The parts of the stack: how each one starts and how we know it is healthy."""

import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from devstack import observability, processes, provision
from devstack.config import REPO_ROOT, StackConfig, worker_prefix
from devstack.errors import StackError

DAPR_RESOURCES = REPO_ROOT / "deploy" / "dapr" / "components"

# Partition counts: the main topics are keyed by task id, so three partitions keep
# per-task order while letting the worker consume in parallel.
TOPICS: dict[str, int] = {
    "task-events": 3,
    "reminders": 3,
    "recurring-task": 3,
    "task-events-dlq": 1,
    "reminders-dlq": 1,
    "recurring-task-dlq": 1,
}


def kafka_partition(key: str, partitions: int) -> int:
    """The partition Dapr's Kafka producer (sarama's hash partitioner) gives a record key:
    FNV-1a 32 of the key, read as a signed int32, absolute value, modulo the count."""
    value = 0x811C9DC5
    for byte in key.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    signed = value - (1 << 32) if value >= 1 << 31 else value
    return abs(signed) % partitions


@dataclass
class Part:
    name: str
    ports: list[str]
    start: Callable[[StackConfig], None]
    healthy: Callable[[StackConfig], bool]
    after_start: Callable[[StackConfig], None] | None = None
    timeout: float = 60.0
    optional_reason: Callable[[], str | None] = field(default=lambda: None)

    def log(self, cfg: StackConfig) -> Path:
        return cfg.log_dir / f"{self.name}.log"


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 (loopback only)
            return 200 <= resp.status < 300
    except (urllib.error.URLError, OSError):
        return False


# --- PostgreSQL -------------------------------------------------------------------------


def _pg_data_dir(cfg: StackConfig) -> Path:
    """PostgreSQL refuses to run as root, so as root it runs as the `postgres` user, which
    must be able to reach its data folder. A clone under a private home folder can't be
    reached; then the data goes under /var/lib/todo-devstack instead."""
    wanted = cfg.data_dir / "pg"
    if os.geteuid() != 0 or all(p.stat().st_mode & 0o001 for p in wanted.parents if p.exists()):
        return wanted
    tag = hashlib.sha256(str(cfg.data_dir).encode()).hexdigest()[:8]
    return Path("/var/lib/todo-devstack") / f"{cfg.name}-{tag}" / "pg"


def _pg_user() -> str | None:
    return "postgres" if os.geteuid() == 0 else None


def _as_pg_user(path: Path) -> None:
    user = _pg_user()
    if user:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _pg_init(cfg: StackConfig, data: Path) -> None:
    bin_dir = provision.ensure_postgres()
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o700)
    _as_pg_user(data)
    pwfile = data.parent / "pg.pw"
    pwfile.write_text(cfg.pg_password + "\n")
    _as_pg_user(pwfile)
    result = subprocess.run(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            cfg.pg_user,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        capture_output=True,
        text=True,
        user=_pg_user(),
    )
    pwfile.unlink()
    if result.returncode != 0:
        raise StackError(f"initdb failed: {result.stderr.strip().splitlines()[-1:]}")


def start_postgres(cfg: StackConfig) -> None:
    data = _pg_data_dir(cfg)
    if not (data / "PG_VERSION").exists():
        _pg_init(cfg, data)
    bin_dir = provision.ensure_postgres()
    argv = [
        str(bin_dir / "postgres"),
        "-D",
        str(data),
        "-p",
        str(cfg.port("TODO_PG_PORT")),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=",
        "-c",
        "max_connections=300",
        "-c",
        "shared_buffers=256MB",
    ]
    _spawn(cfg, "postgres", argv, user=_pg_user())


def postgres_healthy(cfg: StackConfig) -> bool:
    isready = provision.PG_BIN / "pg_isready"
    result = subprocess.run(
        [str(isready), "-h", "127.0.0.1", "-p", str(cfg.port("TODO_PG_PORT")), "-U", cfg.pg_user],
        capture_output=True,
    )
    return result.returncode == 0


def _psql(cfg: StackConfig, database: str) -> list[str]:
    """psql as the stack's owner, on loopback (its password goes in PGPASSWORD)."""
    port = str(cfg.port("TODO_PG_PORT"))
    return ["psql", "-h", "127.0.0.1", "-p", port, "-U", cfg.pg_user, "-d", database]


def create_database(cfg: StackConfig) -> None:
    env = {**os.environ, "PGPASSWORD": cfg.pg_password}
    base = [*_psql(cfg, "postgres"), "-tAc"]
    exists = subprocess.run(
        [*base, f"SELECT 1 FROM pg_database WHERE datname = '{cfg.pg_database}'"],  # noqa: S608
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    if exists.stdout.strip() != "1":
        subprocess.run(
            [*base, f'CREATE DATABASE "{cfg.pg_database}"'],
            env=env,
            check=True,
            capture_output=True,
        )


# The one script that makes the apps' and Dapr's roles, here, in the chart and on Neon.
DB_ROLES_SQL = REPO_ROOT / "deploy" / "helm" / "todo" / "files" / "db-roles.sql"


def db_roles_args(app: tuple[str, str], dapr: tuple[str, str]) -> list[str]:
    """psql's arguments after the connection: run db-roles.sql for the (role, password) of
    the apps and of the state store."""
    variables = {"app_role": app[0], "app_password": app[1],
                 "dapr_role": dapr[0], "dapr_password": dapr[1]}  # fmt: skip
    pairs = (("-v", f"{name}={value}") for name, value in variables.items())
    return ["-qX", *(arg for pair in pairs for arg in pair), "-f", str(DB_ROLES_SQL)]


def create_roles(cfg: StackConfig) -> None:
    """The apps' and the state store's roles, made (or their passwords set) by the owner;
    the migrations grant them what they may do."""
    app = (cfg.pg_app_user, cfg.pg_app_password)
    dapr = (cfg.pg_dapr_user, cfg.pg_dapr_password)
    result = subprocess.run(
        [*_psql(cfg, cfg.pg_database), *db_roles_args(app, dapr)],
        capture_output=True,
        text=True,
        env={**os.environ, "PGPASSWORD": cfg.pg_password},
    )
    if result.returncode != 0:
        raise StackError(f"creating the database roles failed: {result.stderr.strip()}")


# --- Kafka ------------------------------------------------------------------------------


# One broker that is also its own controller: every internal topic with one replica.
SINGLE_NODE_KAFKA = [
    "offsets.topic.replication.factor=1",
    "offsets.topic.num.partitions=6",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "share.coordinator.state.topic.replication.factor=1",
    "share.coordinator.state.topic.min.isr=1",
    "group.initial.rebalance.delay.ms=0",
    # Topics are created explicitly (as Redpanda Cloud wants too); a misspelt name fails.
    "auto.create.topics.enable=false",
]


def _kafka_properties(cfg: StackConfig, data: Path) -> str:
    port, ctl = cfg.port("TODO_KAFKA_PORT"), cfg.port("TODO_KAFKA_CONTROLLER_PORT")
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{ctl}",
            f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{ctl}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            f"log.dirs={data / 'logs'}",
            *SINGLE_NODE_KAFKA,
            "",
        ]
    )


def start_kafka(cfg: StackConfig) -> None:
    home = provision.ensure_kafka()
    java = shutil.which("java")
    if java is None:
        raise StackError("`java` is not on PATH: install a JDK 17 or newer")
    data = cfg.data_dir / "kafka"
    data.mkdir(parents=True, exist_ok=True)
    props = data / "server.properties"
    props.write_text(_kafka_properties(cfg, data))
    classpath = f"{home / 'libs'}/*"
    if not (data / "logs" / "meta.properties").exists():
        cluster_id = kafka_cluster_id()
        result = subprocess.run(
            [
                java,
                "-cp",
                classpath,
                "kafka.tools.StorageTool",
                "format",
                f"--cluster-id={cluster_id}",
                "-c",
                str(props),
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise StackError(f"formatting Kafka storage failed: {result.stdout[-300:]}")
    argv = [
        java,
        "-Xms256m",
        "-Xmx768m",
        "-XX:+UseG1GC",
        f"-Dlog4j2.configurationFile={REPO_ROOT / 'devstack' / 'kafka' / 'log4j2.properties'}",
        "-cp",
        classpath,
        "kafka.Kafka",
        str(props),
    ]
    _spawn(cfg, "kafka", argv)


def kafka_cluster_id() -> str:
    import base64
    import uuid

    # Kafka's own random-uuid never starts with '-' or '_' (argument parsers trip on it).
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if cid[0].isalnum():
            return cid


def kafka_healthy(cfg: StackConfig) -> bool:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": cfg.kafka_brokers, "log_level": 0})
    try:
        metadata = admin.list_topics(timeout=2)
    except Exception:  # noqa: BLE001 (any failure means "not healthy yet")
        return False
    return bool(metadata.brokers)


def create_topics(cfg: StackConfig) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": cfg.kafka_brokers})
    existing = admin.list_topics(timeout=10).topics
    missing = [
        NewTopic(t, num_partitions=n, replication_factor=1)
        for t, n in TOPICS.items()
        if t not in existing
    ]
    for topic, future in admin.create_topics(missing).items() if missing else []:
        try:
            future.result(timeout=30)
        except Exception as exc:  # noqa: BLE001
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise StackError(f"creating Kafka topic {topic} failed: {exc}") from exc


# --- Redis ------------------------------------------------------------------------------
# The web replicas' shared throttling counts (THROTTLE_STORAGE_URL), as in the chart.


def start_redis(cfg: StackConfig) -> None:
    data = cfg.data_dir / "redis"
    data.mkdir(parents=True, exist_ok=True)
    # The password goes in a 0600 file, not on the command line (`ps` shows that).
    conf = data / "redis.conf"
    conf.write_text(f"requirepass {cfg.redis_password}\n")
    conf.chmod(0o600)
    argv = [
        str(provision.ensure_redis()),
        str(conf),
        "--port", str(cfg.port("TODO_REDIS_PORT")),
        "--bind", "127.0.0.1",
        "--protected-mode", "yes",
        # Counts only: nothing to keep across a restart, and a bounded memory whose keys
        # all carry an expiry (the throttle's windows).
        "--save", "",
        "--appendonly", "no",
        "--maxmemory", "64mb",
        "--maxmemory-policy", "volatile-ttl",
        "--dir", str(data),
    ]  # fmt: skip
    _spawn(cfg, "redis", argv)


def redis_healthy(cfg: StackConfig) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", cfg.port("TODO_REDIS_PORT")), timeout=1) as s:
            s.sendall(f"AUTH {cfg.redis_password}\r\nPING\r\n".encode())
            return b"+PONG" in s.recv(64)
    except OSError:
        return False


def redis_url(cfg: StackConfig) -> str:
    return f"redis://:{cfg.redis_password}@127.0.0.1:{cfg.port('TODO_REDIS_PORT')}/0"


# --- Dapr -------------------------------------------------------------------------------


def start_scheduler(cfg: StackConfig) -> None:
    binary = provision.ensure_dapr() / "scheduler"
    data = cfg.data_dir / "scheduler"
    data.mkdir(parents=True, exist_ok=True)
    port = cfg.port("TODO_SCHEDULER_PORT")
    peer = cfg.port("TODO_SCHEDULER_ETCD_PEER_PORT")
    argv = [
        str(binary),
        "--mode",
        "standalone",
        "--id",
        "dapr-scheduler-server-0",
        "--listen-address",
        "127.0.0.1",
        "--port",
        str(port),
        "--override-broadcast-host-port",
        f"127.0.0.1:{port}",
        "--healthz-listen-address",
        "127.0.0.1",
        "--healthz-port",
        str(cfg.port("TODO_SCHEDULER_HEALTH_PORT")),
        "--metrics-listen-address",
        "127.0.0.1",
        "--metrics-port",
        str(cfg.port("TODO_SCHEDULER_METRICS_PORT")),
        "--etcd-data-dir",
        str(data),
        "--etcd-client-listen-address",
        "127.0.0.1",
        "--etcd-client-port",
        str(cfg.port("TODO_SCHEDULER_ETCD_CLIENT_PORT")),
        "--etcd-initial-cluster",
        f"dapr-scheduler-server-0=http://127.0.0.1:{peer}",
        "--log-level",
        "info",
    ]
    _spawn(cfg, "scheduler", argv)


def scheduler_healthy(cfg: StackConfig) -> bool:
    return _http_ok(f"http://127.0.0.1:{cfg.port('TODO_SCHEDULER_HEALTH_PORT')}/healthz")


@dataclass(frozen=True)
class Sidecar:
    """One daprd beside one app; the port variables are those of TODO_<APP>_DAPR_*."""

    app_id: str
    prefix: str  # "TODO_WEB" or "TODO_WORKER"
    app_protocol: str  # "http" or "grpc"

    def http_port(self, cfg: StackConfig) -> int:
        return cfg.port(f"{self.prefix}_DAPR_HTTP_PORT")

    def grpc_port(self, cfg: StackConfig) -> int:
        return cfg.port(f"{self.prefix}_DAPR_GRPC_PORT")

    def app_port(self, cfg: StackConfig) -> int:
        return cfg.port(f"{self.prefix}_PORT")


WEB_SIDECAR = Sidecar("todo-web", "TODO_WEB", "http")
WORKER_SIDECAR = Sidecar("todo-worker", "TODO_WORKER", "grpc")


def worker_sidecar(k: int) -> Sidecar:
    """Replica k's daprd: the same app id as the first, so all replicas share one Kafka
    consumer group and the scheduler spreads the app's job triggers over them."""
    return WORKER_SIDECAR if k == 1 else Sidecar("todo-worker", worker_prefix(k), "grpc")


def daprd_argv(cfg: StackConfig, sidecar: Sidecar, resources: Path = DAPR_RESOURCES) -> list[str]:
    p = sidecar.prefix
    return [
        str(provision.ensure_dapr() / "daprd"),
        "--mode",
        "standalone",
        "--app-id",
        sidecar.app_id,
        "--app-port",
        str(sidecar.app_port(cfg)),
        "--app-protocol",
        sidecar.app_protocol,
        "--dapr-listen-addresses",
        "127.0.0.1",
        "--dapr-http-port",
        str(cfg.port(f"{p}_DAPR_HTTP_PORT")),
        "--dapr-grpc-port",
        str(cfg.port(f"{p}_DAPR_GRPC_PORT")),
        "--dapr-internal-grpc-port",
        str(cfg.port(f"{p}_DAPR_INTERNAL_PORT")),
        "--metrics-port",
        str(cfg.port(f"{p}_DAPR_METRICS_PORT")),
        "--resources-path",
        str(resources),
        "--config",
        str(observability.dapr_config(cfg)),
        "--scheduler-host-address",
        cfg.scheduler_address,
        "--placement-host-address",
        "",
        "--log-level",
        "info",
        *(WORKER_APP_HEALTH if sidecar.app_id == "todo-worker" else []),
    ]


# The worker's sidecar probes the app's gRPC HealthCheck every second. While the app is
# down, daprd closes its job stream: the scheduler stages the jobs that come due instead of
# failing them into the failure policy's retries, and triggers them all as soon as the
# sidecar reconnects on the first good probe (reminders due during a worker restart fire
# ~1 s after it is back, not at the next retry slot). Three failed probes (~3 s) before
# that, so a briefly busy event loop does not pause the jobs and subscriptions. The same
# values as the chart's worker annotations (deploy/helm/todo/values.yaml).
WORKER_APP_HEALTH = [
    "--enable-app-health-check",
    "--app-health-probe-interval",
    "1",
    "--app-health-probe-timeout",
    "1000",
    "--app-health-threshold",
    "3",
]


def daprd_env(cfg: StackConfig) -> dict[str, str]:
    """What the `secretstore` component (secretstores.local.env) hands to the others, and
    the app API token the sidecar presents to its app."""
    return {
        **os.environ,
        "APP_API_TOKEN": cfg.app_api_token,
        "TODO_SECRET_KAFKA_BROKERS": cfg.kafka_brokers,
        "TODO_SECRET_STATE_PG_CONNECTION": cfg.dapr_state_connection,
    }


def start_sidecar(cfg: StackConfig, sidecar: Sidecar, part_name: str) -> None:
    _spawn(cfg, part_name, daprd_argv(cfg, sidecar), env=daprd_env(cfg))


def sidecar_healthy(cfg: StackConfig, sidecar: Sidecar) -> bool:
    return _http_ok(f"http://127.0.0.1:{sidecar.http_port(cfg)}/v1.0/healthz")


# --- helpers ----------------------------------------------------------------------------


def _spawn(
    cfg: StackConfig,
    part: str,
    argv: list[str],
    env: dict[str, str] | None = None,
    user: str | None = None,
) -> None:
    processes.spawn(
        part,
        argv,
        run_dir=cfg.run_dir,
        log_file=cfg.log_dir / f"{part}.log",
        env=env,
        cwd=REPO_ROOT,
        user=user,
    )
