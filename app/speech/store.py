"""Reading scripts, kept server-side in the front's database. The browser only ever
names a script by its id; the text to read is never taken from the client.

A script's id is a hash of its owner and content, so the same page seen again by
the same person is one row, and a script can never be another owner's."""
from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from datetime import datetime, timedelta

from sqlalchemy import DateTime, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..core.crypto import EncryptedJSON
from ..core.db import Database
from ..core.front_store import FrontBase
from .script import Sentence

KEEP_DAYS = 30          # a signed-in person's script not rendered again for this long goes
KEEP_ANONYMOUS_DAYS = 2  # an anonymous visitor's (a browser session; crawlers make many)
REFRESH_AFTER = timedelta(days=1)
PRUNE_EVERY = 500       # new scripts between two prunings
KNOWN_MAX = 4096        # ids this process stored lately (spares a query per page view)


class SpeechScript(FrontBase):
    __tablename__ = "speech_script"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(80), index=True)
    lang: Mapped[str] = mapped_column(String(35))
    # Encrypted: a check-answers page read aloud holds the citizen's identifiers.
    sentences: Mapped[list] = mapped_column(EncryptedJSON)
    # When the page was (last) rendered; refreshed at most daily, pruned after KEEP_DAYS.
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)


def script_id(owner: str, lang: str, sentences: list[Sentence]) -> str:
    content = json.dumps([owner, lang, [s.as_dict() for s in sentences]],
                         ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]


class ScriptStore:
    def __init__(self, db: Database):
        self.db = db
        SpeechScript.__table__.create(db.engine, checkfirst=True)
        self._known: OrderedDict[str, float] = OrderedDict()  # id -> when stored (monotonic)
        self._lock = threading.Lock()
        self._new = 0

    def save(self, owner: str, lang: str, sentences: list[Sentence]) -> str:
        sid = script_id(owner, lang, sentences)
        with self._lock:
            stored = self._known.get(sid)
            if stored is not None and time.monotonic() - stored < REFRESH_AFTER.total_seconds():
                self._known.move_to_end(sid)
                return sid
        now = utcnow()
        created = False
        try:
            with self.db.session() as s:
                row = s.get(SpeechScript, sid)
                if row is None:
                    s.add(SpeechScript(id=sid, owner=owner, lang=lang, created_at=now,
                                       sentences=[x.as_dict() for x in sentences]))
                    created = True
                elif now - row.created_at > REFRESH_AFTER:
                    row.created_at = now
        except IntegrityError:
            pass  # the same page, stored by a concurrent request
        with self._lock:
            self._known[sid] = time.monotonic()
            while len(self._known) > KNOWN_MAX:
                self._known.popitem(last=False)
            self._new += created
            prune = self._new >= PRUNE_EVERY
            if prune:
                self._new = 0
        if prune:
            self.prune()
        return sid

    def load(self, sid: str) -> SpeechScript | None:
        with self.db.session() as s:
            return s.get(SpeechScript, sid)

    def prune(self, older_than: timedelta = timedelta(days=KEEP_DAYS),
              anonymous_older_than: timedelta = timedelta(days=KEEP_ANONYMOUS_DAYS)) -> int:
        now = utcnow()
        with self.db.session() as s:
            deleted = s.execute(delete(SpeechScript)
                                .where(SpeechScript.created_at < now - older_than)).rowcount
            deleted += s.execute(delete(SpeechScript).where(
                SpeechScript.owner.startswith("session:"),
                SpeechScript.created_at < now - anonymous_older_than)).rowcount
        with self._lock:
            self._known.clear()
        return deleted
