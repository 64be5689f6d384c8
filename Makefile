# Two commands set everything up on a fresh machine: `make run` and `make test`.
# Everything slow to fetch or build is cached in $(TODO_CACHE_DIR) (default ~/.cache/todo-devstack).

SHELL := /bin/bash
export TODO_CACHE_DIR ?= $(HOME)/.cache/todo-devstack
PY := $(TODO_CACHE_DIR)/venv/bin/python
DEVSTACK := $(PY) -m devstack

.PHONY: help install provision up down clean status logs run test test-unit lint format lock bench \
	cluster cluster-down cluster-status test-cluster release-local rehearse-cloud

help:
	@echo "make run      start the whole system and follow its logs (Ctrl-C stops it)"
	@echo "make test     run the whole test suite on its own stack"
	@echo "make up | down | clean | status [JSON=1] | logs | lint | format | lock | bench"
	@echo "make cluster | cluster-down | cluster-status [JSON=1] | release-local | rehearse-cloud   (local Kubernetes, root)"

install:
	@python3 devstack/python_env.py >/dev/null

provision: install
	@$(DEVSTACK) provision --browser

up: install
	@$(DEVSTACK) up

down: install
	@$(DEVSTACK) down

clean: install
	@$(DEVSTACK) clean

status: install
	@$(DEVSTACK) status $(if $(JSON),--json,)

logs: install
	@$(DEVSTACK) logs

run: install
	@$(DEVSTACK) run

# The cluster's parts are not provisioned here: its test session builds them in the
# background, at the lowest priority (devstack/cluster/prebuild.py), and its tests run beside
# the local stack's (devstack/suites.py). PYTEST_ARGS: one pytest run of those instead.
test: install
	@$(DEVSTACK) provision --browser
	@$(DEVSTACK) test $(PYTEST_ARGS)

# The cluster's part of `make test` alone (pr.yml runs this): nothing to overlap, so its
# builds run in front, with their progress lines.
test-cluster: install
	@$(DEVSTACK) provision --browser --cluster
	@$(PY) -m pytest tests/cluster $(PYTEST_ARGS)

test-unit: install
	@$(PY) -m pytest tests/unit $(PYTEST_ARGS)

# mypy's cache lives beside the other slow things, so a fresh clone (CI) starts warm.
lint: install
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .
	@$(PY) -m mypy --cache-dir "$(TODO_CACHE_DIR)/mypy"

format: install
	@$(PY) -m ruff format .
	@$(PY) -m ruff check --fix .

# Both locks from pyproject.toml with the pinned uv (devstack/versions.py UV): the dev one
# first, then the runtime one constrained by it so the two cannot pin a package apart.
# Add --upgrade-package NAME to the first command to move a pin.
UV := $(TODO_CACHE_DIR)/venv/bin/uv
lock: install
	@$(UV) pip compile -q pyproject.toml --group dev --generate-hashes --python-version 3.11 -o requirements.lock
	@$(UV) pip compile -q pyproject.toml -c requirements.lock --generate-hashes --python-version 3.11 -o requirements-runtime.lock

bench: install
	@$(DEVSTACK) provision --browser
	@$(PY) -m bench

cluster: install
	@$(DEVSTACK) cluster up

# Build, push to the cluster's registry and release with the workflow's entry point.
release-local: install
	@$(DEVSTACK) cluster release

# values-cloud.yaml against cloud-shaped Kafka (SASL_SSL) and PostgreSQL (TLS) beside the
# cluster, into namespace todo-cloud (docs/deploy.md, "Rehearse a cloud release here").
rehearse-cloud: install
	@$(DEVSTACK) cluster rehearse

cluster-down: install
	@$(DEVSTACK) cluster down

cluster-status: install
	@$(DEVSTACK) cluster status $(if $(JSON),--json,)
