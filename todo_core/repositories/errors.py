"""Errors the repositories raise; the web layer maps them to HTTP statuses."""


class NotFound(LookupError):
    """No such row for this user (another user's row looks exactly like a missing one) → 404."""


class StaleVersion(Exception):
    """The client edited an old version of the task → 409; `current` is the latest version."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the task changed meanwhile (now version {current})")
        self.current = current


class TaskDone(Exception):
    """A change that only an open task takes (snoozing its reminder) → 409 `task_done`."""


class EmailTaken(ValueError):
    """An account with this email exists → 409 (or a field error on `email`)."""


class QuotaReached(Exception):
    """The user already holds as many tasks or conversations as an account may → 409."""


class WrongPassword(ValueError):
    """The current password did not match → 400/403 (field `current_password`)."""


class Untrusted(ValueError):
    """A message disagrees with the database (a forged or impossible event): the worker drops
    it and logs why at WARNING. The message only names a task; the database is the truth."""
