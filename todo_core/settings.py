"""Runtime settings, read once from the environment (12-factor), shared by web and worker."""

from functools import lru_cache
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Query parameters libpq understands but asyncpg does not; hosted PostgreSQL (Neon) puts them
# in the connection strings it hands out, so we translate or drop them instead of failing.
_LIBPQ_ONLY_PARAMS = {"channel_binding", "options", "connect_timeout"}
# A role name the migrations can put into GRANT statements as it is: lower case, unquoted.
_ROLE_NAME = r"^[a-z_][a-z0-9_]{0,62}$"


def to_asyncpg_url(url: str) -> str:
    """Normalise a PostgreSQL URL to the SQLAlchemy asyncpg dialect.

    Accepts postgres://, postgresql://, postgresql+psycopg:// and postgresql+asyncpg://;
    `sslmode=` becomes asyncpg's `ssl=`.
    """
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise ValueError("DATABASE_URL must be a postgresql:// URL")
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "sslmode":
            query.append(("ssl", value))
        elif key not in _LIBPQ_ONLY_PARAMS:
            query.append((key, value))
    return urlunsplit(
        ("postgresql+asyncpg", parts.netloc, parts.path, urlencode(query), parts.fragment)
    )


class Settings(BaseSettings):
    """Everything configurable; names match the environment variables (case-insensitive)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: str = "postgresql+asyncpg://postgres@localhost:5432/todo"
    db_pool_size: int = Field(default=5, ge=1, le=100)
    db_echo: bool = False
    # The database roles the migrations grant to (docs/deploy.md "Database roles"): the apps
    # connect as `db_app_role` (reads and writes on the app's tables, no DDL), Dapr's state
    # store as `db_dapr_role` (its own schema `dapr` only). Migrations run as the owner.
    db_app_role: str = Field(default="todo_app", pattern=_ROLE_NAME)
    db_dapr_role: str = Field(default="todo_dapr", pattern=_ROLE_NAME)

    # Traces (todo_core/telemetry.py): a Zipkin span endpoint (empty = tracing off) and the
    # share of new traces kept (a trace begun upstream keeps its caller's decision).
    tracing_endpoint: str = ""
    tracing_sampling_rate: float = Field(default=1.0, ge=0.0, le=1.0)

    log_format: Literal["text", "json"] = "text"
    log_level: Literal["TRACE", "DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Sessions end after this long in any case (absolute lifetime) and after this long without
    # use (idle timeout): ASVS 3.3.2 at level 2 asks for 12 hours and 30 minutes.
    session_ttl_seconds: int = Field(default=12 * 3600, ge=60)
    session_idle_seconds: int = Field(default=30 * 60, ge=60)
    # How often an open tab re-checks its session, so one ended elsewhere (password change,
    # sign-out everywhere) stops it within seconds even while the user does nothing.
    session_recheck_seconds: float = Field(default=3.0, gt=0, le=60)
    # How long a request waits for its session record. The state store's declared
    # resiliency retries for up to ~20 s while PostgreSQL is away; a request answers 503
    # well before that (a healthy read takes milliseconds).
    session_read_timeout_seconds: float = Field(default=2.0, gt=0)

    # The assistant's conversations (chat:{id} in the state store) expire this long after
    # their last message; each keeps at most this many turns (a message and its reply are two).
    chat_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    chat_max_turns: int = Field(default=50, ge=2, le=1000)
    # The optional language model: the name of a Dapr conversation component (empty = off,
    # the built-in parser answers), how long one model call may take, and how many rounds of
    # tool calls one message may use.
    assistant_model_component: str = ""
    assistant_model_timeout_seconds: float = Field(default=15.0, gt=0)
    assistant_model_max_rounds: int = Field(default=3, ge=1, le=10)

    # Bounds on what one user or one request can make the service hold: a request body
    # (413 beyond it), open tasks and conversations per user (a clear 409 when reached).
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    max_tasks_per_user: int = Field(default=10_000, ge=1)
    max_conversations_per_user: int = Field(default=200, ge=1)

    # Where users reach the app (https://todo.example.com). Its origin is the one CORS allows;
    # https there makes the session cookie `__Host-` and always Secure, and adds HSTS. Empty:
    # the app's own origin is the Host it was asked under (local runs).
    public_url: str = ""
    # Reverse proxies in front of the app that each append to X-Forwarded-For; the client
    # address is read from that header only when this is set (0: the peer's address).
    trusted_proxy_hops: int = Field(default=0, ge=0, le=5)
    # The interactive API docs (/docs, /openapi.json): off unless asked for.
    api_docs: bool = False

    # Throttling: where the counts live ("redis://…" shares them between replicas; empty: this
    # process's memory, at most `throttle_memory_max_keys` counters), and each limit in the
    # `limits` notation ("5/15 minutes"), per account and per client address.
    throttle_storage_url: str = ""
    throttle_memory_max_keys: int = Field(default=100_000, ge=100)
    throttle_sign_in_per_account: str = "5/15 minutes"
    throttle_sign_in_per_address: str = "20/15 minutes"
    throttle_sign_up_per_account: str = "3/hour"
    throttle_sign_up_per_address: str = "20/hour"
    throttle_password_per_account: str = "5/15 minutes"  # noqa: S105 (a rate)
    throttle_password_per_address: str = "20/15 minutes"  # noqa: S105 (a rate)

    # Dapr component names: they must match deploy/dapr/components/*.yaml.
    pubsub_name: str = "pubsub"
    statestore_name: str = "statestore"

    outbox_sweep_seconds: float = Field(default=10.0, gt=0)
    outbox_batch_size: int = Field(default=100, ge=1, le=1000)
    # A broker outage of a minute should not leave events waiting minutes after it ends.
    outbox_max_backoff_seconds: float = Field(default=30.0, gt=0)
    # How long published outbox rows are kept before the hourly purge (default a week).
    outbox_retention_hours: float = Field(default=168.0, gt=0)

    @field_validator("database_url")
    @classmethod
    def _asyncpg_url(cls, value: str) -> str:
        return to_asyncpg_url(value)

    @field_validator("public_url")
    @classmethod
    def _public_origin(cls, value: str) -> str:
        parts = urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.netloc):
            raise ValueError("PUBLIC_URL must be an http:// or https:// URL, or empty")
        return value.rstrip("/")

    @field_validator(
        "throttle_sign_in_per_account",
        "throttle_sign_in_per_address",
        "throttle_sign_up_per_account",
        "throttle_sign_up_per_address",
        "throttle_password_per_account",
        "throttle_password_per_address",
    )
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"not a rate like '5/15 minutes': {value!r}") from exc
        return value

    @property
    def public_origin(self) -> str:
        """scheme://host[:port] of `public_url` ("" when unset)."""
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}" if self.public_url else ""

    @property
    def public_https(self) -> bool:
        return self.public_url.startswith("https://")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call `get_settings.cache_clear()` after changing env."""
    return Settings()
