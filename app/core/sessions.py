"""Server-side sessions (Flask-Session): the cookie carries only an opaque random id;
who is signed in, the form token and anything else live in the store, so signing out,
idle expiry and "sign out everywhere" end a session on the server, and a copied
cookie opens nothing afterwards.

The store is chosen in one place, config.py (SESSION_TYPE): by default the front's
own database (`sessions` table), so the embedded default needs nothing more; any
other Flask-Session backend (e.g. Redis) is a configuration change. Our cookie rules
(Secure over HTTPS; a refused cross-site post writes nothing) ride on whichever
backend class Flask-Session picked."""
from __future__ import annotations

import functools
from datetime import datetime, timezone

import redis
from flask import current_app, session
from flask_session import Session
from flask_session._utils import retry_query
from flask_sqlalchemy import SQLAlchemy
from itsdangerous import want_bytes
from sqlalchemy import bindparam, select

from .form_tokens import session_left_alone
from .security import over_https


class CookieRules:
    """Mixed in before the backend's own interface class."""

    def get_cookie_secure(self, app) -> bool:
        return over_https()

    def should_set_storage(self, app, session) -> bool:
        return not session_left_alone() and super().should_set_storage(app, session)

    def should_set_cookie(self, app, session) -> bool:
        return not session_left_alone() and super().should_set_cookie(app, session)


class PlainSqlRead:
    """The SQL store's read, asked on every request with a session cookie: one
    statement on a pooled connection instead of Flask-Session's ORM query through the
    request's scoped session (about half the cost of the read, which it then also
    tears down). Read from the database every time, as before: nothing is kept in the
    process, so a session ended by another process is refused at once. An expired row
    goes the backend's own way (deleted)."""

    @functools.cached_property
    def _read(self):
        """Built once: per call, building it cost more than the query."""
        table = self.sql_session_model.__table__
        return select(table.c.data, table.c.expiry).where(
            table.c.session_id == bindparam("store_id"))

    @retry_query()
    def _retrieve_session_data(self, store_id: str) -> dict | None:
        with self.client.engine.connect() as connection:
            row = connection.execute(self._read, {"store_id": store_id}).first()
        if row is None:
            return None
        if row.expiry is None or row.expiry <= datetime.now(timezone.utc).replace(tzinfo=None):
            return super()._retrieve_session_data(store_id)
        return self.serializer.decode(want_bytes(row.data))


def init_app(app) -> None:
    if app.config["SESSION_TYPE"] == "sqlalchemy" and not app.config.get("SESSION_SQLALCHEMY"):
        app.config.setdefault("SQLALCHEMY_DATABASE_URI", app.config["FRONT_DATABASE_URL"])
        app.config["SESSION_SQLALCHEMY"] = SQLAlchemy(app)
    if app.config["SESSION_TYPE"] == "redis" and not app.config.get("SESSION_REDIS"):
        app.config["SESSION_REDIS"] = redis.Redis.from_url(app.config["REDIS_URL"])
    Session(app)
    backend = type(app.session_interface)
    rules = (CookieRules, PlainSqlRead) if app.config["SESSION_TYPE"] == "sqlalchemy" \
        else (CookieRules,)
    app.session_interface.__class__ = type(f"Yiban{backend.__name__}", (*rules, backend), {})


def new_session_id() -> None:
    """A fresh id for this session, the old one deleted from the store (sign-in:
    no fixation; sign-out: a copy of the old cookie opens nothing)."""
    if session:
        current_app.session_interface.regenerate(session)


def prune_expired(app) -> int:
    """Sessions past their lifetime, for stores without expiry of their own (SQL);
    -1 where the store expires them itself."""
    interface = app.session_interface
    if getattr(interface, "ttl", True):
        return -1
    model = interface.sql_session_model
    from datetime import datetime, timezone
    with app.app_context():
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        deleted = model.query.filter(model.expiry <= now).delete(synchronize_session=False)
        interface.client.session.commit()
    return deleted
