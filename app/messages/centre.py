"""The message centre: in-app messages for status changes, requests for more (补正),
consent changes and reminders, each also texted when it matters (through the
configured `Sender`).

Status changes come from the platform's event feed (`PlatformClient.feed`), read from
a cursor kept in the front's database; consent changes are told by the pages that
make them; reminders are made from what is due. Every message has a dedupe key, so
a feed entry or reminder read twice (two requests at once, a retry) makes one
message and one text."""
from __future__ import annotations

import logging
import threading
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from typing import Callable

from cachetools import TTLCache
from flask import has_app_context
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..core.clock import utcnow
from ..core.db import Database
from ..core.front_store import FrontBase
from ..platform import PlatformClient
from .model import ACTED_FOR, FeedCursor, MessageRow, OutgoingRow
from .senders import Outgoing, Sender

log = logging.getLogger(__name__)

FEED = "platform"
# Feed events that become messages (the citizen's own answers and a department's
# internal steps are on the timeline, not in the messages).
EVENT_KINDS = {"submitted", "accepted", "part_accepted", "department", "part_rejected",
               "supplement_requested", "done", "rejected", "withdrawn"}
# Also texted to the citizen's mobile: what needs them, or ends something.
TEXTED = {"supplement_requested", "reminder_supplement", "part_rejected", "rejected", "done",
          "consent_granted", "consent_ended", "reminder_renewal"}
REMIND_DAYS_BEFORE = 2  # a supplement due within this many days gets a reminder
CITIZEN_ONLY = {"consent_granted", "consent_ended"}  # never shown to a helper
TEXT_DUE, TEXT_SENDING, TEXT_SENT, TEXT_FAILED = "due", "sending", "sent", "failed"
# The header's unread count is kept this long per citizen and process (every signed-in
# page shows it). A change made in this process is seen at once; one made by another
# process (its background worker read a status change) within this many seconds, on
# top of MESSAGES_SYNC_SECONDS.
UNREAD_KEEP_SECONDS = 5


