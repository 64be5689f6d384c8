"""The cloud's managed services, shaped as the app meets them, beside the local cluster for
the release rehearsal: each a real server on the host's end of the node's link, outside the
cluster and outside the release namespace, as Redpanda Cloud and Neon are.

- Kafka (Redpanda Cloud's shape): one `SASL_SSL` listener for clients, SCRAM-SHA-256
  users, a broker certificate from our services CA, `auto.create.topics.enable=false`.
  Its own broker traffic and the KRaft controller stay on loopback.
- PostgreSQL (Neon's shape): `ssl=on` with a certificate from the same CA, `hostssl`
  with `scram-sha-256` as the only TCP rule, so a plain connection is refused.

Credentials are made once and kept (0600) beside the data, like a console's generated
passwords; the rehearsal puts them only into the release's Kubernetes Secret.
"""

import json
import os
import secrets
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devstack import processes, provision
from devstack.cluster import pki
from devstack.cluster.layout import HOST_IP, Layout
from devstack.config import REPO_ROOT, made_once
from devstack.errors import StackError
from devstack.parts import SINGLE_NODE_KAFKA, db_roles_args, kafka_cluster_id
from devstack.progress import say

KAFKA_PORT = 9094
# Loopback only: the broker's own listener and the controller, never reached by a client.
KAFKA_INTERNAL_PORT = 29094
KAFKA_CONTROLLER_PORT = 29095
PG_PORT = 5433
KAFKA_BOOTSTRAP = f"{HOST_IP}:{KAFKA_PORT}"
PG_DATABASE = "todo"
APP_USER = "todo"  # the app's Kafka user, and PostgreSQL's owner of its database
# The roles a cloud user makes with db-roles.sql (docs/deploy.md "Database roles").
PG_APP_ROLE, PG_DAPR_ROLE = "todo_app", "todo_dapr"
ADMIN_USER = "admin"  # Kafka only: the topics step


@dataclass(frozen=True)
class Credentials:
    kafka_app: str
    kafka_admin: str
    postgres: str


def root(layout: Layout) -> Path:
    return layout.root / "cloud"


def ca_file(layout: Layout) -> Path:
    return pki.service_ca_file(layout)


def credentials(layout: Layout) -> Credentials:
    def make() -> str:
        return json.dumps(
            {k: secrets.token_hex(16) for k in ("kafka_app", "kafka_admin", "postgres")}
        )

    return Credentials(**json.loads(made_once(root(layout) / "credentials.json", make)))


def _wait(layout: Layout, name: str, healthy: Callable[[], bool], timeout: float) -> None:
    log = layout.log_dir / f"{name}.log"
    took = processes.wait_healthy(name, layout.run_dir, log, healthy, timeout)
    say(f"{name}: ready ({took:.1f}s)")


# --- Kafka --------------------------------------------------------------------------------


def kafka_properties(data: Path, keystore: Path) -> str:
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{KAFKA_CONTROLLER_PORT}",
            f"listeners=SASL_SSL://{KAFKA_BOOTSTRAP},INTERNAL://127.0.0.1:{KAFKA_INTERNAL_PORT},"
            f"CONTROLLER://127.0.0.1:{KAFKA_CONTROLLER_PORT}",
            f"advertised.listeners=SASL_SSL://{KAFKA_BOOTSTRAP},"
            f"INTERNAL://127.0.0.1:{KAFKA_INTERNAL_PORT}",
            "listener.security.protocol.map=SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT,"
            "CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=INTERNAL",
            "controller.listener.names=CONTROLLER",
            "sasl.enabled.mechanisms=SCRAM-SHA-256",
            "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config="
            "org.apache.kafka.common.security.scram.ScramLoginModule required;",
            # The key and the certificate chain in one PEM file (Kafka 2.7+ reads PEM).
            "ssl.keystore.type=PEM",
            f"ssl.keystore.location={keystore}",
            f"log.dirs={data / 'logs'}",
            *SINGLE_NODE_KAFKA,
            "",
        ]
    )


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise StackError("`java` is not on PATH: install a JDK 17 or newer")
    return java


