"""Tables of the message centre, in the front's own database."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.crypto import EncryptedJSON, EncryptedString
from ..core.front_store import FrontBase

# Kinds also texted when a helper did it for the citizen (the citizen's own are not).
ACTED_FOR = frozenset({"submitted", "withdrawn"})


class MessageRow(FrontBase):
    """One message to a citizen. Its words are made when it is shown, in the reader's
    language, from `kind` and `params` (application number, service, department …)."""

    __tablename__ = "message"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[str] = mapped_column(String(60), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # A department's note (a refusal reason, what it asks for) can say anything.
    params: Mapped[dict] = mapped_column(EncryptedJSON)
    service_code: Mapped[str | None] = mapped_column(String(60))  # for a helper's scope
    # Each platform event or reminder makes one message, however often it is seen.
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    read_at: Mapped[datetime | None] = mapped_column(DateTime)  # by the citizen
    # Its text: None (not texted), "due" (the background worker sends it), "sent" or
    # "failed" (the gateway refused; the message itself stays). A page only marks it.
    text_state: Mapped[str | None] = mapped_column(String(10), index=True)


class FeedCursor(FrontBase):
    """How far the message centre has read the platform's event feed."""

    __tablename__ = "message_cursor"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class OutgoingRow(FrontBase):
    """The embedded sender's outbox: every text or e-mail that would have gone out.
    Developers read it with `flask messages outbox`."""

    __tablename__ = "message_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int | None] = mapped_column(Integer, index=True)
    channel: Mapped[str] = mapped_column(String(10))  # sms | email
    recipient: Mapped[str] = mapped_column(EncryptedString)  # the number it goes to
    body: Mapped[str] = mapped_column(Text)  # masked names, no identifiers
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
