"""What the figures were measured on: machine, versions, date."""

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from devstack import versions

PACKAGES = ("reflex", "fastapi", "dapr", "sqlmodel", "asyncpg", "confluent-kafka", "playwright")


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def _mem_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return 0.0


def _command_version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "?"


def _pinned() -> dict[str, str]:
    # devstack pins the runtime parts; read whatever constants it exposes.
    return {
        k.lower(): str(v)
        for k, v in vars(versions).items()
        if k.isupper() and isinstance(v, str) and len(v) < 60
    }


def describe() -> dict[str, Any]:
    pkgs = {}
    for name in PACKAGES:
        try:
            pkgs[name] = version(name)
        except PackageNotFoundError:
            pkgs[name] = "absent"
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu": _cpu_model(),
            "cores": os.cpu_count(),
            "memory_gb": _mem_gb(),
            "kernel": platform.release(),
            "os": platform.platform(),
        },
        "python": platform.python_version(),
        "packages": pkgs,
        "runtime": {
            **_pinned(),
            "postgres": _command_version(["psql", "--version"]),
            "chromium": _command_version(["/usr/bin/chromium", "--version"]),
        },
    }
