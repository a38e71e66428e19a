"""The catalogue (services, their forms, life events) for a process that has never
read it from the platform and cannot now: one started, or restarted by gunicorn's
max_requests, while the platform is down. The process keeps what it read in memory
(app/core/platform_cache.py); without this, such a process answered every question
page, check answers and "saved, being sent" with the unavailable page, although the
draft, the answers and the outbox are all in the front.

Each part read from the platform is also kept in the front's store (the account_copy
table, under "catalogue:…", as app/core/account_copies.py keeps who is signed in) and
is used only while the platform cannot be reached, for at most
ACCOUNT_COPY_KEEP_SECONDS; pages then say the platform is down (`g.platform_down`).

Pages keep only what they read; the background job `catalogue_copies` keeps the whole
catalogue in every language (each service and its form, the lists), whenever its version
changes or the copies are half their keep time old. Otherwise a service nobody had opened in
Uyghur since the last restart gave a Uyghur reader the unavailable page during an
outage while a Chinese one went on."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app, g
from sqlalchemy.exc import SQLAlchemyError

from ..platform import LifeEvent, PlatformUnavailable, Question, Service
from ..platform.http.codec import dump, load
from . import background
from .clock import utcnow
from .i18n import LANGUAGES

KINDS = {"life_events": list[LifeEvent], "services": list[Service],
         "service": Service | None, "form_schema": list[Question]}
KEY_LENGTH = 80  # the account_copy table's key
WHOLE = "catalogue:whole"  # the version of the catalogue last kept whole
CHECK_EVERY_SECONDS = 60  # one platform call (the version) a minute
log = logging.getLogger(__name__)


def front_store():
    # Not deps.store: deps imports platform_cache, which imports this module, and the
    # layout test refuses import cycles.
    return current_app.extensions["front_store"]


def copy_key(name: str, args: tuple, kwargs: dict) -> str | None:
    """"catalogue:service:elderly-allowance:zh_Hans_CN"; None if too long to keep."""
    parts = [name, *map(str, args), *(f"{k}={v}" for k, v in sorted(kwargs.items()))]
    key = "catalogue:" + ":".join(parts)
    return key if name in KINDS and len(key) <= KEY_LENGTH else None


def keep(name: str, args: tuple, kwargs: dict, value) -> None:
    """What the platform just answered, for a later process that cannot ask it."""
    key = copy_key(name, args, kwargs)
    # Nothing for an unknown service (a code from the URL): the copies stay as many as
    # the catalogue's parts, whatever anonymous visitors ask for.
    if key is None or not value:
        return
    try:
        front_store().keep_copy(key, {"value": dump(value)})
    except SQLAlchemyError:  # a busy database: the page matters more than the copy
        log.warning("could not keep a copy of %s", key, exc_info=True)


def copy_of(name: str, args: tuple, kwargs: dict):
    """The kept answer; PlatformUnavailable if there is none (or it is too old)."""
    key = copy_key(name, args, kwargs)
    keep_seconds = current_app.config["ACCOUNT_COPY_KEEP_SECONDS"]
    data = front_store().copy_of(key, utcnow() - timedelta(seconds=keep_seconds)) if key else None
    if data is None:
        raise PlatformUnavailable(f"{name}: the platform is down and no copy is kept")
    g.platform_down = True
    return load(KINDS[name], data["value"])


def keep_whole(app) -> int:
    """The background job: every part of the catalogue in every language read from the
    platform and kept, unless the copies are of its current version and younger than
    half the keep time. How many parts were kept (0: nothing to do)."""
    platform = app.extensions["platform"]
    version = platform.catalogue_version()  # PlatformUnavailable: the next round
    half = timedelta(seconds=app.config["ACCOUNT_COPY_KEEP_SECONDS"] / 2)
    kept = front_store().copy_of(WHOLE, utcnow() - half)
    if kept is not None and kept["version"] == version:
        return 0
    parts = 0
    for code, _name in LANGUAGES:
        services = platform.services(code)
        parts += _keep("services", (code,), services) + _keep(
            "life_events", (code,), platform.life_events(code))
        for service in services:
            parts += _keep("service", (service.code, code), platform.service(service.code, code))
            parts += _keep("form_schema", (service.code, code),
                           platform.form_schema(service.code, code))
    front_store().keep_copy(WHOLE, {"version": version})
    return parts


def _keep(name: str, args: tuple, value) -> int:
    keep(name, args, {}, value)
    return 1 if value else 0


def init_app(app) -> None:
    background.register(app, "catalogue_copies", lambda a: CHECK_EVERY_SECONDS, keep_whole)
