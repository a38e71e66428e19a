"""The front's own data: drafts in progress, answers parked across an expired session,
sign-in throttling and the suggestions a citizen dismissed. The platform never sees
these tables."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Float, Index, Integer, String, bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .crypto import EncryptedJSON, Keyring
from .db import Database
from .clock import utcnow


class FrontBase(DeclarativeBase):
    pass


class Draft(FrontBase):
    __tablename__ = "draft"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(60), index=True)
    service_code: Mapped[str] = mapped_column(String(60))
    # Answers are stored encrypted as a whole (app/core/crypto.py): identifiers can sit in
    # any field, and the front never searches answers.
    answers: Mapped[dict] = mapped_column(EncryptedJSON, default=dict)
    # Posted but not yet validated answers, kept across an expired sign-in or form token.
    pending: Mapped[dict] = mapped_column(EncryptedJSON, default=dict)
    # Sent with the submission so a double click or a resent POST creates one application.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    application_number: Mapped[str | None] = mapped_column(String(30))
    # The helper who last worked on it for the owner (None: the owner themself).
    acted_by: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # When it went into the outbox (app/outbox): from then on it is no longer open,
    # even before the platform has given it an application number.
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


# One open draft per person and service: answers never split over two drafts.
Index("one_open_draft", Draft.owner_id, Draft.service_code, unique=True,
      sqlite_where=Draft.application_number.is_(None) & Draft.sent_at.is_(None),
      postgresql_where=Draft.application_number.is_(None) & Draft.sent_at.is_(None))


class ParkedAnswers(FrontBase):
    """Answers posted when the sign-in had expired or the form token was stale."""

    __tablename__ = "parked_answers"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_code: Mapped[str] = mapped_column(String(60))
    question_key: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict] = mapped_column(EncryptedJSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class SignInFailures(FrontBase):
    __tablename__ = "sign_in_failures"
    # The keyed hash of the login typed (a mobile or ID number), never the login itself.
    login: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(DateTime)


class DismissedSuggestion(FrontBase):
    """A home-page suggestion (服务找人) the citizen asked not to see again. Kept by the
    keyed hash of the suggestion's key (app/proactive/rules.py, `Suggestion.key`), which
    names its reason (a renewal's expiry date, a child's birth date): the date never
    sits here in clear, and a new reason has a new key, so it is shown again."""

    __tablename__ = "dismissed_suggestion"
    person_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_code: Mapped[str] = mapped_column(String(60))
    dismissed_at: Mapped[datetime] = mapped_column(DateTime)


class SessionRevocation(FrontBase):
    """"Sign out everywhere": every session of the account signed in before
    `not_before` (epoch seconds) is ended on its next request (app/auth.py). Kept
    here rather than by searching the session store, so any session backend works."""

    __tablename__ = "session_revocation"
    account: Mapped[str] = mapped_column(String(80), primary_key=True)
    not_before: Mapped[float] = mapped_column(Float)


class AccountCopy(FrontBase):
    """Who is signed in, as the platform last told the front (app/core/account_copies.py),
    and each part of the catalogue (app/core/catalogue_copies.py, keys "catalogue:…"):
    used only while the platform cannot be reached, so a citizen can go on and send."""

    __tablename__ = "account_copy"
    # "person:…", "helper:…", "catalogue:…"
    account: Mapped[str] = mapped_column(String(80), primary_key=True)
    data: Mapped[dict] = mapped_column(EncryptedJSON)
    fetched_at: Mapped[datetime] = mapped_column(DateTime, index=True)


# The reads every signed-in page makes, built once: a statement built per call costs
# more in SQLAlchemy's construction and cache key than the query costs in the database.
OPEN_DRAFT = select(Draft.__table__).where(
    Draft.owner_id == bindparam("owner_id"), Draft.service_code == bindparam("service_code"),
    Draft.application_number.is_(None), Draft.sent_at.is_(None))
SESSIONS_REVOKED_AT = select(SessionRevocation.not_before).where(
    SessionRevocation.account == bindparam("account"))


class FrontStore:
    def __init__(self, database_url: str, keyring: Keyring | None = None):
        # Its tables come from the migrations (app/migrations/front): drafts are
        # citizens' work and outlive every upgrade.
        self.db = Database(database_url, FrontBase, keyring)

    # ---- drafts ----
    def open_draft(self, owner_id: str, service_code: str) -> Draft | None:
        # Read for every question page and check answers: one statement, without the
        # ORM's unit of work (most of the read's cost). Drafts are written by id
        # (save_answers, keep_pending, ...), so the copy returned is never flushed.
        with self.db.engine.connect() as c:
            row = c.execute(OPEN_DRAFT, {"owner_id": owner_id,
                                         "service_code": service_code}).first()
        return None if row is None else Draft(**row._mapping)

    def open_drafts(self, owner_id: str) -> list[Draft]:
        with self.db.session() as s:
            return list(s.scalars(select(Draft).where(
                Draft.owner_id == owner_id, Draft.application_number.is_(None),
                Draft.sent_at.is_(None)).order_by(Draft.updated_at.desc())))

    def start_draft(self, owner_id: str, service_code: str, acted_by: str | None = None) -> Draft:
        """The open draft, started if there is none. Idempotent under concurrency: of
        two starts at once the unique index lets one insert, the other reads it."""
        existing = self.open_draft(owner_id, service_code)
        if existing:
            return existing
        now = utcnow()
        draft = Draft(owner_id=owner_id, service_code=service_code, answers={}, pending={},
                      submission_key=secrets.token_hex(16), acted_by=acted_by,
                      created_at=now, updated_at=now)
        try:
            with self.db.session() as s:
                s.add(draft)
        except IntegrityError:
            return self.open_draft(owner_id, service_code)
        return draft

    def draft_by_key(self, owner_id: str, submission_key: str) -> Draft | None:
        with self.db.session() as s:
            return s.scalar(select(Draft).where(Draft.owner_id == owner_id,
                                                Draft.submission_key == submission_key))

    def save_answers(self, draft_id: int, answers: dict, acted_by: str | None = None,
                     forget: frozenset = frozenset()) -> None:
        """Save validated answers; they replace whatever was pending for those questions.
        The answers of `forget` go (an answer derived from one that changed)."""
        with self.db.session() as s:
            draft = s.get(Draft, draft_id)
            draft.acted_by = acted_by
            draft.answers = {k: v for k, v in {**draft.answers, **answers}.items()
                             if k not in forget}
            draft.pending = {k: v for k, v in draft.pending.items() if k not in answers}
            draft.updated_at = utcnow()

    def keep_pending(self, draft_id: int, question_key: str, formdata: dict) -> None:
        with self.db.session() as s:
            draft = s.get(Draft, draft_id)
            draft.pending = {**draft.pending, question_key: formdata}
            draft.updated_at = utcnow()

    def mark_submitted(self, draft_id: int, application_number: str) -> None:
        with self.db.session() as s:
            s.get(Draft, draft_id).application_number = application_number

    # ---- parked answers ----
    def park(self, service_code: str, question_key: str, data: dict,
             keep_for: timedelta) -> str:
        """Park answers for after sign-in; rows older than `keep_for` go at the same time."""
        token = secrets.token_urlsafe(24)
        self.prune_parked(keep_for)
        with self.db.session() as s:
            s.add(ParkedAnswers(token=token, service_code=service_code,
                                question_key=question_key, data=data, created_at=utcnow()))
        return token

    def unpark(self, token: str, keep_for: timedelta) -> ParkedAnswers | None:
        with self.db.session() as s:
            parked = s.get(ParkedAnswers, token)
            if parked is None:
                return None
            s.delete(parked)
            return parked if parked.created_at > utcnow() - keep_for else None

    def prune_parked(self, keep_for: timedelta) -> int:
        """Delete parked answers older than `keep_for`; how many went."""
        with self.db.session() as s:
            return s.execute(delete(ParkedAnswers).where(
                ParkedAnswers.created_at <= utcnow() - keep_for)).rowcount

    # ---- sign out everywhere ----
    def revoke_sessions(self, account: str, at: float) -> None:
        with self.db.session() as s:
            row = s.get(SessionRevocation, account)
            if row is None:
                s.add(SessionRevocation(account=account, not_before=at))
            else:
                row.not_before = at

    def sessions_revoked_at(self, account: str) -> float | None:
        # Asked on every signed-in request: one column, without the ORM's unit of work.
        with self.db.engine.connect() as c:
            return c.scalar(SESSIONS_REVOKED_AT, {"account": account})

    # ---- dismissed suggestions (服务找人) ----
    def dismissed_suggestions(self, person_id: str) -> set[str]:
        """The keyed hashes of the suggestions the citizen dismissed."""
        with self.db.session() as s:
            return set(s.scalars(select(DismissedSuggestion.key_hash)
                                 .where(DismissedSuggestion.person_id == person_id)))

    def suggestion_hash(self, key: str) -> str:
        return self.db.keyring.lookup(f"suggestion:{key}")

    def dismiss_suggestion(self, person_id: str, service_code: str, key: str) -> None:
        """Dismiss one suggestion. Earlier dismissals for the same service are dropped:
        their reason has changed, so they can never match again."""
        hashed = self.suggestion_hash(key)
        with self.db.session() as s:
            s.execute(delete(DismissedSuggestion).where(
                DismissedSuggestion.person_id == person_id,
                DismissedSuggestion.service_code == service_code))
            s.add(DismissedSuggestion(person_id=person_id, key_hash=hashed,
                                      service_code=service_code, dismissed_at=utcnow()))

    # ---- sign-in throttling (rows keyed by the login's keyed hash) ----
    def failures(self, login: str) -> SignInFailures | None:
        with self.db.session() as s:
            return s.get(SignInFailures, self.db.keyring.lookup(login))

    def record_failure(self, login: str) -> None:
        hashed = self.db.keyring.lookup(login)
        with self.db.session() as s:
            row = s.get(SignInFailures, hashed)
            if row is None:
                row = SignInFailures(login=hashed, count=0)
                s.add(row)
            row.count += 1
            row.last_at = utcnow()

    def clear_failures(self, login: str) -> None:
        with self.db.session() as s:
            row = s.get(SignInFailures, self.db.keyring.lookup(login))
            if row is not None:
                s.delete(row)

    # ---- copies of signed-in accounts ----
    def keep_copy(self, account: str, data: dict) -> None:
        try:
            with self.db.session() as s:
                s.merge(AccountCopy(account=account, data=data, fetched_at=utcnow()))
        except IntegrityError:
            pass  # another process stored its copy of the same account at the same moment

    def copy_of(self, account: str, fetched_after: datetime) -> dict | None:
        with self.db.session() as s:
            row = s.get(AccountCopy, account)
            return row.data if row is not None and row.fetched_at > fetched_after else None

    def forget_copy(self, account: str) -> None:
        with self.db.session() as s:
            s.execute(delete(AccountCopy).where(AccountCopy.account == account))

    def prune_copies(self, fetched_before: datetime) -> int:
        with self.db.session() as s:
            return s.execute(delete(AccountCopy)
                             .where(AccountCopy.fetched_at < fetched_before)).rowcount
