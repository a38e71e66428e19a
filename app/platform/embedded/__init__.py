"""The embedded reference platform: catalogue, identity and applications on SQLAlchemy.

It is the default `PlatformClient`. The front talks to it only through that
interface, so a remote platform can take its place."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from .. import (Application, Helper, Licence, LifeEvent, LocalText, Material, Matter,
                Option, Person, Question, Service, TimelineEvent, WithdrawRefused)
from ...clock import utcnow
from ...db import Database
from .models import (ApplicationRow, EventRow, HelperRow, LifeEventRow, PersonRow,
                     PlatformBase, ServiceRow)
from .seed import prepare

DEFAULT_LOCALE = "zh_Hans_CN"
WITHDRAW_WINDOW = timedelta(minutes=10)  # MIIT: undo within 10 minutes of submitting
OPEN_STATUSES = ("submitted", "accepted", "in_progress")
NUMBERING_ATTEMPTS = 20  # concurrent submissions race for the next number; the loser retries
CHINA_OFFSET = timedelta(hours=8)  # working days are counted on the Beijing calendar


def text(value, locale: str) -> LocalText | None:
    """Seed text in the asked locale, else Chinese, carrying the language it is in."""
    if value is None:
        return None
    if isinstance(value, dict):
        if locale in value:
            return LocalText(value[locale], locale)
        return LocalText(value[DEFAULT_LOCALE], DEFAULT_LOCALE)
    return LocalText(str(value), DEFAULT_LOCALE)


def login_key(value: str | None) -> str:
    """A login as stored: no spaces anywhere (people type "138 0000 0001"), upper case
    (ID numbers end in X, helper codes are HB…)."""
    return "".join((value or "").split()).upper()


def add_working_days(start: date, days: int) -> date:
    """Promised dates count working days (Monday–Friday; public holidays are not modelled)."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


