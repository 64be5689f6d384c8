"""Runtime settings, read once from the environment (12-factor), shared by web and worker."""

from functools import lru_cache
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Query parameters libpq understands but asyncpg does not; hosted PostgreSQL (Neon) puts them
# in the connection strings it hands out, so we translate or drop them instead of failing.
_LIBPQ_ONLY_PARAMS = {"channel_binding", "options", "connect_timeout"}


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

    # Traces (todo_core/telemetry.py): a Zipkin span endpoint (empty = tracing off) and the
    # share of new traces kept (a trace begun upstream keeps its caller's decision).
    tracing_endpoint: str = ""
    tracing_sampling_rate: float = Field(default=1.0, ge=0.0, le=1.0)

    log_format: Literal["text", "json"] = "text"
    log_level: Literal["TRACE", "DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    session_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
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

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call `get_settings.cache_clear()` after changing env."""
    return Settings()
