"""The embedded reference platform: catalogue, identity and applications on SQLAlchemy.

It is the default `PlatformClient`. The front talks to it only through that
interface, so a remote platform can take its place."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from .. import (Application, Licence, LifeEvent, LocalText, Material, Matter, Option,
                Person, Question, Service, TimelineEvent, WithdrawRefused)
from ...clock import utcnow
from ...db import Database
from .models import (ApplicationRow, EventRow, LifeEventRow, PersonRow, PlatformBase,
                     ServiceRow)
from .seed import seed_if_empty

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
        with self.db.session() as session:
            seed_if_empty(session)

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
        login = (login or "").strip().upper()
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

    # ---- applications ----------------------------------------------------------
    def submit(self, service_code: str, owner_id: str, answers: dict,
               idempotency_key: str) -> Application:
        """Create an application once per idempotency key; a repeat returns the first."""
        for _attempt in range(NUMBERING_ATTEMPTS):
            existing = self._by_key(idempotency_key)
            if existing is not None:
                return existing
            try:
                self._insert(service_code, owner_id, answers, idempotency_key)
            except IntegrityError:
                # Another submission took this key or this number first: look again.
                continue
            return self._by_key(idempotency_key)
        raise RuntimeError("could not number the application")

    def _insert(self, service_code, owner_id, answers, idempotency_key) -> None:
        now = self.clock()
        with self.db.session() as s:
            service = s.get(ServiceRow, service_code)
            if service is None:
                raise LookupError(service_code)
            local_day = (now + CHINA_OFFSET).date()
            prefix = f"YB{local_day:%Y%m%d}"
            last = s.scalar(select(func.max(ApplicationRow.number))
                            .where(ApplicationRow.number.like(prefix + "%")))
            sequence = int(last[len(prefix):]) + 1 if last else 1
            row = ApplicationRow(
                number=f"{prefix}{sequence:06d}", idempotency_key=idempotency_key,
                service_code=service_code, owner_id=owner_id, status="submitted",
                submitted_at=now, promised_date=add_working_days(local_day, service.promise_days),
                answers=answers)
            row.events.append(EventRow(at=now, kind="submitted"))
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

    def withdraw(self, number: str, owner_id: str) -> Application:
        with self.db.session() as s:
            row = s.get(ApplicationRow, number)
            if row is None or row.owner_id != owner_id:
                raise LookupError(number)
            if not self._application(row).can_withdraw:
                raise WithdrawRefused(number)
            row.status = "withdrawn"
            row.events.append(EventRow(at=self.clock(), kind="withdrawn"))
        return self.application(number, owner_id)

    def _application(self, row: ApplicationRow) -> Application:
        return Application(
            number=row.number, service_code=row.service_code, owner_id=row.owner_id,
            status=row.status, submitted_at=row.submitted_at,
            promised_date=row.promised_date, answers=dict(row.answers),
            timeline=tuple(TimelineEvent(e.at, e.kind, e.department, e.note)
                           for e in row.events),
            can_withdraw=(row.status in OPEN_STATUSES
                          and self.clock() - row.submitted_at <= WITHDRAW_WINDOW))

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
