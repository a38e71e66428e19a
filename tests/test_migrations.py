"""Migrations never lose data: the databases 3bfec37 made (tests/fixtures/3bfec37, made
by that code itself, see make.py there) are upgraded by `flask db upgrade` and every
row is still there, readable by the citizen it belongs to. On SQLite by default, on
PostgreSQL when YIBAN_TEST_DATABASE_URL is set."""
from __future__ import annotations

import re
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from app import create_app
from app.core.crypto import is_token
from app.migrations import head
from conftest import ZHANG, sign_in_as
from databases import drop_database, fresh_database, on_postgresql

FIXTURE = Path(__file__).parent / "fixtures" / "3bfec37"
APPLICATION = "YB20261203000001"  # sent by ZHANG in make.py
DIALECT = "postgresql" if on_postgresql() else "sqlite"


def dump_of(store: str) -> str:
    return (FIXTURE / f"{store}.{DIALECT}.sql").read_text(encoding="utf-8")


def rows_in_dump(store: str) -> Counter:
    return Counter(re.findall(r'^INSERT INTO (?:public\.)?"?(\w+)"?', dump_of(store), re.M))


def load(url: str, store: str) -> None:
    """Build the 3bfec37 database from its dump, as that code left it."""
    if DIALECT == "sqlite":
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            connection.executescript(dump_of(store))
        return
    script = "\n".join(
        line for line in dump_of(store).replace("public.", "").splitlines()
        if not line.startswith("\\") and "set_config('search_path'" not in line)
    engine = create_engine(url, poolclass=NullPool)
    connection = engine.raw_connection()  # the driver's own: no placeholders in a dump
    try:
        connection.cursor().execute(script)
        connection.commit()
    finally:
        connection.close()
    engine.dispose()


def row_counts(url: str) -> Counter:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        counts = Counter({table: connection.execute(text(f'SELECT count(*) FROM "{table}"'))
                          .scalar_one() for table in inspect(connection).get_table_names()
                          if not table.startswith("alembic_version")})
    engine.dispose()
    return Counter({table: n for table, n in counts.items() if n})


