"""Texts and e-mails leave through a `Sender`. A deployment plugs in its SMS gateway or
mail relay (YIBAN_MESSAGE_SENDER=package.module:factory, a callable taking the app and
returning a Sender); the embedded default only writes each message into the
`message_outbox` table, where developers read it with `flask messages outbox`."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Protocol

from ..core.clock import utcnow
from ..core.db import Database
from .model import OutgoingRow

CHANNELS = ("sms", "email")


@dataclass(frozen=True)
class Outgoing:
    channel: str  # one of CHANNELS
    recipient: str  # a mobile number or an e-mail address
    body: str  # already free of identifiers; names masked
    message_id: int | None = None  # the in-app message it repeats


class Sender(Protocol):
    def send(self, outgoing: Outgoing) -> None: ...


class OutboxSender:
    """The embedded default: nothing leaves the machine; each message is kept in the
    front's database for developers to read."""

    def __init__(self, db: Database, clock: Callable = utcnow):
        self.db = db
        self.clock = clock

    def send(self, outgoing: Outgoing) -> None:
        if outgoing.channel not in CHANNELS:
            raise ValueError(f"unknown channel {outgoing.channel!r}")
        with self.db.session() as s:
            s.add(OutgoingRow(message_id=outgoing.message_id, channel=outgoing.channel,
                              recipient=outgoing.recipient, body=outgoing.body,
                              created_at=self.clock()))

    def sent(self, limit: int = 50) -> list[OutgoingRow]:
        """The newest messages first."""
        from sqlalchemy import select
        with self.db.session() as s:
            return list(s.scalars(select(OutgoingRow).order_by(OutgoingRow.id.desc())
                                  .limit(limit)))


def load_sender(app, spec: str | None) -> Sender:
    """The configured sender, or the embedded outbox."""
    if not spec:
        return OutboxSender(app.extensions["front_store"].db)
    module, _, name = spec.partition(":")
    factory = getattr(importlib.import_module(module), name or "make_sender")
    return factory(app)
