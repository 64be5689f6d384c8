"""A Dapr client on one of the stack's sidecars, as an app beside it would have."""

from dapr.aio.clients import DaprClient

from devstack.config import StackConfig


def connect(cfg: StackConfig, prefix: str = "TODO_WEB") -> DaprClient:
    # The SDK waits for the sidecar's HTTP health endpoint, found through global settings.
    from dapr.conf import settings

    # The SDK's Settings sets its attributes at run time from dapr.conf.global_settings.
    settings.DAPR_HTTP_PORT = cfg.port(f"{prefix}_DAPR_HTTP_PORT")  # type: ignore[attr-defined]
    return DaprClient(address=f"127.0.0.1:{cfg.port(f'{prefix}_DAPR_GRPC_PORT')}")
