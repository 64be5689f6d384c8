"""devstack's trace and metrics stores: what daprd, the apps and the scraper are told."""

import dataclasses
from pathlib import Path

import pytest
import yaml

from devstack import config, observability
from devstack.errors import StackError


@pytest.fixture
def cfg(tmp_path: Path) -> config.StackConfig:
    return config.load({"TODO_STACK": "test-x", "TODO_DATA_DIR": str(tmp_path)})


def test_daprd_traces_to_this_stacks_zipkin(cfg) -> None:
    doc = yaml.safe_load(observability.dapr_config(cfg).read_text())
    port = cfg.port("TODO_ZIPKIN_PORT")
    assert doc["spec"]["tracing"] == {
        "samplingRate": "1.0",
        "zipkin": {"endpointAddress": f"http://127.0.0.1:{port}/api/v2/spans"},
    }
    # Everything else is the one Configuration, unchanged.
    source = yaml.safe_load(observability.DAPR_CONFIG.read_text())
    assert {k: v for k, v in doc["spec"].items() if k != "tracing"} == {
        k: v for k, v in source["spec"].items() if k != "tracing"
    }


def test_without_observability_daprd_and_the_apps_do_not_trace(cfg) -> None:
    off = dataclasses.replace(cfg, observability=False)
    doc = yaml.safe_load(observability.dapr_config(off).read_text())
    assert doc["spec"]["tracing"] == {"samplingRate": "0"}
    assert observability.app_env(off) == {"TRACING_ENDPOINT": ""}
    assert observability.urls(off) == {}


def test_every_metrics_endpoint_is_scraped(cfg) -> None:
    scrape = observability.scrape_config(cfg)
    targets = {
        t for job in scrape["scrape_configs"] for c in job["static_configs"] for t in c["targets"]
    }
    wanted = [v for v in config.PORTS if v.endswith(("METRICS_PORT", "HEALTH_PORT"))]
    # Not the scheduler's health port, nor the metrics store's own.
    skip = {"TODO_SCHEDULER_HEALTH_PORT", "TODO_METRICS_PORT"}
    wanted = [v for v in wanted if v not in skip] + ["TODO_WEB_PORT"]
    assert {f"127.0.0.1:{cfg.port(v)}" for v in wanted} == targets


@pytest.mark.parametrize(
    ("env", "name"),
    [({"TODO_OBSERVABILITY": "yes"}, "TODO_OBSERVABILITY"),
     ({"TODO_TRACING_SAMPLING_RATE": "2"}, "TODO_TRACING_SAMPLING_RATE"),
     ({"TODO_TRACING_SAMPLING_RATE": "all"}, "TODO_TRACING_SAMPLING_RATE")],
)  # fmt: skip
def test_bad_settings_name_their_variable(env, name) -> None:
    with pytest.raises(StackError, match=name):
        config.load(env)
