"""Dapr state store save and get through the web app's sidecar (state.postgresql)."""

import json
import time
import uuid

from bench import dapr_client
from bench.stats import Figure
from devstack.config import StackConfig


async def save_and_get(cfg: StackConfig, n: int) -> tuple[Figure, Figure]:
    save = Figure(
        "state_save", "Dapr state save (sidecar → PostgreSQL)", "ms", "p95 200 ms", "p95 ≤ 5 ms"
    )
    get = Figure(
        "state_get", "Dapr state get (sidecar → PostgreSQL)", "ms", "p95 200 ms", "p95 ≤ 5 ms"
    )
    # The shape of a real session record.
    value = json.dumps({"user_id": str(uuid.uuid4()), "created": "2030-01-01T00:00:00+00:00",
                        "expires": "2030-01-08T00:00:00+00:00"})  # fmt: skip
    async with dapr_client.connect(cfg) as dapr:
        for i in range(-20, n):  # the first calls open connections: warm-up, not measured
            key = f"bench:{uuid.uuid4()}"
            t0 = time.perf_counter()
            await dapr.save_state("statestore", key, value)
            t1 = time.perf_counter()
            item = await dapr.get_state("statestore", key)
            t2 = time.perf_counter()
            assert item.data, "the state just saved was not read back"
            if i >= 0:
                save.samples.append((t1 - t0) * 1000)
                get.samples.append((t2 - t1) * 1000)
    return save, get
