"""Sign-in throttling: failed attempts per email and per client address, in memory.

One web replica keeps its own counts; with several replicas each counts separately, which
still bounds guessing (replicas × limit), documented in the README."""

import time
from collections import defaultdict, deque

WINDOW_SECONDS = 15 * 60
MAX_PER_EMAIL = 5
MAX_PER_ADDRESS = 20


class LoginThrottle:
    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._now = time.monotonic

    def _recent(self, key: str) -> deque[float]:
        attempts = self._failures[key]
        cutoff = self._now() - WINDOW_SECONDS
        while attempts and attempts[0] < cutoff:
            attempts.popleft()
        return attempts

    def retry_after(self, email: str, address: str) -> int:
        """Seconds to wait before trying again, 0 if allowed now."""
        waits = []
        for key, limit in ((f"e:{email}", MAX_PER_EMAIL), (f"a:{address}", MAX_PER_ADDRESS)):
            attempts = self._recent(key)
            if len(attempts) >= limit:
                waits.append(int(attempts[0] + WINDOW_SECONDS - self._now()) + 1)
        return max(waits, default=0)

    def failed(self, email: str, address: str) -> None:
        now = self._now()
        self._failures[f"e:{email}"].append(now)
        self._failures[f"a:{address}"].append(now)

    def succeeded(self, email: str) -> None:
        self._failures.pop(f"e:{email}", None)


throttle = LoginThrottle()