@pytest.fixture
def old_databases(tmp_path, monkeypatch):
    """The data folder and both databases of 3bfec37; migrations at start-up off, as
    with any shared database."""
    for key in ("data_keys", "lookup_key", "secret_key"):
        shutil.copy(FIXTURE / key, tmp_path / key)
    urls = {store: fresh_database(tmp_path, store) for store in ("front", "platform")}
    for store, url in urls.items():
        load(url, store)
    monkeypatch.setenv("YIBAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("YIBAN_DATABASE_URL", urls["front"])
    monkeypatch.setenv("YIBAN_PLATFORM_DATABASE_URL", urls["platform"])
    monkeypatch.setenv("YIBAN_AUTO_MIGRATE", "0")
    monkeypatch.setenv("YIBAN_SINGLE_INSTANCE", "1")  # the fixture's keys, in the folder
    for name in ("SECRET_KEY", "YIBAN_DATA_KEYS", "YIBAN_LOOKUP_KEY", "YIBAN_ACCESS_LOG_KEYS",
                 "YIBAN_ACCESS_LOG_CHECKPOINTS", "YIBAN_WORKER"):
        monkeypatch.delenv(name, raising=False)
    yield urls
    for url in urls.values():
        drop_database(url)


def make_app():
    application = create_app({"TESTING": True})
    return application


def dispose(application):
    application.extensions["front_store"].db.engine.dispose()
    application.extensions["platform"].db.engine.dispose()


def test_the_dumps_hold_what_a_citizen_and_a_helper_did():
    front, platform = rows_in_dump("front"), rows_in_dump("platform")
    assert front["draft"] == 2 and front["outbox"] == 1 and front["helper_authorisation"] == 1
    assert platform["application"] == 1 and platform["person"] == 6


def test_a_3bfec37_database_is_upgraded_and_every_row_is_still_there(old_databases):
    before = {store: row_counts(url) for store, url in old_databases.items()}
    assert before["front"] == rows_in_dump("front") and before["platform"] == rows_in_dump("platform")

    result = make_app().test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"front: at {head('front')}" in result.output
    assert f"platform: at {head('platform')}" in result.output

    after = {store: row_counts(url) for store, url in old_databases.items()}
    assert after == before

    application = make_app()
    try:
        assert not application.extensions["schema_behind"]
        platform = application.extensions["platform"]
        assert platform.application(APPLICATION, ZHANG.id).service_code == "retirement"
        draft = application.extensions["front_store"].open_draft(ZHANG.id, "elderly-allowance")
        assert draft.answers  # the one answer given before the upgrade
        client = application.test_client()
        sign_in_as(client, ZHANG)  # with the password hash and keys of 3bfec37
        assert APPLICATION in client.get("/my/").get_data(as_text=True)
        # The access log 3bfec37 chained with plain sha256 still verifies, and goes on
        # with keyed entries once sealed as it was (app/assisted/log_seal.py).
        consents = application.extensions["consents"]
        assert consents.verify_chain().ok
        consents.record_access("wang-xiuying", "zhou-jianhua", "helper", "view_profile")
        verdict = consents.verify_chain()
        assert verdict.ok and verdict.entries == 4
        assert (verdict.latest.count, verdict.latest.legacy) == (3, 3)
    finally:
        dispose(application)


def test_a_front_behind_its_schema_changes_nothing_and_answers_503(old_databases):
    """Start-up never creates, drops or re-seeds tables on a shared database: the
    pages say "try later" until `db upgrade` has run."""
    before = {store: row_counts(url) for store, url in old_databases.items()}
    application = make_app()
    try:
        assert len(application.extensions["schema_behind"]) == 2
        assert application.test_client().get("/").status_code == 503
        after = {store: row_counts(url) for store, url in old_databases.items()}
        # The rows written: the speech script of the 503 page itself (app/speech) and
        # the visitor's server-side session (Flask-Session makes its own table if
        # missing: app/core/sessions.py).
        after["front"].pop("speech_script"), before["front"].pop("speech_script")
        after["front"].pop("sessions", None), before["front"].pop("sessions", None)
        assert after == before
    finally:
        dispose(application)


def test_upgrading_twice_changes_nothing(old_databases):
    runner = make_app().test_cli_runner()
    runner.invoke(args=["db", "upgrade"])
    once = {store: row_counts(url) for store, url in old_databases.items()}
    again = runner.invoke(args=["db", "upgrade"])
    assert again.exit_code == 0, again.output
    assert {store: row_counts(url) for store, url in old_databases.items()} == once


def test_db_current_names_each_store_s_revision(app):
    result = app.test_cli_runner().invoke(args=["db", "current"])
    assert result.output.splitlines() == [f"front: at {head('front')}",
                                          f"platform: at {head('platform')}"]


@pytest.mark.parametrize("store", ["front", "platform"])
def test_the_models_match_the_migrated_schema(app, store):
    """A model changed without a revision fails here: the database `db upgrade` makes
    must be the one the models describe (what `db revision --autogenerate` would write
    is nothing)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from app.migrations import metadata, ours_only, stores_of
    db = dict(stores_of(app))[store]
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_name": ours_only(metadata(store))})
        assert compare_metadata(context, metadata(store)) == []


def test_a_3bfec37_persons_name_birth_date_and_address_are_encrypted_in_place(old_databases):
    """platform_0002: the rows 3bfec37 stored in clear are encrypted, none is lost,
    and the app still reads them."""
    def particulars() -> list[tuple]:
        engine = create_engine(old_databases["platform"], poolclass=NullPool)
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT name, birth_date, address FROM person ORDER BY id")).all()
        engine.dispose()
        return [tuple(str(value) for value in row) for row in rows]

    before = particulars()
    assert ("张建国", "1966-10-12", "北京市东城区东华门街道示例路 1 号") in before
    upgrading = make_app()
    result = upgrading.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    dispose(upgrading)  # SQLite: its write-ahead log is written back into the file
    after = particulars()
    assert len(after) == len(before) and all(is_token(v) for row in after for v in row)
    if DIALECT == "sqlite":  # nothing left in the file either (freed pages included)
        content = Path(old_databases["platform"].removeprefix("sqlite:///")).read_bytes()
        assert not [v for row in before for v in row if v.encode() in content]

    application = make_app()
    try:
        platform = application.extensions["platform"]
        people = [platform.person(person_id) for person_id in person_ids(old_databases)]
        assert sorted((p.name, p.birth_date.isoformat(), p.address) for p in people) \
            == sorted(before)
        client = application.test_client()
        sign_in_as(client, ZHANG)
        assert ZHANG.name in client.get("/my/").get_data(as_text=True)
    finally:
        dispose(application)


def person_ids(urls) -> list[str]:
    engine = create_engine(urls["platform"], poolclass=NullPool)
    with engine.connect() as connection:
        ids = list(connection.execute(text("SELECT id FROM person")).scalars())
    engine.dispose()
    return ids
