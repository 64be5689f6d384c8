"""`sudo python -m bench.pipeline_time [--cold]`: how long the release path takes here, step
by step, as deploy.yml runs it (SC-006: within 10 minutes): lint, unit and deploy tests,
build both images, push them, release and smoke-test, on the running local cluster.

Warm (the default) is the everyday case: one line of app code changed, so only the app
layers are rebuilt and pushed. `--cold` first forgets the app images (archives, buildah's
copies, the registry's blobs stay: a new registry would be colder still), as a first run
has none. The figures go to bench/pipeline.json; docs/deploy.md quotes them.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from devstack.cluster import images, lifecycle
from devstack.config import REPO_ROOT

# A line the warm run adds to an app module and takes away again.
TOUCHED = REPO_ROOT / "todo_web" / "api" / "health.py"
MARK = "# pipeline_time: a one-line change\n"


def _timed(label: str, argv: list[str]) -> float:
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"{label} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    print(f"{label}: {elapsed:.0f}s", flush=True)
    return elapsed


def _forget_app_images() -> None:
    for archive in images.images_dir().glob("todo-w*.tar"):
        archive.unlink()
        archive.with_suffix(".id").unlink(missing_ok=True)
    listing = subprocess.run(
        images.buildah("images", "--format", "{{.Name}}:{{.Tag}}"),
        capture_output=True, text=True, env=images.buildah_env(), check=False,
    )  # fmt: skip
    for ref in listing.stdout.split():
        if ref.startswith(images.APP_IMAGES):
            subprocess.run(images.buildah("rmi", "-f", ref), capture_output=True,
                           env=images.buildah_env(), check=False)  # fmt: skip


def measure(cold: bool) -> dict[str, float]:
    py = sys.executable
    tests = [py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit", "tests/deploy"]
    figures = {
        "lint": _timed("lint", [py, "-m", "ruff", "check", "."])
        + _timed("format", [py, "-m", "ruff", "format", "--check", "."]),
        "unit_and_deploy_tests": _timed("unit and deploy tests", tests),
    }
    if cold:
        _forget_app_images()
    else:
        TOUCHED.write_text(TOUCHED.read_text() + MARK)
    try:
        started = time.monotonic()
        archives = images.ensure_images()
        figures["build"] = time.monotonic() - started
        cluster = lifecycle.prepare()
        started = time.monotonic()
        lifecycle.install_app(cluster, archives)  # push, then the release entry point
        figures["push_deploy_smoke"] = time.monotonic() - started
    finally:
        if not cold:
            TOUCHED.write_text(TOUCHED.read_text().replace(MARK, ""))
    figures["total"] = sum(figures.values())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline_time")
    parser.add_argument("--cold", action="store_true", help="without app images")
    args = parser.parse_args()
    kind = "cold" if args.cold else "warm"
    figures = measure(args.cold)
    out = Path(__file__).parent / "pipeline.json"
    results = json.loads(out.read_text()) if out.exists() else {}
    results[kind] = {k: round(v, 1) for k, v in figures.items()}
    results[kind]["measured"] = time.strftime("%Y-%m-%d %H:%M")
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({kind: results[kind]}, indent=2))


if __name__ == "__main__":
    main()
