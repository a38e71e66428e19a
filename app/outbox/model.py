"""The outbox table: a submission stored in the front's own database before the
platform has confirmed it, so that nothing a citizen sent is lost to a fault."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.crypto import EncryptedJSON
from ..core.front_store import FrontBase

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed_permanently"


class OutboxRow(FrontBase):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int | None] = mapped_column(Integer, index=True)
    owner_id: Mapped[str] = mapped_column(String(60), index=True)
    acted_by: Mapped[str | None] = mapped_column(String(60))  # the helper who sent it
    service_code: Mapped[str] = mapped_column(String(60))
    # The answers as they were sent: later edits of anything cannot change them.
    answers: Mapped[dict] = mapped_column(EncryptedJSON)
    # The draft's submission key: unique here (a double click stores one row) and sent
    # to the platform (a repeated delivery creates no second application).
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(20), index=True)  # PENDING | DELIVERED | FAILED
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, index=True)  # UTC
    # A process delivering the row holds it until then; a crashed one lets go by itself.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))  # an error's kind, no data
    application_number: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC: when it was saved
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
