"""What makes the access log tamper-evident to someone who can write to the database.

- A keyed chain: each entry's `hash` is HMAC-SHA256(key, prev_hash + canonical JSON of
  its fields) under an access-log key kept outside the database (app/core/crypto.py,
  `ChainKeys`); the entry records the key's id, so keys rotate and old entries keep
  verifying. Without the key, an entry cannot be altered, removed or inserted and the
  rest recomputed.
- Signed checkpoints of (count, head hash) outside the database: a JSON line each,
  HMAC-signed, appended to `ACCESS_LOG_CHECKPOINTS` (a file in the data folder by
  default; an append-only sink in production) with the first entry, every
  `ACCESS_LOG_CHECKPOINT_EVERY` entries and by `flask access-log checkpoint`. Entries
  cut off the end of the log are missing from a checkpoint's count.
- Entries written before keys (plain sha256, `key_id` NULL) are sealed as they are,
  never rewritten: the first checkpoint records how many there are (`legacy`), and no
  keyless entry is accepted after them.

`check` walks the log once and says what, if anything, is wrong (`Verdict`).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from ..core.crypto import ChainKeys

_CHECKPOINT_FIELDS = ("at", "count", "head", "key_id", "legacy")


def canonical(fields: dict) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def legacy_digest(prev_hash: str, canonical_fields: str) -> str:
    """How entries were chained before keys: anyone could recompute it."""
    return hashlib.sha256((prev_hash + canonical_fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    count: int  # entries in the log when it was written
    head: str  # the hash of the last of them
    legacy: int  # how many entries at the start of the log were chained without a key
    at: str  # ISO time, UTC
    key_id: str
    line: int = 0  # where in the file it was read (for messages)

    @property
    def when(self) -> str:
        return self.at[:19].replace("T", " ") + " UTC"


class ForgedCheckpoint(ValueError):
    def __init__(self, line: int, why: str):
        super().__init__(line, why)
        self.line, self.why = line, why


class Checkpoints:
    """The append-only file of signed checkpoints."""

    def __init__(self, path: Path, keys: ChainKeys):
        self.path = Path(path)
        self.keys = keys

    def write(self, count: int, head: str, legacy: int, at: str) -> Checkpoint:
        fields = {"at": at, "count": count, "head": head, "key_id": self.keys.newest,
                  "legacy": legacy}
        line = canonical({**fields, "mac": self._mac(fields)}) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One write with O_APPEND: lines from several processes never interleave.
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        return Checkpoint(**fields)

    def read(self) -> list[Checkpoint]:
        """Every checkpoint, in the order written; ForgedCheckpoint names the first line
        that is not one this app signed (edited, or written without a key)."""
        if not self.path.exists():
            return []
        found = []
        with self.path.open(encoding="utf-8") as lines:
            for number, text in enumerate(lines, start=1):
                if text.strip():
                    found.append(self._parse(text, number))
        return found

    def is_empty(self) -> bool:
        return not self.path.exists() or self.path.stat().st_size == 0

    def _parse(self, text: str, number: int) -> Checkpoint:
        forged = "is not signed by any access-log key (edited, or written by someone without the key)"
        try:
            record = json.loads(text)
            fields = {name: record[name] for name in _CHECKPOINT_FIELDS}
        except (ValueError, KeyError, TypeError):
            raise ForgedCheckpoint(number, forged) from None
        if not self.keys.knows(fields["key_id"]):
            raise ForgedCheckpoint(number, f"is signed with key {fields['key_id']}, which is "
                                   "not among the configured access-log keys")
        if set(record) != {*_CHECKPOINT_FIELDS, "mac"} or record["mac"] != self._mac(fields):
            raise ForgedCheckpoint(number, forged)
        return Checkpoint(**fields, line=number)

    def _mac(self, fields: dict) -> str:
        # Prefixed, so a checkpoint's signature can never pass for an entry's hash.
        return self.keys.sign("checkpoint\n" + canonical(fields), fields["key_id"])


# ---- verification ----------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    entries: int  # how many entries were read
    problem: str | None = None  # None, or: forged_checkpoint, broken, truncated, no_checkpoint
    message: str = ""  # for the operator (`flask access-log verify`)
    broken_at: int | None = None  # the first entry that cannot be trusted
    latest: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check(rows: Iterable, keys: ChainKeys, checkpoints: Checkpoints,
          holds: Callable) -> Verdict:
    """Walk the log in order (`rows`: id, prev_hash, hash, key_id and the logged fields)
    against the keys and every checkpoint. `holds(row)` says whether a row's hash is
    what its fields, its previous hash and its key make it."""
    try:
        marks = checkpoints.read()
    except ForgedCheckpoint as forged:
        return Verdict(0, "forged_checkpoint", (
            f"CHECKPOINT FORGED: line {forged.line} of {checkpoints.path} {forged.why}; the "
            "checkpoints cannot be trusted"))
    latest = max(marks, key=lambda m: m.count, default=None)
    at_position = {}
    for mark in marks:
        at_position.setdefault(mark.count, []).append(mark)
    # Keyless entries are accepted only at the start, as many as the checkpoints sealed;
    # with no checkpoint yet, only as long as no keyed entry came before them.
    sealed = max((m.legacy for m in marks), default=None)
    position, expected_prev, keyed_seen = 0, "", False

    def broken(row, why: str) -> Verdict:
        return Verdict(position, "broken", f"BROKEN: access-log entry {row.id} does not match "
                       f"the chain: {why}; entries from it on cannot be trusted", row.id, latest)

    for row in rows:
        position += 1
        if row.key_id is None:
            if keyed_seen or (sealed is not None and position > sealed):
                return broken(row, "written without the access-log key after the keyed chain "
                                   "began (rewritten by someone without the key)")
        elif not keys.knows(row.key_id):
            return broken(row, f"chained with key {row.key_id}, which is not among the "
                               "configured access-log keys")
        else:
            keyed_seen = True
        if row.prev_hash != expected_prev or not holds(row):
            return broken(row, "altered, or an entry before it removed or inserted")
        for mark in at_position.get(position, ()):
            if mark.head != row.hash:
                return broken(row, f"the checkpoint of {mark.when} recorded another entry as "
                                   f"number {position}: entries before it were removed or "
                                   "inserted and the chain recomputed")
        expected_prev = row.hash
    if latest is not None and latest.count > position:
        return Verdict(position, "truncated", (
            f"TRUNCATED: the access log has {position} entries, but the checkpoint of "
            f"{latest.when} recorded {latest.count}: the last {latest.count - position} or "
            "more were cut off"), latest=latest)
    if latest is None and keyed_seen:
        return Verdict(position, "no_checkpoint", (
            f"NO CHECKPOINT: {position} entries but no checkpoint in {checkpoints.path}, so "
            "entries cut off the end could not be told (is YIBAN_ACCESS_LOG_CHECKPOINTS the "
            "file the app writes?)"))
    return Verdict(position, latest=latest)
