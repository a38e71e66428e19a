"""Citizens' consent to helpers, and the access log: the front's own record of who may
act for a citizen and of everyone who looked at or changed a citizen's data.

The platform knows who helpers are (`PlatformClient.helper`); whether a helper may do
something for a citizen right now is decided here, by `Consents.active`, on every
request. Both tables live in the front's database (`FrontBase`), never the platform's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Callable, TypeVar

from sqlalchemy import JSON, DateTime, Integer, String, func, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..core.clock import utcnow
from ..core.db import Database
from ..core.front_store import FrontBase
from .log_seal import Checkpoint, Checkpoints, Verdict, canonical, check, legacy_digest

MIN_HOURS = 1
MAX_HOURS = 30 * 24  # an authorisation lasts at most 30 days
METHODS = ("remote", "in_person")  # granted from the citizen's account / on the helper's device
STATES = ("active", "expired", "revoked")
ACTOR_KINDS = ("citizen", "helper", "staff", "system")
ACTIONS = frozenset({
    "view_profile", "view_applications", "view_application", "view_draft",
    "start_draft", "save_answer", "submit", "withdraw", "supplement",
    "grant", "revoke", "view_messages", "rate",
    "view_suggestions", "text_number", "view_page",
})
GENESIS = ""  # the previous hash of the first entry in the log
APPEND_ATTEMPTS = 20
# Fields covered by an entry's hash, in the order they are written.
LOGGED_FIELDS = ("citizen_id", "actor_id", "actor_kind", "action", "object_ref", "at")
# A run of 11+ digits standing on its own is a mobile, ID, card or bank number; an
# application number (YB…) is glued to its letters and passes.
_PERSONAL_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{10,}[0-9Xx]")

T = TypeVar("T")


class GrantRefused(ValueError):
    """A grant that cannot be made. `reason` is a code the page translates:
    hours_not_whole, hours_too_few, hours_too_many, method_unknown, no_services."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class AuthorisationNotFound(LookupError):
    """No such authorisation granted by this citizen (the two cases are not told
    apart, so a citizen cannot probe other citizens' authorisations)."""


# ---- tables ------------------------------------------------------------------------
class AuthorisationRow(FrontBase):
    __tablename__ = "helper_authorisation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[str] = mapped_column(String(60), index=True)
    helper_id: Mapped[str] = mapped_column(String(60), index=True)
    # Sorted service codes; SQL NULL means every service.
    services: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    method: Mapped[str] = mapped_column(String(10))
    granted_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)  # UTC
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)  # UTC


class AccessLogRow(FrontBase):
    """One entry of the append-only log. `hash` = HMAC-SHA256 under the access-log key
    `key_id` of prev_hash + canonical JSON of LOGGED_FIELDS (app/assisted/log_seal.py;
    entries from before keys: `key_id` NULL, plain sha256); `prev_hash` is unique, so
    two writers can never both extend the chain from the same entry (the log cannot
    fork)."""

    __tablename__ = "access_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[str] = mapped_column(String(60), index=True)
    actor_id: Mapped[str] = mapped_column(String(60))
    actor_kind: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(30))
    object_ref: Mapped[str | None] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(16))


# ---- what callers get ----------------------------------------------------------------
@dataclass(frozen=True)
class Authorisation:
    id: int
    citizen_id: str
    helper_id: str
    services: tuple[str, ...] | None  # None: every service
    method: str  # one of METHODS
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    state: str  # one of STATES, as of when it was read

    def covers(self, service_code: str | None) -> bool:
        """Whether the scope includes the service (None asks about no service in particular)."""
        return service_code is None or self.services is None or service_code in self.services


@dataclass(frozen=True)
class AccessEntry:
    id: int
    citizen_id: str
    actor_id: str
    actor_kind: str  # one of ACTOR_KINDS
    action: str  # one of ACTIONS
    object_ref: str | None  # an application number, a service code or authorisation:<id>
    at: datetime


def authorisation_ref(authorisation_id: int) -> str:
    """The object_ref of grant and revoke entries."""
    return f"authorisation:{authorisation_id}"


