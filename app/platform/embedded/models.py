"""Tables of the embedded reference platform (its own database, never read by the front)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


# Bump on any change to these tables. The embedded database only holds demo data, so a
# database of another version is dropped, re-created and seeded again on start-up
# rather than migrated (developers keep old SQLite files around).
SCHEMA_VERSION = 2


class PlatformBase(DeclarativeBase):
    pass


class MetaRow(PlatformBase):
    """Facts about the database itself, such as its schema version."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class LifeEventRow(PlatformBase):
    __tablename__ = "life_event"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[dict] = mapped_column(JSON)


class ServiceRow(PlatformBase):
    """A catalogue entry; `doc` keeps its translatable texts, matters, materials and
    resolved questions exactly as the seed describes them."""

    __tablename__ = "service"
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    life_event: Mapped[str] = mapped_column(ForeignKey("life_event.key"))
    promise_days: Mapped[int] = mapped_column(Integer)
    doc: Mapped[dict] = mapped_column(JSON)


class PersonRow(PlatformBase):
    __tablename__ = "person"
    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    gender: Mapped[str] = mapped_column(String(10))
    birth_date: Mapped[date] = mapped_column(Date)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    mobile: Mapped[str] = mapped_column(String(11), unique=True)
    address: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(String(200))
    licences: Mapped[list[LicenceRow]] = relationship(order_by="LicenceRow.id")


class LicenceRow(PlatformBase):
    __tablename__ = "licence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(60))
    issued: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    data: Mapped[dict] = mapped_column(JSON)


class HelperRow(PlatformBase):
    """A helper account: community worker, counter clerk, volunteer or family member."""

    __tablename__ = "helper"
    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    organisation: Mapped[str | None] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    mobile: Mapped[str] = mapped_column(String(11), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))


class ApplicationRow(PlatformBase):
    __tablename__ = "application"
    number: Mapped[str] = mapped_column(String(30), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    service_code: Mapped[str] = mapped_column(ForeignKey("service.code"))
    owner_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    submitted_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    promised_date: Mapped[date] = mapped_column(Date)
    answers: Mapped[dict] = mapped_column(JSON)
    # The helper who sent it for the owner; None when the owner sent it.
    submitted_by: Mapped[str | None] = mapped_column(ForeignKey("helper.id"))
    events: Mapped[list[EventRow]] = relationship(order_by="EventRow.id")


class EventRow(PlatformBase):
    __tablename__ = "timeline_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_number: Mapped[str] = mapped_column(
        ForeignKey("application.number"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    kind: Mapped[str] = mapped_column(String(20))
    department: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    acted_by: Mapped[str | None] = mapped_column(ForeignKey("helper.id"))  # helper, if one
