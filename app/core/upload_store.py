"""Where uploaded files are kept (UPLOAD_DIR, in the data folder): encrypted under the
data keys (app/core/crypto.py: the same keys and rotation as the database fields),
0600 in a 0700 folder, one row each saying whose it is and how large, so a person's
share is one query (the quota, app/core/uploads.py) and the collector knows its age.

A file written before encryption (a plain PDF, PNG or JPEG, no row) is still read as
it is; `flask maintenance prune` encrypts it, `flask keys rotate` re-encrypts all.
A replaced file is deleted at once; a file nothing refers to any more (an abandoned
upload, a supplement's file that was never sent) goes with `flask maintenance prune`."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import DateTime, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from .clock import utcnow
from .crypto import TOKEN_PREFIX, is_token
from .db import Database
from .front_store import Draft, FrontBase, ParkedAnswers
from .private import private_folder, write_private

# What store_upload names a file: anything else is never opened or deleted by name.
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(pdf|png|jpg)")


class StoredUpload(FrontBase):
    __tablename__ = "stored_upload"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(60), index=True)  # the citizen it is for
    size: Mapped[int] = mapped_column(Integer)  # bytes as uploaded (after cleaning)
    created_at: Mapped[datetime] = mapped_column(DateTime)


def stored_names(document) -> set[str]:
    """The stored names of the files an answer set (or any JSON document) refers to:
    every {"stored": …} in it, however deep."""
    found, stack = set(), [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("stored"), str):
                found.add(item["stored"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


class UploadStore:
    def __init__(self, folder: Path, db: Database):
        self.folder, self.db = Path(folder), db

    def path(self, name: str) -> Path:
        if not STORED_NAME.fullmatch(name):
            raise ValueError(f"not a stored upload's name: {name!r}")
        return self.folder / name

    # ---- one file ----------------------------------------------------------------
    def save(self, name: str, data: bytes, owner_id: str) -> None:
        private_folder(self.folder)
        write_private(self.path(name), self.db.keyring.encrypt_bytes(data))
        with self.db.session() as s:
            s.add(StoredUpload(name=name, owner_id=owner_id, size=len(data),
                               created_at=utcnow()))

    def read(self, name: str) -> bytes:
        """The file as it was uploaded (after cleaning), decrypted: the one way to read a
        stored file back (the front serves none; a platform client that sends files on
        reads them here)."""
        return self.db.keyring.decrypt_bytes(self.path(name).read_bytes())

    def discard(self, name: str) -> None:
        if not STORED_NAME.fullmatch(name):
            return
        self.path(name).unlink(missing_ok=True)
        with self.db.session() as s:
            s.execute(delete(StoredUpload).where(StoredUpload.name == name))

    # ---- a person's share ----------------------------------------------------------
    def used_by(self, owner_id: str, leaving_out: set[str] = frozenset()) -> int:
        """Bytes of the person's files, but for those named (sent on, or being replaced)."""
        with self.db.session() as s:
            query = select(func.coalesce(func.sum(StoredUpload.size), 0)).where(
                StoredUpload.owner_id == owner_id)
            if leaving_out:
                query = query.where(StoredUpload.name.notin_(leaving_out))
            return int(s.scalar(query))

    # ---- maintenance ---------------------------------------------------------------
    def in_use_here(self) -> set[str]:
        """Files the front's own data names: every draft's answers and kept answers
        (open, being sent or submitted: a draft's row stays) and parked answers."""
        with self.db.session() as s:
            documents = [list(row) for row in s.execute(select(Draft.answers, Draft.pending))]
            documents += list(s.scalars(select(ParkedAnswers.data)))
        return stored_names(documents)

    def collect(self, in_use: set[str], older_than: timedelta) -> int:
        """Delete every file (and row) older than `older_than` that nothing in use names;
        how many files went. A file without a row (from before) is aged by its mtime."""
        if not self.folder.is_dir():
            return 0
        cutoff = utcnow() - older_than
        with self.db.session() as s:
            rows = dict(s.execute(select(StoredUpload.name, StoredUpload.created_at)).all())
        gone = []
        for path in self.folder.iterdir():
            if not path.is_file() or path.name in in_use:
                continue
            made = rows.get(path.name) or datetime.fromtimestamp(
                path.stat().st_mtime, timezone.utc).replace(tzinfo=None)
            if made <= cutoff:
                path.unlink(missing_ok=True)
                gone.append(path.name)
        vanished = [name for name in rows if not (self.folder / name).exists()]
        with self.db.session() as s:
            s.execute(delete(StoredUpload).where(StoredUpload.name.in_(gone + vanished)))
        return len(gone)

    def reencrypt(self, only_plain: bool = False) -> int:
        """Rewrite stored files under the newest key (`flask keys rotate`), or only
        those written before encryption (the prune); how many were rewritten."""
        if not self.folder.is_dir():
            return 0
        private_folder(self.folder)
        keyring, rewritten = self.db.keyring, 0
        for path in self.folder.iterdir():
            if not (path.is_file() and STORED_NAME.fullmatch(path.name)):
                continue
            if only_plain:
                with path.open("rb") as f:
                    if is_token(f.read(len(TOKEN_PREFIX))):
                        continue  # encrypted already
            write_private(path, keyring.rotate_bytes(path.read_bytes()))
            rewritten += 1
        return rewritten
