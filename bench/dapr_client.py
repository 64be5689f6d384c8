"""A Dapr client on one of the stack's sidecars, as an app beside it would have."""

from dapr.aio.clients import DaprClient

from devstack.config import StackConfig


def connect(cfg: StackConfig, prefix: str = "TODO_WEB") -> DaprClient:
    # The SDK waits for the sidecar's HTTP health endpoint, found through global settings.
    from dapr.conf import settings

    settings.DAPR_HTTP_PORT = cfg.port(f"{prefix}_DAPR_HTTP_PORT")
    return DaprClient(address=f"127.0.0.1:{cfg.port(f'{prefix}_DAPR_GRPC_PORT')}")
