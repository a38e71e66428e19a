"""The embedded reference platform: catalogue, identity and applications on SQLAlchemy.

It is the default `PlatformClient`. The front talks to it only through that
interface, so a remote platform can take its place."""
from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import event, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from werkzeug.security import check_password_hash

from .. import (Application, Document, FeedEvent, Helper, Licence, LifeEvent, LocalText,
                Material, Matter, Option, Part, Person, Question, Rating, RatingRefused,
                Service, Supplement, SupplementClosed, TimelineEvent, Topic,
                WithdrawRefused, IdempotencyKeyReused)
from . import progress
from ...core.clock import utcnow
from ...core.crypto import Keyring, reencrypt
from ...core.db import Database
from ...core.upload_store import stored_names
from .models import (ApplicationRow, DocumentRow, EventRow, HelperRow, LicenceRow,
                     LifeEventRow, MetaRow, PartRow, PersonRow, PlatformBase, RatingRow,
                     ServiceRow, SupplementRow, WriteKeyRow)
from .seed import phrasebook

DEFAULT_LOCALE = "zh_Hans_CN"
CATALOGUE_VERSION = "catalogue_version"
WITHDRAW_WINDOW = timedelta(minutes=10)  # MIIT: undo within 10 minutes of submitting
OPEN_STATUSES = ("submitted", "accepted", "in_progress")
NUMBERING_ATTEMPTS = 20  # concurrent submissions race for the next number; the loser retries
CHINA_OFFSET = timedelta(hours=8)  # working days are counted on the Beijing calendar


def text(value, locale: str) -> LocalText | None:
    """Seed text in the asked locale, else Chinese, carrying the language it is in.

    A value is {locale: text} or plain Chinese; what it lacks the phrasebook
    (seed/translations.yaml, keyed by the Chinese text) may have."""
    if value is None:
        return None
    if isinstance(value, dict):
        if locale in value:
            return LocalText(value[locale], locale)
        source = value[DEFAULT_LOCALE]
    else:
        source = str(value)
    if locale != DEFAULT_LOCALE:
        translated = phrasebook().get(source.strip(), {}).get(locale)
        if translated:
            return LocalText(translated, locale)
    return LocalText(source, DEFAULT_LOCALE)


