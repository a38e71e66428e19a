"""Tables of the embedded reference platform (its own database, never read by the front)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ...core.crypto import EncryptedDate, EncryptedJSON, EncryptedString, keyring_of


# A change to these tables needs a revision in app/migrations/platform (docs/migrations.md).


class PlatformBase(DeclarativeBase):
    pass


class EncryptedBytes(EncryptedString):
    """Bytes stored as the text of their Fernet token, so `flask keys rotate`
    (crypto.reencrypt, which rotates every EncryptedString) re-encrypts them too."""

    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else \
            keyring_of(dialect).encrypt_bytes(bytes(value)).decode("ascii")

    def process_result_value(self, value, dialect):
        return None if value is None else keyring_of(dialect).decrypt_bytes(value.encode("ascii"))


class MetaRow(PlatformBase):
    """Facts about the database itself. Held the schema version before migrations;
    kept so older databases keep their rows."""

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
    # Name, date of birth, address and identifiers are stored encrypted (app/core/
    # crypto.py; platform_0002 encrypted the rows from before). Nothing is searched or
    # sorted by name, birth date or address; sign-in finds a person by the keyed hash
    # of the normalised identifier (embedded.login_key).
    name: Mapped[str] = mapped_column(EncryptedString)
    gender: Mapped[str] = mapped_column(String(10))
    birth_date: Mapped[date] = mapped_column(EncryptedDate)
    id_number: Mapped[str] = mapped_column(EncryptedString)
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    mobile: Mapped[str] = mapped_column(EncryptedString)
    mobile_hash: Mapped[str] = mapped_column(String(64), unique=True)
    address: Mapped[str] = mapped_column(EncryptedString)
    password_hash: Mapped[str] = mapped_column(String(200))
    licences: Mapped[list[LicenceRow]] = relationship(order_by="LicenceRow.id")


class LicenceRow(PlatformBase):
    __tablename__ = "licence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    # Licence numbers are often ID numbers; data holds bank accounts, spouses' IDs.
    number: Mapped[str] = mapped_column(EncryptedString)
    issued: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    data: Mapped[dict] = mapped_column(EncryptedJSON)


class HelperRow(PlatformBase):
    """A helper account: community worker, counter clerk, volunteer or family member."""

    __tablename__ = "helper"
    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    organisation: Mapped[str | None] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    mobile: Mapped[str] = mapped_column(EncryptedString)
    mobile_hash: Mapped[str] = mapped_column(String(64), unique=True)
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
    # The whole answer set is one ciphertext: identifiers also turn up in free text.
    answers: Mapped[dict] = mapped_column(EncryptedJSON)
    # The helper who sent it for the owner; None when the owner sent it.
    submitted_by: Mapped[str | None] = mapped_column(ForeignKey("helper.id"))
    events: Mapped[list[EventRow]] = relationship(order_by="EventRow.id")
    parts: Mapped[list[PartRow]] = relationship(order_by="PartRow.position")
    supplements: Mapped[list[SupplementRow]] = relationship(order_by="SupplementRow.id")
    rating: Mapped[RatingRow | None] = relationship()


class EventRow(PlatformBase):
    __tablename__ = "timeline_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_number: Mapped[str] = mapped_column(
        ForeignKey("application.number"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    kind: Mapped[str] = mapped_column(String(30))
    department: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    acted_by: Mapped[str | None] = mapped_column(ForeignKey("helper.id"))  # helper, if one
    supplement_id: Mapped[int | None] = mapped_column(ForeignKey("supplement.id"))
    supplement: Mapped[SupplementRow | None] = relationship()


class PartRow(PlatformBase):
    """One department's part of an application (a bundle has one per department)."""

    __tablename__ = "application_part"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_number: Mapped[str] = mapped_column(
        ForeignKey("application.number"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    department: Mapped[str] = mapped_column(String(40))
    matters: Mapped[list] = mapped_column(JSON)  # names of the matters it handles
    status: Mapped[str] = mapped_column(String(20))
    promised_date: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    refusal_reason: Mapped[str | None] = mapped_column(Text)


class SupplementRow(PlatformBase):
    """补正: a department's request for more, and the citizen's answer."""

    __tablename__ = "supplement"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_number: Mapped[str] = mapped_column(
        ForeignKey("application.number"), index=True)
    department: Mapped[str] = mapped_column(String(40))
    ask: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date | None] = mapped_column(Date)
    wants_file: Mapped[bool] = mapped_column(default=False)
    raised_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The answer may hold anything the citizen wrote: one ciphertext (app/core/crypto.py).
    answer: Mapped[dict | None] = mapped_column(EncryptedJSON)
    answered_by: Mapped[str | None] = mapped_column(ForeignKey("helper.id"))


class RatingRow(PlatformBase):
    """好差评: one rating per application, by its owner (or a helper for them)."""

    __tablename__ = "rating"
    application_number: Mapped[str] = mapped_column(
        ForeignKey("application.number"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)  # 5 非常满意 … 1 非常不满意
    comment: Mapped[str] = mapped_column(EncryptedString, default="")
    rated_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    updated_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    rated_by: Mapped[str | None] = mapped_column(ForeignKey("helper.id"))


class WriteKeyRow(PlatformBase):
    """The idempotency key of a withdrawal, supplement answer or rating (submissions keep
    theirs on the application): the same key again changes nothing."""

    __tablename__ = "write_key"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    operation: Mapped[str] = mapped_column(String(20))  # withdraw | answer_supplement | rate
    application_number: Mapped[str] = mapped_column(ForeignKey("application.number"))
    at: Mapped[datetime] = mapped_column(DateTime)  # UTC


class DocumentRow(PlatformBase):
    """A file an application or a supplement answer brought (app/platform.Document): the
    platform's own copy, encrypted like the rest of what it keeps about people; answers
    name it by id. Once here, the front's copy is no longer needed."""

    __tablename__ = "document"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    application_number: Mapped[str] = mapped_column(
        ForeignKey("application.number"), index=True)
    supplement_id: Mapped[int | None] = mapped_column(ForeignKey("supplement.id"))
    filename: Mapped[str] = mapped_column(EncryptedString)  # names often name people
    media_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))  # of the bytes as received
    content: Mapped[bytes] = mapped_column(EncryptedBytes)
    received_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