class EmbeddedPlatform:
    def __init__(self, database_url: str, clock: Callable[[], datetime] = utcnow):
        self.db = Database(database_url, PlatformBase)
        self.clock = clock  # naive UTC; replaceable so tests can move time
        prepare(self.db)

    # ---- catalogue -------------------------------------------------------------
    def life_events(self, locale: str) -> list[LifeEvent]:
        with self.db.session() as s:
            rows = s.scalars(select(LifeEventRow).order_by(LifeEventRow.position))
            return [LifeEvent(r.key, text(r.name, locale)) for r in rows]

    def services(self, locale: str) -> list[Service]:
        with self.db.session() as s:
            rows = s.scalars(select(ServiceRow).order_by(ServiceRow.position))
            return [self._service(r, locale) for r in rows]

    def service(self, code: str, locale: str) -> Service | None:
        with self.db.session() as s:
            row = s.get(ServiceRow, code)
            return self._service(row, locale) if row else None

    def form_schema(self, code: str, locale: str) -> list[Question]:
        with self.db.session() as s:
            row = s.get(ServiceRow, code)
            if row is None:
                return []
            return [self._question(q, locale) for q in row.doc.get("questions", [])]

    @staticmethod
    def _question(q: dict, locale: str) -> Question:
        return Question(
            key=q["key"], type=q["type"], label=text(q["label"], locale),
            hint=text(q.get("hint"), locale), required=q.get("required", True),
            options=tuple(Option(str(o["value"]), text(o["label"], locale),
                                 text(o.get("hint"), locale))
                          for o in q.get("options", [])),
            validation=q.get("validation", {}), prefill=q.get("prefill"),
            show_if=q.get("show_if"))

    @staticmethod
    def _service(row: ServiceRow, locale: str) -> Service:
        d = row.doc
        return Service(
            code=row.code, kind=row.kind, name=text(d["name"], locale),
            summary=text(d.get("summary", ""), locale),
            description=text(d.get("description", ""), locale),
            conditions=text(d.get("conditions", ""), locale),
            life_event=row.life_event, departments=tuple(d.get("departments", [])),
            promise_days=row.promise_days, keywords=tuple(d.get("keywords", [])),
            basic_code=d.get("basic_code"),
            matters=tuple(Matter(text(m["name"], locale), m.get("department", ""),
                                 int(m.get("days", 0))) for m in d.get("matters", [])),
            materials=tuple(Material(text(m["name"], locale), m["source"],
                                     text(m.get("when"), locale), text(m.get("note"), locale))
                            for m in d.get("materials", [])),
            before=d.get("before"), after=d.get("after"))

    # ---- identity --------------------------------------------------------------
    def authenticate(self, login: str, password: str) -> Person | None:
        """Sign in with a mobile number or ID number and a password.

        A real identity provider (e.g. a provincial unified login) would replace this."""
        login = login_key(login)
        with self.db.session() as s:
            row = s.scalar(select(PersonRow).where(
                or_(PersonRow.mobile == login, PersonRow.id_number == login)))
            if row is None or not check_password_hash(row.password_hash, password or ""):
                return None
            return self._person(row)

    def person(self, person_id: str) -> Person | None:
        with self.db.session() as s:
            row = s.get(PersonRow, person_id)
            return self._person(row) if row else None

    @staticmethod
    def _person(row: PersonRow) -> Person:
        return Person(
            id=row.id, name=row.name, gender=row.gender, birth_date=row.birth_date,
            id_number=row.id_number, mobile=row.mobile, address=row.address,
            licences=tuple(Licence(l.type, l.number, l.issued, l.valid_until, dict(l.data))
                           for l in row.licences))

    # ---- helpers -----------------------------------------------------------------
    def authenticate_helper(self, login: str, password: str) -> Helper | None:
        """Sign a helper in with their code or mobile number and their password."""
        with self.db.session() as s:
            row = self._helper_row(s, login)
            if row is None or not check_password_hash(row.password_hash, password or ""):
                return None
            return self._helper(row)

    def helper(self, helper_id: str) -> Helper | None:
        with self.db.session() as s:
            row = s.get(HelperRow, helper_id)
            return self._helper(row) if row else None

    def find_helper(self, code_or_mobile: str) -> Helper | None:
        """The helper a citizen names by code or mobile number when granting consent."""
        with self.db.session() as s:
            row = self._helper_row(s, code_or_mobile)
            return self._helper(row) if row else None

    @staticmethod
    def _helper_row(s, code_or_mobile: str) -> HelperRow | None:
        key = login_key(code_or_mobile)
        if not key:
            return None
        return s.scalar(select(HelperRow).where(
            or_(HelperRow.code == key, HelperRow.mobile == key)))

    @staticmethod
    def _helper(row: HelperRow) -> Helper:
        return Helper(id=row.id, name=row.name, kind=row.kind, organisation=row.organisation,
                      code=row.code, mobile=row.mobile)

    @staticmethod
    def _check_helper(s, acted_by: str | None) -> None:
        # Checked here rather than left to the foreign key: submit() retries on
        # integrity errors, and an unknown helper is not worth retrying.
        if acted_by is not None and s.get(HelperRow, acted_by) is None:
            raise LookupError(acted_by)

    # ---- applications ----------------------------------------------------------
    def submit(self, service_code: str, owner_id: str, answers: dict,
               idempotency_key: str, *, acted_by: str | None = None) -> Application:
        """Create an application once per idempotency key; a repeat returns the first
        (with the first one's answers and sender, whatever the repeat carries)."""
        for _attempt in range(NUMBERING_ATTEMPTS):
            existing = self._by_key(idempotency_key)
            if existing is not None:
                return existing
            try:
                self._insert(service_code, owner_id, answers, idempotency_key, acted_by)
            except IntegrityError:
                # Another submission took this key or this number first: look again.
                continue
            return self._by_key(idempotency_key)
        raise RuntimeError("could not number the application")

    def _insert(self, service_code, owner_id, answers, idempotency_key, acted_by) -> None:
        now = self.clock()
        with self.db.session() as s:
            service = s.get(ServiceRow, service_code)
            if service is None:
                raise LookupError(service_code)
            self._check_helper(s, acted_by)
            local_day = (now + CHINA_OFFSET).date()
            prefix = f"YB{local_day:%Y%m%d}"
            last = s.scalar(select(func.max(ApplicationRow.number))
                            .where(ApplicationRow.number.like(prefix + "%")))
            sequence = int(last[len(prefix):]) + 1 if last else 1
            row = ApplicationRow(
                number=f"{prefix}{sequence:06d}", idempotency_key=idempotency_key,
                service_code=service_code, owner_id=owner_id, status="submitted",
                submitted_at=now, promised_date=add_working_days(local_day, service.promise_days),
                answers=answers, submitted_by=acted_by)
            row.events.append(EventRow(at=now, kind="submitted", acted_by=acted_by))
            s.add(row)

    def _by_key(self, key: str) -> Application | None:
        with self.db.session() as s:
            row = s.scalar(select(ApplicationRow).where(ApplicationRow.idempotency_key == key))
            return self._application(row) if row else None

    def applications_of(self, owner_id: str) -> list[Application]:
        with self.db.session() as s:
            rows = s.scalars(select(ApplicationRow)
                             .where(ApplicationRow.owner_id == owner_id)
                             .order_by(ApplicationRow.submitted_at.desc()))
            return [self._application(r) for r in rows]

    def application(self, number: str, owner_id: str) -> Application | None:
        with self.db.session() as s:
            row = s.get(ApplicationRow, number)
            if row is None or row.owner_id != owner_id:
                return None
            return self._application(row)

    def withdraw(self, number: str, owner_id: str, *,
                 acted_by: str | None = None) -> Application:
        with self.db.session() as s:
            row = s.get(ApplicationRow, number)
            if row is None or row.owner_id != owner_id:
                raise LookupError(number)
            self._check_helper(s, acted_by)
            if not self._application(row).can_withdraw:
                raise WithdrawRefused(number)
            row.status = "withdrawn"
            row.events.append(EventRow(at=self.clock(), kind="withdrawn", acted_by=acted_by))
        return self.application(number, owner_id)

    def _application(self, row: ApplicationRow) -> Application:
        return Application(
            number=row.number, service_code=row.service_code, owner_id=row.owner_id,
            status=row.status, submitted_at=row.submitted_at,
            promised_date=row.promised_date, answers=dict(row.answers),
            timeline=tuple(TimelineEvent(e.at, e.kind, e.department, e.note, e.acted_by)
                           for e in row.events),
            can_withdraw=(row.status in OPEN_STATUSES
                          and self.clock() - row.submitted_at <= WITHDRAW_WINDOW),
            submitted_by=row.submitted_by)

    # ---- the platform's own back office (CLI) -----------------------------------
    def advance(self, number: str | None = None, reject_reason: str | None = None) -> list[str]:
        """Move open applications one step: accepted, then each department, then done.

        Returns the numbers of the applications that moved."""
        moved = []
        with self.db.session() as s:
            query = select(ApplicationRow).where(
                ApplicationRow.status.in_(OPEN_STATUSES))
            if number:
                query = query.where(ApplicationRow.number == number)
            for row in s.scalars(query):
                now = self.clock()
                if reject_reason:
                    row.status = "rejected"
                    row.events.append(EventRow(at=now, kind="rejected", note=reject_reason))
                elif row.status == "submitted":
                    row.status = "accepted"
                    row.events.append(EventRow(at=now, kind="accepted"))
                else:
                    departments = s.get(ServiceRow, row.service_code).doc.get("departments", [])
                    done = {e.department for e in row.events if e.kind == "department"}
                    waiting = [d for d in departments if d not in done]
                    if waiting:
                        row.status = "in_progress"
                        row.events.append(EventRow(at=now, kind="department",
                                                   department=waiting[0]))
                    if len(waiting) <= 1:
                        row.status = "done"
                        row.events.append(EventRow(at=now, kind="done"))
                moved.append(row.number)
        return moved
