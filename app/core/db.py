"""One small helper for the two SQLite/PostgreSQL stores (platform and front)."""
from __future__ import annotations

import logging
import os
import weakref
from contextlib import contextmanager

from sqlalchemy import Table, create_engine, event, inspect, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from .crypto import Keyring, attach


class HideRows(logging.Filter):
    """SQLAlchemy logs each result row at DEBUG after the column types have run, i.e.
    with personal data decrypted: the rows are never let into a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "Row %r":
            record.msg, record.args = "Row (not logged: it may hold personal data)", ()
        return True


def hide_rows_from_logs() -> None:
    engine_logger = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, HideRows) for f in engine_logger.filters):
        engine_logger.addFilter(HideRows())


def schema_prepared_elsewhere() -> bool:
    """True in gunicorn's workers: `flask --app app prepare-data` made the schema and
    seeded the data once before they forked (gunicorn.conf.py), so that N workers do
    not race to do it. Unset (flask run, tests, tools), each store prepares itself."""
    return os.environ.get("YIBAN_PREPARE_DATA", "1") == "0"


_open_databases: weakref.WeakSet = weakref.WeakSet()


def dispose_inherited_connections() -> None:
    """After a fork: the child must not use the parent's pooled connections (two
    processes on one socket or SQLite handle); it opens its own."""
    for database in list(_open_databases):
        database.engine.dispose(close=False)


class Database:
    def __init__(self, url: str, base: type[DeclarativeBase], keyring: Keyring | None = None):
        self.prepares_schema = not schema_prepared_elsewhere()
        _open_databases.add(self)
        is_sqlite = url.startswith("sqlite")
        self.engine = create_engine(
            url,
            connect_args={"timeout": 30} if is_sqlite else {},
            # A login typed at sign-in (a mobile or ID number) is a query parameter:
            # parameters stay out of SQL logs and error messages.
            hide_parameters=True,
        )
        # Encrypted columns find their keys on the engine (app/core/crypto.py).
        self.keyring = keyring or Keyring.for_database(url)
        attach(self.engine, self.keyring)
        hide_rows_from_logs()
        if is_sqlite:
            # WAL lets readers go on while one request writes.
            @event.listens_for(self.engine, "connect")
            def _sqlite_pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.close()

        self.create_tables(base.metadata)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_tables(self, metadata, tables=None) -> None:
        """CREATE the missing tables, unless the schema was prepared before start-up."""
        if self.prepares_schema:
            metadata.create_all(self.engine, tables=tables)

    @contextmanager
    def session(self) -> Session:
        """A unit of work: committed on success, rolled back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()

    def add_missing_columns(self, table: Table) -> None:
        """A column added to a model after its table was created: ALTER TABLE ADD it
        (nullable columns only), so an older database keeps its rows."""
        if not self.prepares_schema:
            return
        present = {c["name"] for c in inspect(self.engine).get_columns(table.name)}
        with self.engine.begin() as connection:
            for column in table.columns:
                if column.name not in present:
                    kind = column.type.compile(dialect=self.engine.dialect)
                    connection.execute(text(
                        f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))
