"""The platform unreachable, for the audit's outage states and the pytest suite's
(tests/faults.py re-exports UnreachablePlatform): one fault, defined once."""
from __future__ import annotations

import contextlib

from app.platform import PlatformUnavailable


class UnreachablePlatform:
    """Every call fails as an unreachable platform's does while `down` is set (the HTTP
    client raises PlatformUnavailable when it cannot connect or its circuit is open);
    `calls` counts the calls by name."""

    def __init__(self, inner):
        self.inner = inner
        self.down = False
        self.calls: dict[str, int] = {}

    def __getattr__(self, name):
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            self.calls[name] = self.calls.get(name, 0) + 1
            if self.down:
                raise PlatformUnavailable(f"{name}: the platform is down")
            return attr(*args, **kwargs)
        return call


@contextlib.contextmanager
def platform_down(app):
    """The local app's government platform unreachable until the block ends (the
    states with platform_down: pages on the front's copies, an application kept)."""
    real = app.extensions["platform"]
    app.extensions["platform"] = unreachable = UnreachablePlatform(real)
    unreachable.down = True
    try:
        yield
    finally:
        app.extensions["platform"] = real