def start_kafka(layout: Layout) -> None:
    name = "cloud-kafka"
    if processes.read_pid(layout.run_dir, name) is not None:
        return
    home, java = provision.ensure_kafka(), _java()
    data = root(layout) / "kafka"
    data.mkdir(parents=True, exist_ok=True)
    cert, key = pki.service_cert(layout, "cloud-kafka", (f"IP:{HOST_IP}",))
    keystore = data / "broker.pem"
    keystore.write_text(key.read_text() + cert.read_text())
    keystore.chmod(0o600)
    props = data / "server.properties"
    props.write_text(kafka_properties(data, keystore))
    classpath = f"{home / 'libs'}/*"
    if not (data / "logs" / "meta.properties").exists():
        creds = credentials(layout)
        scram = [
            f"SCRAM-SHA-256=[name={APP_USER},password={creds.kafka_app}]",
            f"SCRAM-SHA-256=[name={ADMIN_USER},password={creds.kafka_admin}]",
        ]
        argv = [java, "-cp", classpath, "kafka.tools.StorageTool", "format",
                f"--cluster-id={kafka_cluster_id()}", "-c", str(props),
                *(arg for s in scram for arg in ("--add-scram", s))]  # fmt: skip
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise StackError(f"formatting the cloud Kafka failed: {proc.stdout[-400:]}")
    log4j = REPO_ROOT / "devstack" / "kafka" / "log4j2.properties"
    argv = [java, "-Xms128m", "-Xmx512m", "-XX:+UseG1GC", f"-Dlog4j2.configurationFile={log4j}",
            "-cp", classpath, "kafka.Kafka", str(props)]  # fmt: skip
    processes.spawn(
        name, argv, run_dir=layout.run_dir, log_file=layout.log_dir / f"{name}.log",
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )  # fmt: skip
    _wait(layout, name, lambda: kafka_healthy(layout), 90)


def kafka_client_config(
    layout: Layout, user: str, password: str
) -> dict[str, str | int | float | bool]:
    """librdkafka's settings for the SASL_SSL listener, as Redpanda Cloud documents them."""
    return {
        "bootstrap.servers": KAFKA_BOOTSTRAP,
        "security.protocol": "SASL_SSL",
        "sasl.mechanisms": "SCRAM-SHA-256",
        "sasl.username": user,
        "sasl.password": password,
        "ssl.ca.location": str(ca_file(layout)),
    }


def kafka_healthy(layout: Layout) -> bool:
    from confluent_kafka.admin import AdminClient

    creds = credentials(layout)
    config = kafka_client_config(layout, ADMIN_USER, creds.kafka_admin)
    admin = AdminClient({**config, "log_level": 0})
    try:
        return bool(admin.list_topics(timeout=3).brokers)
    except Exception:  # noqa: BLE001 (any failure means "not ready yet")
        return False


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, user="postgres")


def _pg_init(data: Path) -> None:
    bin_dir = provision.ensure_postgres()
    data.mkdir(parents=True, exist_ok=True)
    for path in (data.parent, data):
        shutil.chown(path, "postgres", "postgres")
    data.chmod(0o700)
    # The bootstrap superuser is the OS user `postgres` over the socket only (peer); the
    # app gets an ordinary role that owns its database, as a hosted database hands out.
    proc = _pg_run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                    "--auth-host=scram-sha-256", "--auth-local=peer",
                    "-E", "UTF8", "--locale=C.UTF-8"])  # fmt: skip
    if proc.returncode != 0:
        raise StackError(f"initdb of the cloud PostgreSQL failed: {proc.stderr.strip()[-400:]}")


def pg_hba() -> str:
    """TLS or nothing over TCP, as Neon: no `host` line, so a plain connection is refused."""
    return (
        "# Written by devstack/cluster/cloud.py: TLS with a password, or no connection.\n"
        "local   all  all                 peer\n"
        "hostssl all  all  0.0.0.0/0      scram-sha-256\n"
    )


def start_postgres(layout: Layout) -> None:
    name = "cloud-postgres"
    socket_dir = root(layout) / "postgres" / "socket"
    if processes.read_pid(layout.run_dir, name) is not None:
        _ensure_database(layout, socket_dir)  # one started by an older checkout: roles too
        return
    data = root(layout) / "postgres" / "data"
    if not (data / "PG_VERSION").exists():
        _pg_init(data)
    cert, key = pki.service_cert(layout, "cloud-postgres", (f"IP:{HOST_IP}",))
    tls = root(layout) / "postgres" / "tls"
    tls.mkdir(parents=True, exist_ok=True)
    for src in (cert, key):
        shutil.copy(src, tls / src.name)
        shutil.chown(tls / src.name, "postgres", "postgres")
        (tls / src.name).chmod(0o600)
    (data / "pg_hba.conf").write_text(pg_hba())
    shutil.chown(data / "pg_hba.conf", "postgres", "postgres")
    socket_dir.mkdir(parents=True, exist_ok=True)
    shutil.chown(socket_dir, "postgres", "postgres")
    argv = [str(provision.ensure_postgres() / "postgres"), "-D", str(data),
            "-p", str(PG_PORT), "-c", f"listen_addresses={HOST_IP}",
            "-c", f"unix_socket_directories={socket_dir}", "-c", "ssl=on",
            "-c", f"ssl_cert_file={tls / cert.name}", "-c", f"ssl_key_file={tls / key.name}",
            "-c", "max_connections=100", "-c", "password_encryption=scram-sha-256"]  # fmt: skip
    processes.spawn(
        name, argv, run_dir=layout.run_dir, log_file=layout.log_dir / f"{name}.log",
        user="postgres",
    )  # fmt: skip
    _wait(layout, name, lambda: _pg_ready(socket_dir), 60)
    _ensure_database(layout, socket_dir)


