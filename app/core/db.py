"""One small helper for the two SQLite/PostgreSQL stores (platform and front)."""
from __future__ import annotations

import logging
import os
import weakref
from contextlib import contextmanager

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from .crypto import Keyring, attach
from .private import private_file


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


# Every engine of this process. A forking server (gunicorn) forks after the app is
# made: a child must not use the pooled connections it inherited (their sockets are
# shared with the parent), so each child starts with empty pools. close=False: the
# parent's connections stay open for the parent.
_ENGINES: weakref.WeakSet = weakref.WeakSet()


def _fresh_pools_after_fork() -> None:
    for engine in list(_ENGINES):
        engine.dispose(close=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_pools_after_fork)


class Database:
    def __init__(self, url: str, base: type[DeclarativeBase] | None = None,
                 keyring: Keyring | None = None):
        is_sqlite = url.startswith("sqlite")
        if is_sqlite and make_url(url).database not in (None, "", ":memory:"):
            private_file(make_url(url).database)  # before SQLite makes it (and its WAL) 0644
        self.engine = create_engine(
            url,
            connect_args={"timeout": 30} if is_sqlite else {},
            # A login typed at sign-in (a mobile or ID number) is a query parameter:
            # parameters stay out of SQL logs and error messages.
            hide_parameters=True,
        )
        _ENGINES.add(self.engine)
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

        # No create_all here: tables come from the migrations (app/migrations).
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
