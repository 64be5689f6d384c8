"""Benchmarks of the real local stack (`make bench`, i.e. `python -m bench`).

Each figure of issue 7 is one module; `__main__` starts a fresh stack of its own
(TODO_STACK=bench), runs them, writes results.json, RESULTS.md and a chart, and stops it.
"""