def _pg_ready(socket_dir: Path) -> bool:
    isready = provision.PG_BIN / "pg_isready"
    return _pg_run([str(isready), "-h", str(socket_dir), "-p", str(PG_PORT)]).returncode == 0


def _ensure_database(layout: Layout, socket_dir: Path) -> None:
    def sql(statement: str, database: str = "postgres") -> str:
        argv = ["psql", "-h", str(socket_dir), "-p", str(PG_PORT), "-U", "postgres",
                "-d", database, "-v", "ON_ERROR_STOP=1", "-tAc", statement]  # fmt: skip
        proc = _pg_run(argv)
        if proc.returncode != 0:
            raise StackError(f"cloud PostgreSQL: {statement[:40]}…: {proc.stderr.strip()}")
        return proc.stdout.strip()

    password = credentials(layout).postgres  # hex: nothing to quote
    if sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{APP_USER}'") != "1":  # noqa: S608
        sql(f"CREATE ROLE {APP_USER} LOGIN PASSWORD '{password}'")
    # As Neon's owner role (neon_superuser's CREATEROLE): it makes the app's other roles.
    sql(f"ALTER ROLE {APP_USER} CREATEROLE")
    if sql(f"SELECT 1 FROM pg_database WHERE datname = '{PG_DATABASE}'") != "1":  # noqa: S608
        sql(f"CREATE DATABASE {PG_DATABASE} OWNER {APP_USER}")


def role_passwords(layout: Layout) -> dict[str, str]:
    """The app's and the state store's role passwords, made once like the others."""
    return {
        role: made_once(root(layout) / f"{role}-password", lambda: secrets.token_hex(16))
        for role in (PG_APP_ROLE, PG_DAPR_ROLE)
    }


def owner_connection(layout: Layout) -> str:
    """The owner's libpq connection string from the host (psql), TLS verified."""
    return (
        f"host={HOST_IP} port={PG_PORT} user={APP_USER} dbname={PG_DATABASE} "
        f"sslmode=verify-full sslrootcert={ca_file(layout)} connect_timeout=10"
    )


def create_roles(layout: Layout) -> None:
    """The documented step (docs/deploy.md "Database roles"), run as a cloud user runs it:
    db-roles.sql with psql, as the database's owner, over verified TLS."""
    passwords = role_passwords(layout)
    app, dapr = (PG_APP_ROLE, passwords[PG_APP_ROLE]), (PG_DAPR_ROLE, passwords[PG_DAPR_ROLE])
    argv = ["psql", owner_connection(layout), *db_roles_args(app, dapr)]
    env = {"PGPASSWORD": credentials(layout).postgres, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise StackError(f"creating the database roles failed: {proc.stderr.strip()}")


def migrations_database_url(layout: Layout) -> str:
    """The migrations Job's URL: the owner, TLS with the server's certificate checked
    against the CA and its name."""
    creds = credentials(layout)
    return (
        f"postgresql://{APP_USER}:{creds.postgres}@{HOST_IP}:{PG_PORT}/{PG_DATABASE}"
        "?sslmode=verify-full"
    )


def database_url(layout: Layout) -> str:
    """The apps' URL: their role of least privilege, TLS verified as above."""
    password = role_passwords(layout)[PG_APP_ROLE]
    return (
        f"postgresql://{PG_APP_ROLE}:{password}@{HOST_IP}:{PG_PORT}/{PG_DATABASE}"
        "?sslmode=verify-full"
    )


def state_connection(layout: Layout) -> str:
    """The state store's: Dapr's own role, TLS verified (pgx reads PGSSLROOTCERT)."""
    password = role_passwords(layout)[PG_DAPR_ROLE]
    return (
        f"host={HOST_IP} port={PG_PORT} user={PG_DAPR_ROLE} password={password} "
        f"dbname={PG_DATABASE} sslmode=verify-full connect_timeout=10"
    )


def stop(layout: Layout) -> None:
    for name in ("cloud-kafka", "cloud-postgres"):
        processes.stop(layout.run_dir, name, timeout=15)


def ensure_running(layout: Layout) -> None:
    start_postgres(layout)
    start_kafka(layout)
