"""Store first, then deliver: a submission is saved in the front's database (one row
per draft, keyed by its submission key) before the platform is asked to take it, and
asked again with back-off until it confirms. Whoever delivers a row first claims it
with a lease, so two requests, two threads or two processes never deliver it at the
same time; and because the platform's submit is idempotent per key, even a delivery
repeated after a crash (the platform took it, the answer was lost) makes one
application."""
from __future__ import annotations

import logging
import random
import secrets
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..core.clock import utcnow
from ..core.db import Database
from ..core.front_store import Draft
from ..core.upload_store import UploadGone, UploadStore
from ..platform import PlatformClient, SubmissionRefused
from .model import DELIVERED, FAILED, PENDING, OutboxRow

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=15)
LONGEST_WAIT = timedelta(minutes=30)  # never give up on a temporary fault; just wait
# Longer than any platform call may take (a remote client's time-out is well below).
LEASE = timedelta(minutes=2)
# A second click waits this long for the first one's delivery before saying "sending".
WAIT_FOR_OTHER_SECONDS = 3.0


def backoff(attempts: int) -> timedelta:
    """15 s, 30 s, 1 min … then every 30 min; spread a little so that rows which
    failed together (the platform went down) do not all come back at once."""
    wait = min(FIRST_RETRY * 2 ** max(0, attempts - 1), LONGEST_WAIT)
    return wait * random.uniform(1.0, 1.2)  # nosec B311: spreading retries, not secrecy


def is_permanent(error: Exception) -> bool:
    """Only a refusal is final. A bare LookupError is how the embedded platform says
    "no such service or helper"; a KeyError is a bug, and like a time-out, a refused
    connection or anything unexpected it is retried: a citizen's submission must not
    be dropped because of a passing fault."""
    return isinstance(error, SubmissionRefused) or type(error) is LookupError


