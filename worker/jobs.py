"""Dapr job names, and routing every `reminder-*` trigger to one handler.

The SDK's servicer looks job handlers up by exact name in a dict (`_job_event_map`), and a
name it does not know is answered UNIMPLEMENTED. Our reminder jobs are named per task
(`reminder-{task_id}`), so registering each name at schedule time would not survive a
restart, and would break with two replicas (the scheduler may trigger a job on any
instance of the app id). Instead the servicer's map is replaced by `JobRoutes`, a dict that
also resolves registered prefixes. This relies on dapr-ext-grpc 1.18.3's servicer reading
the map with `in` and `[]` only; tests/unit/test_worker_jobs.py pins that behaviour.
"""

from collections.abc import Callable
from uuid import UUID

from dapr.clients.grpc._request import JobEvent
from dapr.ext.grpc import App

JobHandler = Callable[[JobEvent], None]

REMINDER_JOB_PREFIX = "reminder-"


def reminder_job_name(task_id: UUID) -> str:
    return f"{REMINDER_JOB_PREFIX}{task_id}"


def task_id_of_job(name: str) -> UUID:
    """The task a reminder job belongs to; ValueError for any other name."""
    if not name.startswith(REMINDER_JOB_PREFIX):
        raise ValueError(f"not a reminder job: {name!r}")
    return UUID(name.removeprefix(REMINDER_JOB_PREFIX))


class JobRoutes(dict[str, JobHandler]):
    """Exact job names (as the SDK registers them) first, then the longest matching prefix."""

    def __init__(self, exact: dict[str, JobHandler] | None = None) -> None:
        super().__init__(exact or {})
        self._prefixes: dict[str, JobHandler] = {}

    def add_prefix(self, prefix: str, handler: JobHandler) -> None:
        if not prefix:
            raise ValueError("a job prefix must not be empty")
        self._prefixes[prefix] = handler

    def _by_prefix(self, name: str) -> JobHandler | None:
        matches = [p for p in self._prefixes if name.startswith(p)]
        return self._prefixes[max(matches, key=len)] if matches else None

    def __contains__(self, name: object) -> bool:
        if super().__contains__(name):
            return True
        return isinstance(name, str) and self._by_prefix(name) is not None

    def __missing__(self, name: str) -> JobHandler:
        handler = self._by_prefix(name)
        if handler is None:
            raise KeyError(name)
        return handler


def route_job_prefix(app: App, prefix: str, handler: JobHandler) -> None:
    """Send every job whose name starts with `prefix` to `handler`."""
    servicer = app._servicer  # noqa: SLF001 (see the module docstring)
    routes = servicer._job_event_map  # noqa: SLF001
    if not isinstance(routes, JobRoutes):
        routes = JobRoutes(routes)
        servicer._job_event_map = routes  # noqa: SLF001
    routes.add_prefix(prefix, handler)
