"""The outbox between the front and the platform (nothing the user typed
is lost): submissions are stored first, delivered with their idempotency key, and
retried with back-off until the platform confirms."""
from __future__ import annotations

from flask import Flask

from . import worker
from .model import DELIVERED, FAILED, PENDING, OutboxRow
from .queue import Outbox, backoff, is_permanent

__all__ = ["DELIVERED", "FAILED", "PENDING", "Outbox", "OutboxRow", "backoff",
           "init_app", "is_permanent"]


def init_app(app: Flask, front_db) -> None:
    app.extensions["outbox"] = Outbox(front_db, lambda: app.extensions["platform"],
                                      clock=lambda: app.extensions["clock"](),
                                      files=app.extensions["uploads"])
    worker.init_app(app)
