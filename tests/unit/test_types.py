"""The code base type-checks: mypy over what pyproject.toml's [tool.mypy] names, as
`make lint` runs it, so `make test` fails on a type error too. Its cache is the one
`make lint` uses ($TODO_CACHE_DIR/mypy, outside the clone)."""

import subprocess
import sys
from pathlib import Path

from devstack.config import cache_dir

REPO = Path(__file__).resolve().parents[2]


def test_mypy_finds_no_errors() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache_dir() / "mypy")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
