"""Fault injection at the platform boundary: a PlatformClient that wraps the real
(embedded) one and makes `submit` fail as a test says. Everything else passes
through, so the rest of the app sees the real platform."""
from __future__ import annotations

import threading
import time

from a11y_tests.outage import UnreachablePlatform  # noqa: F401 - one definition, shared
from app.platform import PlatformUnavailable


class ProcessKilled(BaseException):
    """Stands for the app process dying mid-request: a BaseException, so no
    `except Exception` in the app catches it (as nothing catches a SIGKILL)."""


class FlakyPlatform:
    def __init__(self, inner):
        self.inner = inner
        self.down = False  # every submit fails until set back to False
        self.delay = 0.0  # seconds each submit takes (to widen races)
        self.calls = 0  # submits asked for, failed ones included
        self._failures: list[BaseException] = []  # raised one per submit, in order
        self._lose_answers = 0  # submits that commit on the platform, then raise
        self._lock = threading.Lock()

    def fail_next(self, *errors: BaseException) -> None:
        """The next submits raise these, one each, before any reaches the platform."""
        self._failures.extend(errors)

    def lose_answers(self, times: int = 1) -> None:
        """The platform takes the next submits, but the answer never comes back."""
        self._lose_answers += times

    def submit(self, *args, **kwargs):
        with self._lock:
            self.calls += 1
            failure = self._failures.pop(0) if self._failures else None
        if self.delay:
            time.sleep(self.delay)
        if self.down:
            raise PlatformUnavailable("the platform is down")
        if failure is not None:
            raise failure
        application = self.inner.submit(*args, **kwargs)
        with self._lock:
            lost, self._lose_answers = self._lose_answers > 0, max(0, self._lose_answers - 1)
        if lost:
            raise TimeoutError("the platform took it, but its answer was lost")
        return application

    def __getattr__(self, name):
        return getattr(self.inner, name)