class MessageCentre:
    def __init__(self, db: Database, platform: Callable[[], PlatformClient], sender: Sender,
                 clock: Callable[[], datetime] = utcnow, app=None):
        self.db = db
        self.app = app
        self.platform = platform  # a getter: tests replace the app's platform
        self.sender = sender
        self.clock = clock
        self._unread = TTLCache(maxsize=10_000, ttl=UNREAD_KEEP_SECONDS)
        self._unread_lock = threading.Lock()
        self._changes = 0  # a count read before a change is not kept after it

    # ---- making messages ------------------------------------------------------------
    def add(self, citizen_id: str, kind: str, params: dict, dedupe_key: str) -> MessageRow | None:
        """Record a message once per dedupe key (None if it exists); text it if due."""
        texted = kind in TEXTED or (kind in ACTED_FOR and params.get("helper_id"))
        row = MessageRow(citizen_id=citizen_id, kind=kind, params=params,
                         service_code=params.get("service_code"), dedupe_key=dedupe_key,
                         created_at=self.clock(), text_state=TEXT_DUE if texted else None)
        try:
            with self.db.session() as s:
                s.add(row)
        except IntegrityError:
            return None
        self._forget_unread()
        return row

    def send_due_texts(self, limit: int = 100) -> int:
        """Text what is due (a job of the background worker, never a page's work): each
        claimed first, so two workers never send one twice; how many went."""
        with self.db.session() as s:
            due = list(s.scalars(select(MessageRow.id).where(MessageRow.text_state == TEXT_DUE)
                                 .order_by(MessageRow.id).limit(limit)))
        sent = 0
        for message_id in due:
            with self.db.session() as s:
                claimed = s.execute(update(MessageRow).where(
                    MessageRow.id == message_id, MessageRow.text_state == TEXT_DUE)
                    .values(text_state=TEXT_SENDING)).rowcount
                row = s.get(MessageRow, message_id) if claimed else None
                if row is not None:
                    s.expunge(row)
            if row is not None:
                went = self._text(row)
                sent += went
                with self.db.session() as s:
                    s.execute(update(MessageRow).where(MessageRow.id == message_id)
                              .values(text_state=TEXT_SENT if went else TEXT_FAILED))
        return sent

    def _text(self, row: MessageRow) -> bool:
        from .text import sms_text
        try:
            with self._context():
                person = self.platform().person(row.citizen_id)
                if person is None or not person.mobile:
                    return False
                self.sender.send(Outgoing("sms", person.mobile, sms_text(row, person.name),
                                          row.id))
                return True
        except Exception:  # a gateway fault must not lose the in-app message
            log.exception("could not send the text of message %s", row.id)
            return False

    def _context(self):
        """The words of a text need the app (translations, the catalogue): a sync run
        from a thread or a script has none of its own."""
        if self.app is None or has_app_context():
            return nullcontext()
        return self.app.app_context()

    def start(self) -> None:
        """Begin reading the feed where the platform is now (no texts about the past)."""
        try:
            with self.db.session() as s:
                if s.get(FeedCursor, FEED) is None:
                    s.add(FeedCursor(name=FEED, position=self.platform().feed_position()))
        except IntegrityError:
            pass  # another process started it

    def sync(self, limit: int = 500) -> int:
        """Turn new feed events into messages; how many were read."""
        self.start()
        read = 0
        while True:
            with self.db.session() as s:
                position = s.get(FeedCursor, FEED).position
            events = self.platform().feed(position, limit)
            for event in events:
                if event.kind in EVENT_KINDS:
                    self.add(event.owner_id, event.kind, {
                        "number": event.number, "service_code": event.service_code,
                        "department": event.department, "note": event.note,
                        "supplement_id": event.supplement_id,
                        "deadline": self._deadline(event),
                        "helper_id": event.acted_by if event.kind in ACTED_FOR else None},
                        f"event:{event.id}")
            if events:
                with self.db.session() as s:
                    s.execute(update(FeedCursor).where(
                        FeedCursor.name == FEED, FeedCursor.position < events[-1].id)
                        .values(position=events[-1].id))
            read += len(events)
            if len(events) < limit:
                return read

    def _deadline(self, event) -> str | None:
        if event.kind != "supplement_requested" or event.supplement_id is None:
            return None
        application = self.platform().application(event.number, event.owner_id)
        asked = next((x for x in application.supplements if x.id == event.supplement_id),
                     None) if application else None
        return asked.deadline.isoformat() if asked and asked.deadline else None

    def remind(self, today: date) -> int:
        """Reminders for supplement requests due soon (every citizen)."""
        made = 0
        due = self.platform().supplements_due(today + timedelta(days=REMIND_DAYS_BEFORE))
        for number, owner_id, service_code, asked in due:
            made += self.add(owner_id, "reminder_supplement", {
                "number": number, "service_code": service_code,
                "department": asked.department, "supplement_id": asked.id,
                "deadline": asked.deadline.isoformat()},
                f"reminder:supplement:{asked.id}") is not None
        return made

    def remind_renewals(self, citizen_id: str, suggestions) -> None:
        """A reminder for each licence the citizen should renew (服务找人), once: the
        home page asks on every visit, so those made already are looked up first."""
        due = {f"reminder:renewal:{citizen_id}:{s.licence_type}:{s.until}": s
               for s in suggestions if s.reason == "renewal"}
        if not due:
            return
        with self.db.session() as s:
            made = set(s.scalars(select(MessageRow.dedupe_key)
                                 .where(MessageRow.dedupe_key.in_(due))))
        for key, suggestion in due.items():
            if key not in made:
                self.add(citizen_id, "reminder_renewal", {
                    "licence": suggestion.licence_type, "service_code": suggestion.service_code,
                    "until": suggestion.until.isoformat()}, key)

    def consent_changed(self, citizen_id: str, granted: bool, authorisation) -> None:
        kind = "consent_granted" if granted else "consent_ended"
        until = authorisation.expires_at + timedelta(hours=8)  # as the citizen reads it
        self.add(citizen_id, kind, {"helper_id": authorisation.helper_id,
                                    "until": until.date().isoformat()},
                 f"{kind}:{authorisation.id}")

    # ---- reading -------------------------------------------------------------------
    def messages_of(self, citizen_id: str, visible: Callable[[MessageRow], bool] = None,
                    limit: int = 200) -> list[MessageRow]:
        with self.db.session() as s:
            rows = s.scalars(select(MessageRow).where(MessageRow.citizen_id == citizen_id)
                             .order_by(MessageRow.created_at.desc(), MessageRow.id.desc())
                             .limit(limit))
            return [r for r in rows if visible is None or visible(r)]

    def unread_count(self, citizen_id: str, visible: Callable[[MessageRow], bool] = None) -> int:
        with self.db.session() as s:
            if visible is None:
                return s.scalar(select(func.count()).select_from(MessageRow).where(
                    MessageRow.citizen_id == citizen_id, MessageRow.read_at.is_(None)))
            rows = s.scalars(select(MessageRow).where(MessageRow.citizen_id == citizen_id,
                                                      MessageRow.read_at.is_(None)))
            return sum(1 for r in rows if visible(r))

    def unread_count_kept(self, citizen_id: str) -> int:
        """The citizen's own unread count (all their messages), kept a few seconds."""
        with self._unread_lock:
            kept, changes = self._unread.get(citizen_id), self._changes
        if kept is not None:
            return kept
        count = self.unread_count(citizen_id)
        with self._unread_lock:
            if changes == self._changes:
                self._unread[citizen_id] = count
        return count

    def _forget_unread(self) -> None:
        with self._unread_lock:
            self._changes += 1
            self._unread.clear()

    def get(self, citizen_id: str, message_id: int) -> MessageRow | None:
        with self.db.session() as s:
            row = s.get(MessageRow, message_id)
            return row if row is not None and row.citizen_id == citizen_id else None

    def mark_read(self, citizen_id: str, message_id: int) -> None:
        with self.db.session() as s:
            s.execute(update(MessageRow).where(
                MessageRow.id == message_id, MessageRow.citizen_id == citizen_id,
                MessageRow.read_at.is_(None)).values(read_at=self.clock()))
        self._forget_unread()

    def mark_all_read(self, citizen_id: str) -> None:
        with self.db.session() as s:
            s.execute(update(MessageRow).where(
                MessageRow.citizen_id == citizen_id, MessageRow.read_at.is_(None))
                .values(read_at=self.clock()))
        self._forget_unread()
