"""Fewer platform calls per page.

- The catalogue (life events, services, form schemas) is kept in the process, per
  platform and locale, and dropped when the platform's `catalogue_version()` changes;
  the version is asked at most every CATALOGUE_CHECK_SECONDS (config; 0 asks once per
  request), and kept while the platform is down.
- Within one request the same read (a person, a helper, someone's applications) is
  asked once; any call that changes something forgets what was read.

deps.platform() hands views this per-request view of the platform."""
from __future__ import annotations

import threading
import time
import weakref
from typing import Any

from ..platform import PlatformUnavailable
from . import catalogue_copies

CATALOGUE = frozenset({"life_events", "services", "service", "form_schema"})
MEMOISED = frozenset({"person", "helper", "find_helper", "applications_of", "application"})


class CatalogueCache:
    def __init__(self, check_seconds: float):
        self.check_seconds = check_seconds
        self._values: dict[tuple, Any] = {}
        self._version: str | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def refresh(self, platform) -> None:
        """Ask the platform's version if it is time; forget everything if it changed."""
        now = time.monotonic()
        if now - self._checked < self.check_seconds:
            return
        try:
            version = platform.catalogue_version()
        except PlatformUnavailable:
            if self._version is None:
                raise
            # The platform is down: what was read stays good until it is back, so a
            # citizen can go on answering (app/core/account_copies.py).
            self._checked = now
            return
        with self._lock:
            self._checked = now
            if version != self._version:
                self._values.clear()
                self._version = version

    def current_version(self, platform) -> str | None:
        """The version of what is kept (asking the platform if it is time)."""
        self.refresh(platform)
        return self._version

    def get(self, platform, name: str, args: tuple, kwargs: dict, on_read=None):
        """on_read(value): called when the value was read from the platform."""
        key = (name, args, tuple(sorted(kwargs.items())))
        with self._lock:
            if key in self._values:
                value = self._values[key]
                return list(value) if isinstance(value, list) else value
        value = getattr(platform, name)(*args, **kwargs)
        if on_read is not None:
            on_read(value)
        with self._lock:
            self._values[key] = value
        return list(value) if isinstance(value, list) else value


_caches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def catalogue_cache(platform, check_seconds: float) -> CatalogueCache:
    with _caches_lock:
        cache = _caches.get(platform)
        if cache is None:
            cache = _caches[platform] = CatalogueCache(check_seconds)
        return cache


class RequestPlatform:
    """The platform as one request sees it (see the module docstring)."""

    def __init__(self, platform, check_seconds: float):
        self._platform = platform
        self._catalogue = (catalogue_cache(platform, check_seconds)
                           if hasattr(platform, "catalogue_version") else None)
        self._refreshed = False
        self._memo: dict[tuple, Any] = {}

    def __getattr__(self, name: str):
        attr = getattr(self._platform, name)
        if not callable(attr):
            return attr
        if name in CATALOGUE and self._catalogue is not None:
            def cached(*args, **kwargs):
                try:
                    if not self._refreshed:
                        self._catalogue.refresh(self._platform)
                        self._refreshed = True
                    return self._catalogue.get(
                        self._platform, name, args, kwargs,
                        on_read=lambda value: catalogue_copies.keep(name, args, kwargs, value))
                except PlatformUnavailable:
                    # Never read in this process, and the platform is down: the copy
                    # the front's store keeps (app/core/catalogue_copies.py). The
                    # version is not asked again in this request.
                    self._refreshed = True
                    return catalogue_copies.copy_of(name, args, kwargs)
            return cached
        if name in MEMOISED:
            def memoised(*args, **kwargs):
                key = (name, args, tuple(sorted(kwargs.items())))
                if key not in self._memo:
                    self._memo[key] = attr(*args, **kwargs)
                value = self._memo[key]
                return list(value) if isinstance(value, list) else value
            return memoised

        def changing(*args, **kwargs):
            self._memo.clear()
            return attr(*args, **kwargs)
        return changing