# ---- the store -----------------------------------------------------------------------
class Consents:
    def __init__(self, db: Database, checkpoints: Checkpoints, checkpoint_every: int = 20,
                 clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.checkpoints = checkpoints  # outside the database, signed (log_seal.py)
        self.keys = checkpoints.keys
        self.checkpoint_every = checkpoint_every
        self.clock = clock  # naive UTC; replaceable so tests can move time

    # ---- authorisations ----
    def grant(self, citizen_id: str, helper_id: str, services: list[str] | None,
              hours: int, method: str) -> Authorisation:
        """Let a helper act for the citizen for `hours`, in the given services (None:
        all). The caller has checked who the citizen is and that the helper exists.
        Logged as a "grant" by the citizen."""
        scope = _scope(services)
        _check_hours(hours)
        if method not in METHODS:
            raise GrantRefused("method_unknown")

        def add(s: Session) -> Authorisation:
            now = self.clock()
            row = AuthorisationRow(citizen_id=citizen_id, helper_id=helper_id,
                                   services=scope, method=method, granted_at=now,
                                   expires_at=now + timedelta(hours=hours))
            s.add(row)
            s.flush()  # the id, for the log entry
            self._append(s, citizen_id, citizen_id, "citizen", "grant",
                         authorisation_ref(row.id), now)
            return _authorisation(row, now)

        return self._chained(add)

    def revoke(self, authorisation_id: int, citizen_id: str) -> Authorisation:
        """End an authorisation now; only the citizen who granted it can. Ending one
        that has already ended changes nothing."""
        def end(s: Session) -> Authorisation:
            row = s.get(AuthorisationRow, authorisation_id)
            if row is None or row.citizen_id != citizen_id:
                raise AuthorisationNotFound(authorisation_id)
            now = self.clock()
            if _state(row, now) == "active":
                row.revoked_at = now
                self._append(s, citizen_id, citizen_id, "citizen", "revoke",
                             authorisation_ref(row.id), now)
            return _authorisation(row, now)

        return self._chained(end)

    def authorisation(self, authorisation_id: int, citizen_id: str) -> Authorisation | None:
        """One of the citizen's authorisations (e.g. to describe a log entry)."""
        now = self.clock()
        with self.db.session() as s:
            row = s.get(AuthorisationRow, authorisation_id)
            if row is None or row.citizen_id != citizen_id:
                return None
            return _authorisation(row, now)

    def authorisations_of_citizen(self, citizen_id: str) -> list[Authorisation]:
        """Every authorisation the citizen granted, in any state, newest first."""
        now = self.clock()
        with self.db.session() as s:
            rows = s.scalars(select(AuthorisationRow)
                             .where(AuthorisationRow.citizen_id == citizen_id)
                             .order_by(AuthorisationRow.granted_at.desc(),
                                       AuthorisationRow.id.desc()))
            return [_authorisation(r, now) for r in rows]

    def authorisations_for_helper(self, helper_id: str) -> list[Authorisation]:
        """The helper's active authorisations, newest first."""
        return self._active_of_helper(helper_id, self.clock())

    def active(self, helper_id: str, citizen_id: str, service_code: str | None = None,
               at: datetime | None = None) -> Authorisation | None:
        """The one server-side check: the authorisation under which the helper may act
        for the citizen (in `service_code`, if given) at `at` (default now), or None.

        Expiry and revocation take effect at their instant: an authorisation whose
        expires_at or revoked_at is not after `at` no longer counts. When several
        match, the one lasting longest is returned."""
        at = _naive_utc(at) if at is not None else self.clock()
        matching = [a for a in self._active_of_helper(helper_id, at, citizen_id)
                    if a.covers(service_code)]
        return max(matching, key=lambda a: a.expires_at, default=None)

    def expiring_soon(self, helper_id: str,
                      within: timedelta = timedelta(hours=24)) -> list[Authorisation]:
        """The helper's active authorisations ending within `within`, soonest first."""
        now = self.clock()
        soon = [a for a in self._active_of_helper(helper_id, now)
                if a.expires_at <= now + within]
        return sorted(soon, key=lambda a: (a.expires_at, a.id))

    def _active_of_helper(self, helper_id: str, at: datetime,
                          citizen_id: str | None = None) -> list[Authorisation]:
        with self.db.session() as s:
            # The SQL only narrows the candidates; _state alone says what is active.
            query = (select(AuthorisationRow)
                     .where(AuthorisationRow.helper_id == helper_id,
                            AuthorisationRow.expires_at > at)
                     .order_by(AuthorisationRow.granted_at.desc(), AuthorisationRow.id.desc()))
            if citizen_id is not None:
                query = query.where(AuthorisationRow.citizen_id == citizen_id)
            return [_authorisation(r, at) for r in s.scalars(query)
                    if _state(r, at) == "active"]

    # ---- access log ----
    def record_access(self, citizen_id: str, actor_id: str, actor_kind: str, action: str,
                      object_ref: str | None = None,
                      at: datetime | None = None) -> AccessEntry:
        """Append an entry: `actor` viewed or changed the citizen's data. Refer to
        applications by number and services by code, never by personal numbers."""
        if actor_kind not in ACTOR_KINDS:
            raise ValueError(f"unknown actor kind {actor_kind!r}")
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        if object_ref is not None and _PERSONAL_NUMBER.search(object_ref):
            raise ValueError("an access-log reference must not carry a personal number")
        when = _naive_utc(at) if at is not None else self.clock()
        return self._chained(lambda s: _entry(self._append(
            s, citizen_id, actor_id, actor_kind, action, object_ref, when)))

    def access_log_of(self, citizen_id: str, limit: int | None = None) -> list[AccessEntry]:
        """Everything recorded about the citizen's data, newest first."""
        with self.db.session() as s:
            query = (select(AccessLogRow).where(AccessLogRow.citizen_id == citizen_id)
                     .order_by(AccessLogRow.at.desc(), AccessLogRow.id.desc()).limit(limit))
            return [_entry(r) for r in s.scalars(query)]

    def verify_chain(self, checkpoints: Checkpoints | None = None) -> Verdict:
        """Check every entry against its key and the chain, and the log against every
        checkpoint (the app's, or a copy kept elsewhere): names the first entry altered,
        removed from under its successor or inserted out of turn, entries cut off the
        end, or a forged checkpoint."""
        # `at` is read as stored, so a tampered, unreadable time is reported, not raised.
        columns = [getattr(AccessLogRow, name) for name in LOGGED_FIELDS if name != "at"]
        query = (select(AccessLogRow.id, AccessLogRow.prev_hash, AccessLogRow.hash,
                        AccessLogRow.key_id, *columns,
                        type_coerce(AccessLogRow.at, String).label("at"))
                 .order_by(AccessLogRow.id).execution_options(yield_per=500))
        with self.db.session() as s:
            return check(s.execute(query), self.keys, checkpoints or self.checkpoints,
                         self._hash_holds)

    def checkpoint(self) -> Checkpoint:
        """Write a signed checkpoint of the log as it is now (`flask access-log
        checkpoint`, from cron): bounds how much of the end could be cut unnoticed."""
        with self.db.session() as s:
            return self._checkpoint(s)

    def _checkpoint(self, s: Session) -> Checkpoint:
        # One statement, so the count and the head are of the same moment whatever the
        # database's isolation.
        count, head, legacy = s.execute(select(
            select(func.count()).select_from(AccessLogRow).scalar_subquery(),
            select(AccessLogRow.hash).order_by(AccessLogRow.id.desc()).limit(1)
            .scalar_subquery(),
            select(func.count()).select_from(AccessLogRow)
            .where(AccessLogRow.key_id.is_(None)).scalar_subquery())).one()
        return self.checkpoints.write(count, head or GENESIS, legacy,
                                      _canonical_time(self.clock()))

    def _append(self, s: Session, citizen_id: str, actor_id: str, actor_kind: str,
                action: str, object_ref: str | None, at: datetime) -> AccessLogRow:
        last = s.execute(select(AccessLogRow.hash, AccessLogRow.key_id)
                         .order_by(AccessLogRow.id.desc()).limit(1)).first()
        if last is not None and last.key_id is None and self.checkpoints.is_empty():
            # The first keyed entry after an upgrade: seal the entries chained without a
            # key as they are (their count and head), before anything follows them.
            self._checkpoint(s)
        row = AccessLogRow(citizen_id=citizen_id, actor_id=actor_id, actor_kind=actor_kind,
                           action=action, object_ref=object_ref, at=at,
                           prev_hash=last.hash if last else GENESIS, key_id=self.keys.newest)
        row.hash = self._digest(row.prev_hash, row, row.key_id)
        s.add(row)
        s.flush()  # a taken prev_hash fails here, inside the retry below
        # With the first entry and every so many: once committed (see _chained).
        s.info["checkpoint_due"] = last is None or row.id % self.checkpoint_every == 0
        return row

    def _chained(self, work: Callable[[Session], T]) -> T:
        """Run `work`, which appends to the log, in one transaction, so a change and
        its log entry land together or not at all. Whatever the database, the unique
        prev_hash refuses the second of two writers that read the same head; that
        writer tries again on the new head."""
        for _attempt in range(APPEND_ATTEMPTS):
            try:
                with self.db.session() as s:
                    self._lock_chain(s)
                    done = work(s)
                if s.info.get("checkpoint_due"):
                    self.checkpoint()
                return done
            except IntegrityError as error:
                conflict = error
        raise conflict

    def _digest(self, prev_hash: str, record, key_id: str | None) -> str:
        """The hash an entry must have: keyed, or (key_id None) as before keys."""
        fields = {name: getattr(record, name) for name in LOGGED_FIELDS}
        fields["at"] = _canonical_time(fields["at"])
        if key_id is None:
            return legacy_digest(prev_hash, canonical(fields))
        return self.keys.sign(prev_hash + canonical(fields), key_id)

    def _hash_holds(self, entry) -> bool:
        try:
            return entry.hash == self._digest(entry.prev_hash, entry, entry.key_id)
        except (TypeError, ValueError):  # a time that is no longer a time
            return False

    @staticmethod
    def _lock_chain(s: Session) -> None:
        """On SQLite take the write lock before the head is read, so concurrent
        appends queue for it instead of racing and retrying."""
        if s.get_bind().dialect.name == "sqlite":
            s.connection().exec_driver_sql("BEGIN IMMEDIATE")


# ---- small pure helpers -----------------------------------------------------------------
def _scope(services: list[str] | None) -> list[str] | None:
    if services is None:
        return None
    if isinstance(services, str):  # a lone code would otherwise become its letters
        services = [services]
    codes = sorted({str(code) for code in services})
    if not codes:
        raise GrantRefused("no_services")
    return codes


def _check_hours(hours) -> None:
    if isinstance(hours, bool) or not isinstance(hours, int):
        raise GrantRefused("hours_not_whole")
    if hours < MIN_HOURS:
        raise GrantRefused("hours_too_few")
    if hours > MAX_HOURS:
        raise GrantRefused("hours_too_many")


def _state(row: AuthorisationRow, at: datetime) -> str:
    """The single definition of an authorisation's state at a moment."""
    if row.revoked_at is not None and row.revoked_at <= at:
        return "revoked"
    if row.expires_at <= at:
        return "expired"
    return "active"


def _authorisation(row: AuthorisationRow, at: datetime) -> Authorisation:
    return Authorisation(
        id=row.id, citizen_id=row.citizen_id, helper_id=row.helper_id,
        services=tuple(row.services) if row.services is not None else None,
        method=row.method, granted_at=row.granted_at, expires_at=row.expires_at,
        revoked_at=row.revoked_at, state=_state(row, at))


def _entry(row: AccessLogRow) -> AccessEntry:
    return AccessEntry(id=row.id, **{name: getattr(row, name) for name in LOGGED_FIELDS})


def _canonical_time(value: datetime | str) -> str:
    # Microseconds always written, so a time read back from the database (as a
    # datetime, or as the text it is stored as) hashes the same as when it was written.
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(value)  # as SQLite stores it; ValueError if garbled
    return value.isoformat(timespec="microseconds")


def _naive_utc(at: datetime) -> datetime:
    """Both stores keep naive UTC; an aware time is converted rather than misread."""
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
