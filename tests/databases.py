"""Where a test's databases live: SQLite files in its data folder by default; with
YIBAN_TEST_DATABASE_URL (a PostgreSQL database, e.g.
postgresql+psycopg://postgres@127.0.0.1/yiban_test) each store of each test gets its
own schema in that database, created empty, kept for the data folder (an app made
again on the same folder, as after a restart, finds its data) and dropped when the
test session ends. A schema costs a few milliseconds where a database costs a second."""
from __future__ import annotations

import os
import secrets
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

TEST_DATABASE_URL = os.environ.get("YIBAN_TEST_DATABASE_URL")


def on_postgresql() -> bool:
    return bool(TEST_DATABASE_URL)


def _admin():
    return create_engine(TEST_DATABASE_URL, poolclass=NullPool)


_OF_FOLDER: dict[tuple[str, str], str] = {}  # (data folder, store) -> URL


def database_of(folder, store: str) -> str:
    """The database of one store of a test's data folder (made empty the first time)."""
    if not TEST_DATABASE_URL:
        return f"sqlite:///{folder / (store + '.sqlite')}"
    key = (str(folder), store)
    if key not in _OF_FOLDER:
        _OF_FOLDER[key] = fresh_database(folder, store)
    return _OF_FOLDER[key]


def drop_all() -> None:
    """At the end of the session: every schema made for a data folder."""
    while _OF_FOLDER:
        drop_database(_OF_FOLDER.popitem()[1])


def fresh_database(folder, store: str) -> str:
    """The URL of an empty database for one store of one test."""
    if not TEST_DATABASE_URL:
        return f"sqlite:///{folder / (store + '.sqlite')}"
    schema = f"t_{store}_{secrets.token_hex(6)}"
    engine = _admin()
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    joiner = "&" if "?" in TEST_DATABASE_URL else "?"
    return f"{TEST_DATABASE_URL}{joiner}options={quote(f'-csearch_path={schema}')}"


def drop_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return  # a SQLite file goes with the test's folder
    schema = url.rsplit("search_path%3D", 1)[1]
    engine = _admin()
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()
