"""The stores under a forking server: each child process opens its own connections
(on PostgreSQL when YIBAN_TEST_DATABASE_URL is set, else SQLite)."""
from __future__ import annotations

import json
import os

from sqlalchemy import text


def _connection_id(connection) -> str:
    if connection.dialect.name == "postgresql":
        return str(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
    return str(id(connection.connection.dbapi_connection))


def test_a_forked_worker_starts_with_empty_pools_and_its_own_connection(app):
    engine = app.extensions["front_store"].db.engine
    with engine.connect() as connection:  # the parent now holds a pooled connection
        parent_id = _connection_id(connection)
    assert engine.pool.checkedin() == 1
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: report, then leave without running any test teardown
        try:
            pooled = engine.pool.checkedin()
            with engine.connect() as connection:
                drafts = connection.execute(text("SELECT count(*) FROM draft")).scalar_one()
                report = {"pooled": pooled, "id": _connection_id(connection), "drafts": drafts}
        except Exception as error:  # noqa: BLE001  (reported to the parent)
            report = {"error": repr(error)}
        os.write(write, json.dumps(report).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    report = json.loads(os.read(read, 10_000))
    os.close(read)
    assert report.get("pooled") == 0, report
    assert report["drafts"] == 0
    if engine.dialect.name == "postgresql":
        assert report["id"] != parent_id  # its own server connection
    with engine.connect() as connection:  # the parent's pool still works
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