class Outbox:
    def __init__(self, db: Database, platform: Callable[[], PlatformClient],
                 clock: Callable[[], datetime] = utcnow,
                 files: UploadStore | None = None):
        self.db = db
        self.platform = platform  # a getter: the app's platform can be replaced (tests)
        self.clock = clock  # naive UTC
        # The answers are sent with their files' bytes (UploadStore.with_documents), read
        # at each attempt, so the row itself keeps only the front's stored names; once
        # delivered, the front's copies go (the platform keeps its own).
        self.files = files

    # ---- storing ------------------------------------------------------------------
    def enqueue(self, draft: Draft, answers: dict, acted_by: str | None) -> OutboxRow:
        """Save the submission and close the draft, in one transaction. A concurrent
        POST of the same draft finds the row the first one stored."""
        now = self.clock()
        try:
            with self.db.session() as s:
                s.add(OutboxRow(
                    draft_id=draft.id, owner_id=draft.owner_id, acted_by=acted_by,
                    service_code=draft.service_code, answers=answers,
                    idempotency_key=draft.submission_key, state=PENDING, attempts=0,
                    next_attempt_at=now, created_at=now))
                s.execute(update(Draft).where(Draft.id == draft.id).values(sent_at=now))
        except IntegrityError:
            pass  # stored already (a double click)
        return self.by_key(draft.submission_key)

    # ---- reading ------------------------------------------------------------------
    def get(self, entry_id: int) -> OutboxRow | None:
        with self.db.session() as s:
            return s.get(OutboxRow, entry_id)

    def by_key(self, idempotency_key: str) -> OutboxRow | None:
        with self.db.session() as s:
            return s.scalar(select(OutboxRow).where(
                OutboxRow.idempotency_key == idempotency_key))

    def unfinished(self, owner_id: str) -> list[OutboxRow]:
        """Submissions of this person still being sent, or that could not be."""
        with self.db.session() as s:
            return list(s.scalars(select(OutboxRow).where(
                OutboxRow.owner_id == owner_id, OutboxRow.state.in_((PENDING, FAILED)))
                .order_by(OutboxRow.created_at.desc())))

    def counts(self) -> dict[str, int]:
        with self.db.session() as s:
            return dict(s.execute(select(OutboxRow.state, func.count())
                                  .group_by(OutboxRow.state)).all())

    # ---- delivering ---------------------------------------------------------------
    def send_now(self, entry_id: int, wait: float = WAIT_FOR_OTHER_SECONDS) -> OutboxRow:
        """The first try, in the request that stored the row, so the usual case shows
        the application number at once. If someone else is delivering it (a double
        click), wait a moment for their answer rather than say "sending" needlessly."""
        if self._claim(entry_id, due_only=False):
            self._deliver(entry_id)
        else:
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and self._in_flight(self.get(entry_id)):
                time.sleep(0.05)
        return self.get(entry_id)

    def deliver_due(self, limit: int = 100) -> Counter:
        """Try every row whose next attempt is due; how many were delivered, are to be
        retried later, or failed for good."""
        now = self.clock()
        with self.db.session() as s:
            due = list(s.scalars(select(OutboxRow.id).where(
                OutboxRow.state == PENDING, OutboxRow.next_attempt_at <= now,
                or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until < now))
                .order_by(OutboxRow.next_attempt_at).limit(limit)))
        outcomes = Counter()
        for entry_id in due:
            if self._claim(entry_id, due_only=True):
                outcomes[self._deliver(entry_id)] += 1
        return outcomes

    def _in_flight(self, row: OutboxRow) -> bool:
        return row.state == PENDING and row.lease_until is not None \
            and row.lease_until >= self.clock()

    def _claim(self, entry_id: int, due_only: bool) -> bool:
        """Take the row for one delivery attempt. The UPDATE succeeds for one claimant
        only, whatever process it runs in: the row must still be pending and nobody's
        lease on it alive (a lease left by a crashed process runs out by itself)."""
        now = self.clock()
        conditions = [OutboxRow.id == entry_id, OutboxRow.state == PENDING,
                      or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until < now)]
        if due_only:
            conditions.append(OutboxRow.next_attempt_at <= now)
        with self.db.session() as s:
            result = s.execute(update(OutboxRow).where(*conditions)
                               .values(lease_until=now + LEASE, attempts=OutboxRow.attempts + 1)
                               .execution_options(synchronize_session=False))
            return result.rowcount == 1

    def _deliver(self, entry_id: int) -> str:
        row = self.get(entry_id)
        try:
            answers = self.files.with_documents(row.answers) if self.files else row.answers
            application = self.platform().submit(
                row.service_code, row.owner_id, answers,
                row.idempotency_key, acted_by=row.acted_by)
        except Exception as error:  # noqa: BLE001 - every fault is classified below
            return self._failed(row, error)
        now = self.clock()
        with self.db.session() as s:
            s.execute(update(OutboxRow).where(OutboxRow.id == row.id).values(
                state=DELIVERED, application_number=application.number, delivered_at=now,
                lease_until=None, last_error=None).execution_options(synchronize_session=False))
            s.execute(update(Draft).where(Draft.submission_key == row.idempotency_key)
                      .values(application_number=application.number))
        if self.files:
            self.files.release(row.owner_id, row.answers)
        return "delivered"

    def _failed(self, row: OutboxRow, error: Exception) -> str:
        # Only the kind of error is kept and logged: messages may quote the answers.
        kind = type(error).__name__
        if isinstance(error, UploadGone):
            log.error("outbox %s: a file it names is gone; asked for again, not retried", row.id)
            return self._give_back(row, kind, without=self.files.without_gone)
        if is_permanent(error):
            log.error("outbox %s: the platform refused it (%s); not retried", row.id, kind)
            return self._give_back(row, kind)
        wait = backoff(row.attempts)
        log.warning("outbox %s: attempt %s failed (%s); next try in %d s",
                    row.id, row.attempts, kind, wait.total_seconds())
        with self.db.session() as s:
            s.execute(update(OutboxRow).where(OutboxRow.id == row.id).values(
                next_attempt_at=self.clock() + wait, lease_until=None, last_error=kind))
        return "retry"

    def _give_back(self, row: OutboxRow, kind: str,
                   without: Callable[[dict], dict] | None = None) -> str:
        """Nothing was sent: the answers go back to an open draft, with a new key, for
        the citizen to check and send again (`without`: less the answers to ask again)."""
        with self.db.session() as s:
            s.execute(update(OutboxRow).where(OutboxRow.id == row.id).values(
                state=FAILED, lease_until=None, last_error=kind))
            draft = s.get(Draft, row.draft_id)
            if draft is not None and draft.application_number is None:
                draft.sent_at = None
                draft.submission_key = secrets.token_hex(16)
                if without is not None:
                    draft.answers = without(draft.answers)
        return "failed"
