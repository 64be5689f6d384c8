"""`todo-worker`: the console entry point (the container and the devstack both run it)."""

from todo_core.logging import configure_logging
from todo_core.settings import get_settings
from todo_core.telemetry import configure_tracing
from worker.service import Worker
from worker.settings import get_worker_settings


def main() -> None:
    settings = get_settings()
    configure_logging(settings)
    # Before the worker builds its engine and sidecar channel: both are instrumented.
    configure_tracing("todo-worker", settings)
    Worker(settings, get_worker_settings()).run()


if __name__ == "__main__":
    main()
