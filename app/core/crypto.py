"""Personal data at rest: ID numbers, mobile numbers, bank accounts, people's names,
dates of birth and addresses, whole answer sets and uploaded files
(app/core/upload_store.py) are stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256,
from `cryptography`).

Keys: `YIBAN_DATA_KEYS` (comma-separated Fernet keys, newest first), else one key
generated once into the data folder (`data_keys`, one key a line, newest first).
The newest key encrypts; every listed key still decrypts, so a key is rotated by
putting a new one first, restarting, running `flask keys rotate`, then removing the
old one. Values that must be looked up (a mobile number at sign-in) also get a keyed
hash (HMAC-SHA256) under a separate key, `YIBAN_LOOKUP_KEY` or `lookup_key` in the
data folder: equal values hash equally, but nobody without the key can test guesses.

The keyring travels with each database's engine (on its dialect), so the column
types below need no global state and two apps in one process keep their own keys."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from datetime import date
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text, inspect, select, type_coerce, update
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.types import TypeDecorator

KEYS_ENV, LOOKUP_ENV = "YIBAN_DATA_KEYS", "YIBAN_LOOKUP_KEY"
KEYS_FILE, LOOKUP_FILE = "data_keys", "lookup_key"
# Every Fernet token starts so (version byte 0x80, then a timestamp < 2^32): a stored
# value without it was written before encryption and is read as plain text.
TOKEN_PREFIX = "gAAAAA"


class DecryptionFailed(RuntimeError):
    """None of the configured keys opens a stored value (a key removed too early?)."""


def _create_once(path: Path, content: str) -> None:
    # O_EXCL: two processes starting at once must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as f:
        f.write(content)


class Keyring:
    def __init__(self, keys: list[str], lookup_key: str):
        if not keys:
            raise ValueError("at least one data key is needed")
        self.keys = list(keys)
        self._fernet = MultiFernet([Fernet(k.encode()) for k in self.keys])
        self._lookup_key = lookup_key.encode()

    @classmethod
    def load(cls, folder: Path) -> Keyring:
        """Keys from the environment, else from (or generated once into) `folder`."""
        folder = Path(folder)
        if os.environ.get(KEYS_ENV):
            keys = [k.strip() for k in os.environ[KEYS_ENV].split(",") if k.strip()]
        else:
            folder.mkdir(parents=True, exist_ok=True)
            _create_once(folder / KEYS_FILE, Fernet.generate_key().decode() + "\n")
            keys = (folder / KEYS_FILE).read_text().split()
        lookup = os.environ.get(LOOKUP_ENV)
        if not lookup:
            _create_once(folder / LOOKUP_FILE, secrets.token_hex(32))
            lookup = (folder / LOOKUP_FILE).read_text().strip()
        return cls(keys, lookup)

    @classmethod
    def for_database(cls, database_url: str) -> Keyring:
        """A store opened on its own (tests, tools): the keys of the folder its SQLite
        file is in, which is the data folder when the app made it."""
        url = make_url(database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return cls.load(Path(url.database).resolve().parent)
        return cls.load(Path(os.environ.get("YIBAN_DATA_DIR") or "instance"))

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str) -> str:
        if not is_token(stored):
            return stored  # written before encryption; `keys rotate` encrypts it
        try:
            return self._fernet.decrypt(stored.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise DecryptionFailed("no data key opens a stored value; is a key that was "
                                   f"still in use missing from {KEYS_ENV}?") from None

    def rotate(self, stored: str) -> str:
        """The value encrypted under the newest key (plain text from before: encrypted)."""
        if not is_token(stored):
            return self.encrypt(stored)
        try:
            return self._fernet.rotate(stored.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise DecryptionFailed("no data key opens a stored value") from None

    # Files (uploads): the same keys and rotation as the columns; the token is the file.
    def encrypt_bytes(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt_bytes(self, stored: bytes) -> bytes:
        if not is_token(stored):
            return stored  # a file written before encryption (a PDF, PNG or JPEG as it was)
        try:
            return self._fernet.decrypt(stored)
        except InvalidToken:
            raise DecryptionFailed("no data key opens a stored file") from None

    def rotate_bytes(self, stored: bytes) -> bytes:
        if not is_token(stored):
            return self.encrypt_bytes(stored)
        try:
            return self._fernet.rotate(stored)
        except InvalidToken:
            raise DecryptionFailed("no data key opens a stored file") from None

    def lookup(self, value: str) -> str:
        """The keyed hash a value is found by (equal values, equal hashes)."""
        return hmac.new(self._lookup_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def is_token(stored: str | bytes) -> bool:
    return stored.startswith(TOKEN_PREFIX if isinstance(stored, str) else TOKEN_PREFIX.encode())


def attach(engine: Engine, keyring: Keyring) -> None:
    engine.dialect.yiban_keyring = keyring


def keyring_of(dialect: Dialect) -> Keyring:
    keyring = getattr(dialect, "yiban_keyring", None)
    if keyring is None:
        raise RuntimeError("this database was opened without a keyring (app/core/db.py)")
    return keyring


# ---- column types -------------------------------------------------------------------
class EncryptedString(TypeDecorator):
    """A string stored as a Fernet token. Not comparable in SQL (every token differs):
    look values up by a keyed-hash column next to it."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else keyring_of(dialect).encrypt(str(value))

    def process_result_value(self, value, dialect):
        return None if value is None else keyring_of(dialect).decrypt(value)


