"""Accessors for what create_app put on the app, so views do not reach into extensions."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, g, has_request_context
from flask_babel import get_locale

from ..platform import PlatformClient
from .front_store import FrontStore
from .platform_cache import RequestPlatform

if TYPE_CHECKING:  # the consent register is a feature's; core only hands it out
    from ..assisted.consent import Consents


def platform() -> PlatformClient:
    """The platform, as this request sees it: catalogue from memory, each read once
    (app/core/platform_cache.py). Outside a request, the platform itself."""
    real = current_app.extensions["platform"]
    if not has_request_context():
        return real
    seen = g.get("_platform")
    if seen is None or seen._platform is not real:
        seen = g._platform = RequestPlatform(
            real, current_app.config.get("CATALOGUE_CHECK_SECONDS", 5.0))
    return seen


def store() -> FrontStore:
    return current_app.extensions["front_store"]


def locale() -> str:
    return str(get_locale())


def outbox():
    """The outbox between the front and the platform (app/outbox)."""
    return current_app.extensions["outbox"]


def consents() -> "Consents":
    return current_app.extensions["consents"]


def now():
    """The front's clock (naive UTC), replaceable so tests can fix the day."""
    return current_app.extensions["clock"]()
