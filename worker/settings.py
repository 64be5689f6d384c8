"""The worker's own settings (the shared ones — database, logging, component names — come
from todo_core.settings)."""

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class WorkerSettings(BaseSettings):
    """Read from the environment; names match the variables devstack and the chart set."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # The app port on loopback: its only caller is the sidecar, in the same pod (network
    # namespace). The health port on every interface: the kubelet probes it on the pod IP.
    app_port: int = 50051  # the gRPC app-callback port daprd calls
    app_host: str = "127.0.0.1"
    health_port: int = 8081
    health_host: str = "0.0.0.0"
    # Dapr's app API token (the sidecar has the same APP_API_TOKEN): deliveries without it
    # are refused. The chart and the devstack always set it.
    app_api_token: SecretStr = SecretStr("")
    dapr_grpc_port: int = 50001
    # One message may not hold a gRPC thread longer than Dapr's handler timeout (30 s in
    # resiliency.yaml): past this we answer RETRY ourselves.
    handler_timeout_seconds: float = Field(default=25.0, gt=0)
    # SIGTERM: how long in-flight handlers may take to finish before we stop anyway
    # (below Kubernetes' default 30 s grace period).
    shutdown_grace_seconds: float = Field(default=20.0, gt=0)
    # How long the first call waits for the sidecar before it fails (and is retried).
    sidecar_wait_seconds: float = Field(default=30.0, gt=0)
    # Reconciler: every minute, open tasks whose reminder falls in
    # [now - lookback, now + window] and has no notification yet.
    reconcile_seconds: float = Field(default=60.0, gt=0)
    # The push sweep: how often it looks for pushes a killed worker left unsent.
    push_sweep_seconds: float = Field(default=2.0, gt=0)
    reconcile_window_seconds: float = Field(default=3600.0, gt=0)
    reconcile_lookback_seconds: float = Field(default=3600.0, ge=0)
    # Handlers in flight at once. Many only wait on the sidecar (jobs, publishes); those that
    # need the database queue for the pool.
    handler_concurrency: int = Field(default=100, ge=1, le=1000)
    # Database connections: with fewer than the handlers that use the database at once,
    # overflow connections are opened and closed per message. Same variable as the web
    # app's DB_POOL_SIZE, larger default.
    db_pool_size: int = Field(default=24, ge=1, le=100)
    # Bulk subscriptions: daprd delivers up to this many messages of one partition per
    # call, flushing a partition's batch at least this often. Short: the Kafka component
    # runs one bulk batch at a time across all its topics, so small, frequent batches keep
    # a reminder from waiting behind a large one (10 ms: p95 88-175 ms at 50 creates/s,
    # 3 ms: 31-39 ms, and more throughput too).
    bulk_max_messages: int = Field(default=100, ge=1, le=1000)
    bulk_max_await_ms: int = Field(default=3, ge=1, le=1000)
    # Reminder jobs are one per second and shard (worker/jobs.py): a storm on one second
    # is this many triggers, which the scheduler spreads over the worker replicas. Six
    # splits evenly over one, two or three replicas.
    reminder_shards: int = Field(default=6, ge=1, le=64)
    # Notifications recorded per statement when a trigger has many (each batch commits).
    reminder_batch: int = Field(default=500, ge=1, le=10_000)


@lru_cache(maxsize=1)
def get_worker_settings() -> WorkerSettings:
    return WorkerSettings()