def bump_catalogue_version_on_change(db: Database) -> None:
    """Any unit of work that adds, changes or removes a service or life event also
    writes a new catalogue version."""
    @event.listens_for(db._sessions, "before_flush")
    def _bump(session, _context, _instances):
        touched = (*session.new, *session.dirty, *session.deleted)
        if any(isinstance(o, (ServiceRow, LifeEventRow)) for o in touched) and not any(
                isinstance(o, MetaRow) and o.key == CATALOGUE_VERSION for o in session.new):
            session.merge(MetaRow(key=CATALOGUE_VERSION, value=uuid.uuid4().hex))


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
    def __init__(self, database_url: str, clock: Callable[[], datetime] = utcnow,
                 keyring: Keyring | None = None):
        # Tables and demo seed come from `flask db upgrade` (app/migrations/platform).
        self.db = Database(database_url, PlatformBase, keyring)
        self.clock = clock  # naive UTC; replaceable so tests can move time
        bump_catalogue_version_on_change(self.db)

    def catalogue_version(self) -> str:
        """Changes whenever a service or life event does (one indexed row read), so the
        front may keep the catalogue in memory and only ask this (app/core/platform_cache.py)."""
        with self.db.session() as s:
            row = s.get(MetaRow, CATALOGUE_VERSION)
            return row.value if row else "0"

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
            show_if=q.get("show_if"), matters=tuple(q.get("matters", ())),
            topic=q.get("topic"), material=q.get("material"))

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
            matters=tuple(Matter(text(m["name"], locale), text(m.get("department", ""), locale),
                                 int(m.get("days", 0)), key=m.get("key", ""),
                                 optional=bool(m.get("optional")),
                                 help=text(m.get("help"), locale),
                                 fields=tuple(m.get("fields", ())),
                                 applies_if=m.get("applies_if"))
                          for m in d.get("matters", [])),
            materials=tuple(Material(text(m["name"], locale), m["source"],
                                     text(m.get("when"), locale), text(m.get("note"), locale),
                                     licence=m.get("licence"))
                            for m in d.get("materials", [])),
            before=d.get("before"), after=d.get("after"),
            topics=tuple(Topic(t["key"], text(t["name"], locale)) for t in d.get("topics", [])),
            hotlines=tuple((dept, number) for dept, number in d.get("hotlines", [])))

    # ---- identity --------------------------------------------------------------
    def authenticate(self, login: str, password: str) -> Person | None:
        """Sign in with a mobile number or ID number and a password.

        A real identity provider (e.g. a provincial unified login) would replace this."""
        with self.db.session() as s:
            row = self._person_row(s, login)
            if row is None or not check_password_hash(row.password_hash, password or ""):
                return None
            return self._person(row, row.licences)

    def find_person_id(self, login: str) -> str | None:
        """Whose account a login (mobile or ID number, typed any way) names."""
        with self.db.session() as s:
            row = self._person_row(s, login)
            return row.id if row else None

    def _person_row(self, s, login: str) -> PersonRow | None:
        hashed = self.db.keyring.lookup(login_key(login))
        return s.scalar(select(PersonRow).where(
            or_(PersonRow.mobile_hash == hashed, PersonRow.id_number_hash == hashed)))

    def person(self, person_id: str) -> Person | None:
        # Read for every signed-in page: plain rows (Core), without the ORM's objects.
        person, licence = PersonRow.__table__.c, LicenceRow.__table__.c
        with self.db.engine.connect() as c:
            row = c.execute(select(person.id, person.name, person.gender, person.birth_date,
                                   person.id_number, person.mobile, person.address)
                            .where(person.id == person_id)).first()
            if row is None:
                return None
            licences = c.execute(select(licence.type, licence.number, licence.issued,
                                        licence.valid_until, licence.data)
                                 .where(licence.person_id == person_id).order_by(licence.id)).all()
        return self._person(row, licences)

    @staticmethod
    def _person(row, licences) -> Person:
        """A person from their row and licence rows (ORM objects or plain rows)."""
        return Person(
            id=row.id, name=row.name, gender=row.gender, birth_date=row.birth_date,
            id_number=row.id_number, mobile=row.mobile, address=row.address,
            licences=tuple(Licence(l.type, l.number, l.issued, l.valid_until, dict(l.data))
                           for l in licences))

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

    def _helper_row(self, s, code_or_mobile: str) -> HelperRow | None:
        key = login_key(code_or_mobile)
        if not key:
            return None
        return s.scalar(select(HelperRow).where(
            or_(HelperRow.code == key, HelperRow.mobile_hash == self.db.keyring.lookup(key))))

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
            parts = progress.plan_parts(service.doc, service.promise_days, answers)
            # The application is done when its slowest part is: that is what is promised.
            promise = max([service.promise_days, *(p["days"] for p in parts)])
            number = f"{prefix}{sequence:06d}"
            documents: list[DocumentRow] = []
            row = ApplicationRow(
                number=number, idempotency_key=idempotency_key,
                service_code=service_code, owner_id=owner_id, status="submitted",
                submitted_at=now, promised_date=add_working_days(local_day, promise),
                answers=self._keep_documents(answers, number, documents),
                submitted_by=acted_by)
            row.events.append(EventRow(at=now, kind="submitted", acted_by=acted_by))
            for position, part in enumerate(parts):
                row.parts.append(PartRow(
                    position=position, department=part["department"], matters=part["matters"],
                    status="submitted", updated_at=now,
                    promised_date=add_working_days(local_day, part["days"])))
            s.add(row)
            s.flush()  # the application first: its documents refer to it
            s.add_all(documents)

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

    def withdraw(self, number: str, owner_id: str, *, acted_by: str | None = None,
                 idempotency_key: str | None = None) -> Application:
        def write():
            now = self.clock()
            with self.db.session() as s:
                # One conditional update decides: of two withdraws at once, the second
                # finds the status changed and changes nothing (one event, one text).
                changed = s.execute(
                    update(ApplicationRow)
                    .where(ApplicationRow.number == number, ApplicationRow.owner_id == owner_id,
                           ApplicationRow.status.in_(OPEN_STATUSES),
                           ApplicationRow.submitted_at >= now - WITHDRAW_WINDOW)
                    .values(status="withdrawn")
                    .execution_options(synchronize_session=False)).rowcount
                row = s.get(ApplicationRow, number)
                if row is None or row.owner_id != owner_id:
                    raise LookupError(number)
                if not changed:
                    raise WithdrawRefused(number)
                self._check_helper(s, acted_by)
                progress.withdraw_parts(row, now)
                row.events.append(EventRow(at=self.clock(), kind="withdrawn", acted_by=acted_by))
                self._keep_key(s, idempotency_key, "withdraw", number)
        return self._once(idempotency_key, "withdraw", number, owner_id, write)

    # ---- idempotency of the other writes (submit keeps its key on the application) --
    def _once(self, key: str | None, operation: str, number: str, owner_id: str,
              write: Callable[[], None]) -> Application:
        """Run `write` unless `key` was used for it already; either way the application
        as it now stands. A write that lost a race to its own repeat (a client that
        sent it again after a timeout) answers as the repeat does."""
        if key is None or not self._done_before(key, operation, number):
            try:
                write()
            except (IntegrityError, WithdrawRefused, SupplementClosed, RatingRefused):
                if key is None or not self._done_before(key, operation, number):
                    raise
        application = self.application(number, owner_id)
        if application is None:
            raise LookupError(number)
        return application

    def _done_before(self, key: str, operation: str, number: str) -> bool:
        with self.db.session() as s:
            row = s.get(WriteKeyRow, key)
        if row is None:
            return False
        if (row.operation, row.application_number) != (operation, number):
            raise IdempotencyKeyReused(key)
        return True

    def _keep_key(self, s, key: str | None, operation: str, number: str) -> None:
        if key is not None:
            s.add(WriteKeyRow(key=key, operation=operation, application_number=number,
                              at=self.clock()))

    # ---- documents: files answers bring (Document), kept here ----------------------
    def _keep_documents(self, value, number: str, rows: list, supplement_id: int | None = None):
        """`value` (answers, or a supplement's answer) with each Document in it replaced by
        a reference to the platform's own copy, whose row is added to `rows` (stored in
        the same transaction as the answers, so an idempotent repeat stores nothing)."""
        if isinstance(value, Document):
            digest = hashlib.sha256(value.content).hexdigest()
            row = DocumentRow(id=uuid.uuid4().hex, application_number=number,
                              supplement_id=supplement_id, filename=value.filename,
                              media_type=value.media_type, size=len(value.content),
                              sha256=digest, content=value.content, received_at=self.clock())
            rows.append(row)
            return {"filename": value.filename, "document": row.id,
                    "media_type": value.media_type, "size": row.size, "sha256": digest}
        if isinstance(value, dict):
            return {key: self._keep_documents(item, number, rows, supplement_id)
                    for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._keep_documents(item, number, rows, supplement_id) for item in value]
        return value

    def documents(self, number: str) -> list[dict]:
        """For the back office (`flask platform documents`): the files an application
        and its supplement answers brought, oldest first, without their bytes."""
        with self.db.session() as s:
            rows = s.scalars(select(DocumentRow).where(DocumentRow.application_number == number)
                             .order_by(DocumentRow.received_at, DocumentRow.id)
                             .options(defer(DocumentRow.content)))
            return [{"id": r.id, "filename": r.filename, "media_type": r.media_type,
                     "size": r.size, "sha256": r.sha256, "supplement_id": r.supplement_id}
                    for r in rows]

    def document_content(self, document_id: str) -> bytes | None:
        """A document's bytes, decrypted (the department's case file would read them)."""
        with self.db.session() as s:
            row = s.get(DocumentRow, document_id)
            return None if row is None else row.content

    def _application(self, row: ApplicationRow) -> Application:
        now = self.clock()
        rating = row.rating
        return Application(
            number=row.number, service_code=row.service_code, owner_id=row.owner_id,
            status=row.status, submitted_at=row.submitted_at,
            promised_date=row.promised_date, answers=dict(row.answers),
            timeline=tuple(TimelineEvent(e.at, e.kind, e.department, e.note, e.acted_by)
                           for e in row.events),
            can_withdraw=(row.status in OPEN_STATUSES
                          and now - row.submitted_at <= WITHDRAW_WINDOW),
            submitted_by=row.submitted_by,
            parts=tuple(Part(p.department, tuple(p.matters), p.status, p.promised_date,
                             p.updated_at, p.accepted_at, p.finished_at, p.refusal_reason)
                        for p in row.parts),
            supplements=tuple(self._supplement(x) for x in row.supplements),
            rating=None if rating is None else Rating(
                rating.level, rating.comment or "", rating.rated_at, rating.updated_at,
                editable=progress.rating_editable(rating.rated_at, now),
                editable_until=rating.rated_at + progress.RATING_EDIT_WINDOW,
                rated_by=rating.rated_by),
            can_rate=(row.status in progress.CLOSED_FOR_RATING
                      and (rating is None or progress.rating_editable(rating.rated_at, now))))

    @staticmethod
    def _supplement(row: SupplementRow) -> Supplement:
        return Supplement(id=row.id, department=row.department, ask=row.ask,
                          raised_at=row.raised_at, deadline=row.deadline,
                          wants_file=row.wants_file, answered_at=row.answered_at,
                          answer=dict(row.answer) if row.answer else None,
                          answered_by=row.answered_by)

    def _own(self, s, number: str, owner_id: str) -> ApplicationRow:
        row = s.get(ApplicationRow, number)
        if row is None or row.owner_id != owner_id:
            raise LookupError(number)
        return row

    # ---- supplements (补正) and ratings (好差评) ----------------------------------
    def answer_supplement(self, number: str, owner_id: str, supplement_id: int,
                          answer: dict, *, acted_by: str | None = None,
                          idempotency_key: str | None = None) -> Application:
        """Record the citizen's answer; the department's part goes back to review."""
        def write():
            with self.db.session() as s:
                row = self._own(s, number, owner_id)
                self._check_helper(s, acted_by)
                supplement = s.get(SupplementRow, supplement_id)
                if supplement is None or supplement.application_number != number:
                    raise LookupError(supplement_id)
                if supplement.answered_at is not None or row.status not in OPEN_STATUSES:
                    raise SupplementClosed(supplement_id)
                documents: list[DocumentRow] = []
                kept = self._keep_documents(answer, number, documents, supplement_id)
                s.add_all(documents)
                progress.answer_supplement(row, supplement, kept, acted_by, self.clock())
                self._keep_key(s, idempotency_key, "answer_supplement", number)
        return self._once(idempotency_key, "answer_supplement", number, owner_id, write)

    def rate(self, number: str, owner_id: str, level: int, comment: str, *,
             acted_by: str | None = None, idempotency_key: str | None = None) -> Application:
        """Rate a closed application once; the rating may be changed for a while."""
        level = progress.check_level(level)

        def write():
            with self.db.session() as s:
                row = self._own(s, number, owner_id)
                self._check_helper(s, acted_by)
                now = self.clock()
                if row.status not in progress.CLOSED_FOR_RATING:
                    raise RatingRefused(number)
                if row.rating is None:
                    row.rating = RatingRow(level=level, comment=comment or "", rated_at=now,
                                           updated_at=now, rated_by=acted_by)
                elif progress.rating_editable(row.rating.rated_at, now):
                    row.rating.level, row.rating.comment = level, comment or ""
                    row.rating.updated_at, row.rating.rated_by = now, acted_by
                else:
                    raise RatingRefused(number)
                self._keep_key(s, idempotency_key, "rate", number)
        return self._once(idempotency_key, "rate", number, owner_id, write)

    def feed(self, after: int, limit: int = 500) -> list[FeedEvent]:
        """Every timeline event after `after` (an event id), oldest first."""
        with self.db.session() as s:
            rows = s.execute(
                select(EventRow, ApplicationRow.owner_id, ApplicationRow.service_code)
                .join(ApplicationRow, EventRow.application_number == ApplicationRow.number)
                .where(EventRow.id > after).order_by(EventRow.id).limit(limit))
            return [FeedEvent(id=e.id, number=e.application_number, owner_id=owner,
                              service_code=code, kind=e.kind, at=e.at, department=e.department,
                              note=e.note, acted_by=e.acted_by, supplement_id=e.supplement_id)
                    for e, owner, code in rows]

    def feed_position(self) -> int:
        with self.db.session() as s:
            return s.scalar(select(func.max(EventRow.id))) or 0

    def supplements_due(self, by: date) -> list[tuple[str, str, str, Supplement]]:
        """Open supplement requests of open applications due by `by`: (number, owner,
        service code, supplement), for reminders."""
        with self.db.session() as s:
            rows = s.execute(
                select(SupplementRow, ApplicationRow.owner_id, ApplicationRow.service_code)
                .join(ApplicationRow, SupplementRow.application_number == ApplicationRow.number)
                .where(SupplementRow.answered_at.is_(None), SupplementRow.deadline.isnot(None),
                       SupplementRow.deadline <= by,
                       ApplicationRow.status.in_(OPEN_STATUSES))
                .order_by(SupplementRow.id))
            return [(x.application_number, owner, code, self._supplement(x))
                    for x, owner, code in rows]

    # ---- the platform's own back office (CLI) -----------------------------------
    def advance(self, number: str | None = None, reject_reason: str | None = None,
                part: str | None = None) -> list[str]:
        """Move open applications one step: accepted, then each department's part,
        then done. With `part` (a department), only that department moves its part:
        accepted, in review, done. With `reject_reason`, refuse the whole application
        (or, with `part`, that part only).

        Returns the numbers of the applications that moved. A part that cannot move
        (waiting for the citizen, closed) raises progress.BackOfficeError when one
        application was named, and is passed over otherwise."""
        moved = []
        with self.db.session() as s:
            query = select(ApplicationRow).where(
                ApplicationRow.status.in_(OPEN_STATUSES)).order_by(ApplicationRow.number)
            if number:
                query = query.where(ApplicationRow.number == number)
            for row in s.scalars(query):
                now = self.clock()
                if part is not None:
                    if not number and not any(p.department == part for p in row.parts):
                        continue
                    try:
                        target = progress.find_part(row, part)
                        if reject_reason:
                            progress.refuse_part(row, target, reject_reason, now)
                        else:
                            progress.step_part(row, target, now)
                    except progress.BackOfficeError:
                        if number:
                            raise
                        continue
                elif reject_reason:
                    progress.refuse_all(row, reject_reason, now)
                elif row.status == "submitted":
                    progress.accept_all(row, now)
                elif not progress.finish_next(row, now):
                    continue  # every open part waits for the citizen
                moved.append(row.number)
        return moved

    def raise_supplement(self, number: str, department: str | None, ask: str,
                         deadline: date | None = None, wants_file: bool = False) -> Supplement:
        """A department asks the citizen for more (补正): the part waits for the answer."""
        with self.db.session() as s:
            row = s.get(ApplicationRow, number)
            if row is None:
                raise progress.BackOfficeError(f"no application {number}")
            if row.status not in OPEN_STATUSES:
                raise progress.BackOfficeError(f"{number} is closed ({row.status})")
            target = progress.find_part(row, department)
            supplement = progress.raise_supplement(row, target, ask, deadline, wants_file,
                                                   self.clock())
            s.flush()
            return self._supplement(supplement)

    def ratings_summary(self) -> dict:
        """For the operator: how many ratings of each level, overall and per service."""
        with self.db.session() as s:
            rows = s.execute(select(ApplicationRow.service_code, RatingRow.level)
                             .join(RatingRow, RatingRow.application_number
                                   == ApplicationRow.number)).all()
        overall, by_service = {}, {}
        for code, level in rows:
            overall[level] = overall.get(level, 0) + 1
            by_service.setdefault(code, {})
            by_service[code][level] = by_service[code].get(level, 0) + 1
        return {"overall": overall, "by_service": by_service}

    def front_files_named(self) -> set[str]:
        """Answers sent before the platform kept its own documents (platform_0004) name
        files in the front's store, which the front keeps for them (`flask maintenance
        prune`); answers sent since name the platform's documents only. Not part of the
        boundary: a platform elsewhere never depended on the front's files."""
        with self.db.session() as s:
            documents = [*s.scalars(select(ApplicationRow.answers)),
                         *s.scalars(select(SupplementRow.answer))]
        return stored_names(documents)

    def reencrypt_stored_data(self) -> int:
        """Its tables share the front's data folder and keys: re-encrypt them too."""
        return reencrypt(self.db.engine, PlatformBase.metadata)
