"""One small helper for the two SQLite/PostgreSQL stores (platform and front)."""
from __future__ import annotations

import logging
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


class Database:
    def __init__(self, url: str, base: type[DeclarativeBase], keyring: Keyring | None = None):
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

        base.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

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
        present = {c["name"] for c in inspect(self.engine).get_columns(table.name)}
        with self.engine.begin() as connection:
            for column in table.columns:
                if column.name not in present:
                    kind = column.type.compile(dialect=self.engine.dialect)
                    connection.execute(text(
                        f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))