class EncryptedDate(EncryptedString):
    """A date stored as the Fernet token of its ISO form (a date from before encryption,
    stored plain, reads too). Not comparable or sortable in SQL."""

    cache_ok = True

    def process_bind_param(self, value, dialect):
        return super().process_bind_param(None if value is None else value.isoformat(), dialect)

    def process_result_value(self, value, dialect):
        text = super().process_result_value(value, dialect)
        return None if text is None else date.fromisoformat(text)


class EncryptedJSON(TypeDecorator):
    """A JSON document (answers, licence data) stored as one Fernet token."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        document = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return keyring_of(dialect).encrypt(document)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, str):  # a legacy JSON column the driver already parsed
            return value
        return json.loads(keyring_of(dialect).decrypt(value))


ENCRYPTED_TYPES = (EncryptedString, EncryptedJSON)


def encrypted_columns(engine: Engine, metadata) -> list[tuple]:
    """(table, primary-key columns, encrypted column) of every table present."""
    present = set(inspect(engine).get_table_names())
    return [(table, list(table.primary_key.columns), column)
            for table in metadata.sorted_tables if table.name in present
            for column in table.columns if isinstance(column.type, ENCRYPTED_TYPES)]


def reencrypt(engine: Engine, metadata, only_plaintext: bool = False) -> int:
    """Rewrite every encrypted column under the newest key (`flask keys rotate`), or,
    with only_plaintext, just the values stored before encryption (start-up migration
    of the front's own tables). Returns how many values were rewritten."""
    keyring = keyring_of(engine.dialect)
    rewritten = 0
    for table, keys, column in encrypted_columns(engine, metadata):
        raw = type_coerce(column, Text)  # the stored text, not decrypted
        query = select(raw, *keys).where(column.isnot(None))
        if only_plaintext:
            query = query.where(raw.notlike(TOKEN_PREFIX + "%"))
        with engine.begin() as connection:
            for stored, *key_values in connection.execute(query).all():
                if not isinstance(stored, str):
                    stored = json.dumps(stored, ensure_ascii=False)
                connection.execute(
                    update(table).where(*(k == v for k, v in zip(keys, key_values, strict=True)))
                    .values({column.name: type_coerce(keyring.rotate(stored), Text)}))
                rewritten += 1
    return rewritten


# ---- the access log's keys --------------------------------------------------------------
CHAIN_KEYS_ENV, CHAIN_KEYS_FILE = "YIBAN_ACCESS_LOG_KEYS", "access_log_keys"


def chain_key_id(key: str) -> str:
    """The id an access-log key is known by in entries and checkpoints: a fingerprint,
    so an id can never name two different keys and says nothing about the key."""
    return "k" + hashlib.sha256(b"yiban access-log key\n" + key.encode()).hexdigest()[:12]


class ChainKeys:
    """HMAC-SHA256 keys of the access log's chain and checkpoints (app/assisted/log_seal.py):
    `YIBAN_ACCESS_LOG_KEYS` (comma-separated, newest first), else generated once into the
    data folder (`access_log_keys`, one a line, newest first). The newest key chains new
    entries; an entry records its key's id and verifies with that key for as long as the
    key is listed, so rotating is putting a new key first and keeping the old ones."""

    def __init__(self, keys: list[str]):
        if not keys:
            raise ValueError("at least one access-log key is needed")
        self._keys = {chain_key_id(k): k.encode() for k in keys}
        self.newest = chain_key_id(keys[0])

    @classmethod
    def load(cls, folder: Path) -> ChainKeys:
        if os.environ.get(CHAIN_KEYS_ENV):
            return cls([k.strip() for k in os.environ[CHAIN_KEYS_ENV].split(",") if k.strip()])
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        _create_once(folder / CHAIN_KEYS_FILE, secrets.token_hex(32) + "\n")
        return cls((folder / CHAIN_KEYS_FILE).read_text().split())

    @staticmethod
    def add_to_folder(folder: Path) -> str:
        """Put a new key first in the data folder's file (`flask access-log rotate-key`);
        the old ones stay, to verify what they chained. Returns the new key's id."""
        path = Path(folder) / CHAIN_KEYS_FILE
        new = secrets.token_hex(32)
        old = path.read_text() if path.exists() else ""
        spare = path.with_name(path.name + ".new")
        with os.fdopen(os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(new + "\n" + old)
        os.replace(spare, path)  # never a half-written file of keys
        return chain_key_id(new)

    def knows(self, key_id: str) -> bool:
        return key_id in self._keys

    def sign(self, data: str, key_id: str | None = None) -> str:
        """HMAC-SHA256 of `data` under the key `key_id` (default: the newest)."""
        key = self._keys[key_id or self.newest]
        return hmac.new(key, data.encode("utf-8"), hashlib.sha256).hexdigest()
