"""Stacks that run at the same time on one machine never share a port: a developer's
`make up`, the test suite's stack, the small stacks tests/integration/test_devstack.py starts
beside it, and `make bench`'s (each is its base ports moved by a shift)."""

import itertools

from bench.stack import BENCH_ENV
from devstack import config
from tests.integration.test_devstack import SMALL_STACK_SHIFT

SHIFTS = {
    "make up": 0,
    "make test": config.TEST_PORT_SHIFT,
    "test_devstack's small stacks": SMALL_STACK_SHIFT,
    "make bench": int(BENCH_ENV["TODO_PORT_SHIFT"]),
}


def _ports(shift: int) -> set[int]:
    return set(config.load({"TODO_STACK": "x", "TODO_PORT_SHIFT": str(shift)}).ports.values())


def test_no_two_stacks_share_a_port() -> None:
    for (a, shift_a), (b, shift_b) in itertools.combinations(SHIFTS.items(), 2):
        shared = _ports(shift_a) & _ports(shift_b)
        assert not shared, f"{a} and {b} both use {sorted(shared)}"


def test_every_port_is_a_port() -> None:
    assert all(0 < port < 65536 for shift in SHIFTS.values() for port in _ports(shift))
