"""Uploaded files: encrypted under the data keys (app/core/crypto.py: the same keys and
rotation as the database fields) and kept in the file store (app/core/file_store.py: a
private folder, UPLOAD_DIR in the data folder by default, or an S3-compatible bucket
every instance shares), one row each saying whose it is and how large, so a person's
share is one query (the quota, app/core/uploads.py) and the collector knows its age.

A file written before encryption (a plain PDF, PNG or JPEG, no row) is still read as
it is; `flask maintenance prune` encrypts it, `flask keys rotate` re-encrypts all.
A replaced file is deleted at once; a file nothing refers to any more (an abandoned
upload, a supplement's file that was never sent) goes with `flask maintenance prune`."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from .clock import utcnow
from .crypto import TOKEN_PREFIX, is_token
from .db import Database
from .file_store import FileStore
from .front_store import Draft, FrontBase, ParkedAnswers
from ..platform import Document

# What store_upload names a file: anything else is never opened or deleted by name.
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(pdf|png|jpg)")
MEDIA_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}


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


class UploadGone(FileNotFoundError):
    """A file an answer names is no longer in the store: it cannot be sent on."""


class UploadStore:
    def __init__(self, files: FileStore, db: Database):
        self.files, self.db = files, db

    @staticmethod
    def checked(name: str) -> str:
        if not STORED_NAME.fullmatch(name):
            raise ValueError(f"not a stored upload's name: {name!r}")
        return name

    # ---- one file ----------------------------------------------------------------
    def save(self, name: str, data: bytes, owner_id: str) -> None:
        self.files.put(self.checked(name), self.db.keyring.encrypt_bytes(data))
        with self.db.session() as s:
            s.add(StoredUpload(name=name, owner_id=owner_id, size=len(data),
                               created_at=utcnow()))

    def read(self, name: str) -> bytes:
        """The file as it was uploaded (after cleaning), decrypted: the one way to read a
        stored file back (the front serves none; a platform client that sends files on
        reads them here). FileNotFoundError when it is gone."""
        return self.db.keyring.decrypt_bytes(self.files.get(self.checked(name)))

    def with_documents(self, document):
        """`document` (answers, a supplement's answer) as the platform is to receive it:
        every file answer ({filename, stored, size}) becomes a Document with the file's
        bytes, read here right before the platform call, so the platform keeps its own
        copy. UploadGone when a file is gone (the outbox then asks for it again)."""
        if isinstance(document, dict):
            if isinstance(document.get("stored"), str):
                name = self.checked(document["stored"])
                try:
                    content = self.read(name)
                except FileNotFoundError as error:
                    raise UploadGone(name) from error
                return Document(filename=str(document.get("filename") or name),
                                media_type=MEDIA_TYPES[name.rsplit(".", 1)[1]],
                                content=content)
            return {key: self.with_documents(item) for key, item in document.items()}
        if isinstance(document, list):
            return [self.with_documents(item) for item in document]
        return document

    def discard(self, name: str) -> None:
        if not STORED_NAME.fullmatch(name):
            return
        self.files.delete(name)
        with self.db.session() as s:
            s.execute(delete(StoredUpload).where(StoredUpload.name == name))

    def without_gone(self, answers: dict) -> dict:
        """The answers but those naming a file the store no longer has: asked again."""
        def present(name: str) -> bool:
            try:
                self.files.get(self.checked(name))
                return True
            except (FileNotFoundError, ValueError):
                return False
        return {key: value for key, value in answers.items()
                if all(present(name) for name in stored_names(value))}

    def release(self, owner_id: str, document) -> None:
        """Once the platform holds the files of `document` (its own copies), the front's
        are deleted, but for any the owner's open drafts still name."""
        with self.db.session() as s:
            open_documents = [list(row) for row in s.execute(
                select(Draft.answers, Draft.pending).where(
                    Draft.owner_id == owner_id, Draft.sent_at.is_(None),
                    Draft.application_number.is_(None)))]
        for name in stored_names(document) - stored_names(open_documents):
            self.discard(name)

    # ---- a person's share ----------------------------------------------------------
    def used_by(self, owner_id: str, leaving_out: set[str] = frozenset()) -> int:
        """Bytes of the person's files, but for those named (sent on, or being replaced)."""
        with self.db.session() as s:
            query = select(func.coalesce(func.sum(StoredUpload.size), 0)).where(
                StoredUpload.owner_id == owner_id)
            if leaving_out:
                query = query.where(StoredUpload.name.notin_(leaving_out))
            return int(s.scalar(query))

    def sent_by(self, owner_id: str) -> set[str]:
        """Files in the person's submitted drafts: on their way to the platform or there
        (it keeps its own copies), no longer their work in progress."""
        with self.db.session() as s:
            documents = list(s.scalars(select(Draft.answers).where(
                Draft.owner_id == owner_id,
                Draft.sent_at.isnot(None) | Draft.application_number.isnot(None))))
        return stored_names(documents)

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
        how many files went. A file without a row (from before) is aged by when it was
        written."""
        cutoff = utcnow() - older_than
        with self.db.session() as s:
            rows = dict(s.execute(select(StoredUpload.name, StoredUpload.created_at)).all())
        stored = self.files.listing()
        gone = [name for name, written in stored.items()
                if name not in in_use and (rows.get(name) or written) <= cutoff]
        for name in gone:
            self.files.delete(name)
        vanished = [name for name in rows if name not in stored]
        with self.db.session() as s:
            s.execute(delete(StoredUpload).where(StoredUpload.name.in_(gone + vanished)))
        return len(gone)

    def reencrypt(self, only_plain: bool = False) -> int:
        """Rewrite stored files under the newest key (`flask keys rotate`), or only
        those written before encryption (the prune); how many were rewritten."""
        keyring, rewritten = self.db.keyring, 0
        for name in self.files.listing():
            if not STORED_NAME.fullmatch(name):
                continue
            data = self.files.get(name)
            if only_plain and is_token(data[:len(TOKEN_PREFIX)]):
                continue  # encrypted already
            self.files.put(name, keyring.rotate_bytes(data))
            rewritten += 1
        return rewritten
