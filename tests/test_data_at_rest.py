"""Personal data at rest: ID numbers, mobile numbers, bank accounts, and people's
names, dates of birth and addresses are encrypted in both databases, found at sign-in by a keyed hash, shown
masked where the full value is not needed, re-encrypted by `flask keys rotate`, and
never written to a log."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from app import create_app
from app.core.crypto import KEYS_ENV, LOOKUP_ENV, DecryptionFailed, Keyring, is_token
from app.forms.identifiers import mask_bank_account, mask_id_number
from app.platform import Document
from app.core.front_store import FrontStore
from app.migrations import upgrade
from conftest import (CHEN, PDF_BYTES, VALID_ANSWERS, ZHANG, ZHOU, _COMPILED_TEMPLATES, _dispose,
                      _make_app, _seed_yaml, csrf_token, sign_in, sign_in_as, stale_token,
                      submit_check,
                      walk_service)
from databases import on_postgresql
from faults import FlakyPlatform

CODE = "elderly-allowance"  # asks for an ID number and a bank account


def demo_identifiers() -> set[str]:
    """Every demo person's ID numbers, mobile numbers and bank accounts."""
    people = _seed_yaml("people.yaml")
    found = {str(h["mobile"]) for h in people["helpers"]}
    for citizen in people["citizens"]:
        found |= {str(citizen["id_number"]), str(citizen["mobile"])}
        for licence in citizen.get("licences", []):
            found |= {str(v) for k, v in licence.get("data", {}).items()
                      if "id_number" in k or "bank_account" in k}
    found |= {VALID_ANSWERS[k] for k in ("id_number", "mobile", "bank_account")}
    assert len(found) > 15
    return found


def in_clear(folder: Path, values: set[str], database: str) -> list[str]:
    """Which of `values` some file of the data folder holds as they are (`database`:
    a file that must be among them)."""
    files = {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert any(name.endswith(database) for name in files)
    return [f"{value} in {name}" for name, content in files.items()
            for value in values if value.encode() in content]


def full_journey(client, app):
    """Failed sign-ins, a sent application with identifiers, answers kept after a stale
    form, the check page read aloud (its reading script is stored), the detail page."""
    sign_in(client, ZHANG.mobile, "wrong password")
    sign_in(client, ZHANG.id_number, "wrong password")
    sign_in(client, CHEN.id_number.lower(), "wrong password")
    page = client.get("/helper/sign-in").get_data(as_text=True)
    client.post("/helper/sign-in", data={"csrf_token": csrf_token(page), "login": ZHOU.mobile,
                                         "password": "wrong"})
    sign_in_as(client, ZHANG)
    walk_service(client, app, CODE)
    client.get(f"/apply/{CODE}/check")
    response = submit_check(client, CODE)
    client.get(response.location)
    client.get("/my/")
    # Applying again, left half done: an answer kept from a stale form, read aloud.
    client.get(f"/apply/{CODE}")
    token = stale_token(client, ZHANG, f"/apply/{CODE}/id_number")
    client.post(f"/apply/{CODE}/id_number", data={"id_number": CHEN.id_number,
                                                  "csrf_token": token})
    client.get(f"/apply/{CODE}/id_number")
    return response


@pytest.mark.skipif(on_postgresql(), reason="reads the SQLite files of the data folder")
def test_no_identifier_is_stored_in_clear_anywhere_in_the_data_folder(app, client, tmp_path):
    full_journey(client, app)
    store = app.extensions["front_store"]
    [draft] = store.open_drafts(ZHANG.id)
    assert CHEN.id_number in str(draft.pending)  # kept, and readable by the app
    _dispose(app)
    assert in_clear(tmp_path, demo_identifiers(), "front.sqlite") == []


def demo_particulars() -> set[str]:
    """Every demo citizen's name, date of birth (as a database writes a date) and address."""
    return {str(value) for citizen in _seed_yaml("people.yaml")["citizens"]
            for value in (citizen["name"], citizen["birth_date"], citizen["address"])}


@pytest.mark.skipif(on_postgresql(), reason="reads the SQLite files of the data folder")
def test_no_name_birth_date_or_address_is_stored_in_clear_in_the_data_folder(
        app, client, tmp_path):
    full_journey(client, app)
    assert ZHANG.name in client.get("/my/").get_data(as_text=True)  # the app still shows it
    _dispose(app)
    assert in_clear(tmp_path, demo_particulars(), "platform.sqlite") == []


def test_a_persons_name_birth_date_and_address_are_stored_as_tokens(platform):
    with platform.db.engine.connect() as connection:
        stored = connection.execute(text(
            "SELECT name, birth_date, address FROM person WHERE id = :id"),
            {"id": ZHANG.id}).one()
    assert all(is_token(value) for value in stored)
    person = platform.person(ZHANG.id)
    assert (person.name, person.birth_date.isoformat()) == (ZHANG.name, "1966-10-12")
    assert person.address.startswith("北京市东城区")


def test_sign_in_finds_people_by_the_keyed_hash_of_mobile_or_id_number(client, platform):
    assert platform.authenticate(" 138 0000 0005 ", CHEN.password).id == CHEN.id
    assert platform.authenticate(CHEN.id_number.lower(), CHEN.password).id == CHEN.id
    assert platform.find_helper(ZHOU.mobile).id == ZHOU.id
    with platform.db.engine.connect() as connection:
        stored = connection.execute(text(
            "SELECT id_number, id_number_hash, mobile FROM person WHERE id = :id"),
            {"id": CHEN.id}).one()
    assert is_token(stored.id_number) and is_token(stored.mobile)
    assert stored.id_number_hash == platform.db.keyring.lookup(CHEN.id_number)
    assert platform.person(CHEN.id).id_number == CHEN.id_number


def test_confirmation_and_detail_pages_show_identifiers_masked(app, client):
    response = full_journey(client, app)
    number = response.location.rsplit("/", 2)[-2]
    for url in (response.location, f"/my/applications/{number}", "/my/"):
        html = client.get(url).get_data(as_text=True)
        for identifier in (ZHANG.id_number, VALID_ANSWERS["bank_account"]):
            assert identifier not in html, (url, identifier)
    detail = client.get(f"/my/applications/{number}").get_data(as_text=True)
    # Shown masked in display groups (spans; the text is the masked number itself).
    shown = re.sub(r"<[^>]+>", "", detail)
    assert mask_id_number(ZHANG.id_number) in shown
    assert mask_bank_account(VALID_ANSWERS["bank_account"]).replace(" ", "") in \
        shown.replace(" ", "")


# ---- logs --------------------------------------------------------------------------------
@pytest.mark.parametrize("echo", [False, True], ids=["sql-quiet", "sql-echo"])
def test_no_identifier_reaches_the_logs(caplog, monkeypatch, tmp_path, echo):
    caplog.set_level(logging.DEBUG)
    for name in ("app", "werkzeug", "flask_limiter", "flask_wtf"):
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.set_level(logging.DEBUG if echo else logging.WARNING, logger="sqlalchemy.engine")
    app = _make_app(monkeypatch, tmp_path)
    try:
        flaky = app.extensions["platform"] = FlakyPlatform(app.extensions["platform"])
        flaky.fail_next(TimeoutError())  # the outbox logs the retry
        client = app.test_client()
        full_journey(client, app)
        client.get("/no/such/page")
        records = caplog.records
        logged = "\n".join([caplog.text] + [r.getMessage() for r in records]
                           + [repr(r.args) for r in records])
        assert "outbox 1: attempt 1 failed (TimeoutError)" in logged  # logging is on
        if echo:  # the statements and their parameters were logged too
            assert "SELECT" in logged and "FROM person" in logged
        for identifier in demo_identifiers():
            assert identifier not in logged, f"{identifier} in the logs"
    finally:
        _dispose(app)


# ---- keys ----------------------------------------------------------------------------------
def app_with_keys(monkeypatch, folder: Path, keys: list[str]):
    """The app on `folder` with its data keys from the environment."""
    monkeypatch.setenv("YIBAN_DATA_DIR", str(folder))
    monkeypatch.setenv(KEYS_ENV, ",".join(keys))
    application = create_app({"TESTING": True})
    application.jinja_env.bytecode_cache = _COMPILED_TEMPLATES
    return application


def test_rotation_moves_every_value_to_the_new_key(app, client, monkeypatch, tmp_path):
    full_journey(client, app)
    number = app.extensions["platform"].applications_of(ZHANG.id)[0].number
    proof = app.extensions["platform"].submit(  # a file the platform keeps (a document)
        "remote-medical-filing", ZHANG.id,
        {"residence_proof": Document("证明.pdf", "application/pdf", PDF_BYTES)},
        "rotation-document").answers["residence_proof"]["document"]
    old = (tmp_path / "data_keys").read_text().split()[0]
    new = Fernet.generate_key().decode()
    _dispose(app)

    both = app_with_keys(monkeypatch, tmp_path, [new, old])  # old values still open
    try:
        assert both.extensions["platform"].person(ZHANG.id).id_number == ZHANG.id_number
        result = both.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert "front:" in result.output and "platform:" in result.output
    finally:
        _dispose(both)

    only_new = app_with_keys(monkeypatch, tmp_path, [new])
    try:
        platform = only_new.extensions["platform"]
        assert platform.authenticate(ZHANG.id_number, ZHANG.password).mobile == ZHANG.mobile
        assert platform.application(number, ZHANG.id).answers["id_number"] == ZHANG.id_number
        assert platform.person(ZHANG.id).licences[0].number
        assert platform.document_content(proof) == PDF_BYTES
        [draft] = only_new.extensions["front_store"].open_drafts(ZHANG.id)
        assert CHEN.id_number in str(draft.pending)
    finally:
        _dispose(only_new)

    only_old = app_with_keys(monkeypatch, tmp_path, [old])
    try:
        with pytest.raises(DecryptionFailed):
            only_old.extensions["platform"].person(ZHANG.id)
    finally:
        _dispose(only_old)


def test_keys_from_the_environment_leave_no_key_file(monkeypatch, tmp_path):
    monkeypatch.setenv(KEYS_ENV, Fernet.generate_key().decode())
    monkeypatch.setenv(LOOKUP_ENV, "a-lookup-key-from-a-secret-store")
    keyring = Keyring.load(tmp_path)
    assert keyring.decrypt(keyring.encrypt("13800000001")) == "13800000001"
    assert list(tmp_path.iterdir()) == []


def test_generate_prints_a_usable_key(app):
    result = app.test_cli_runner().invoke(args=["keys", "generate"])
    Fernet(result.output.strip().encode())


def test_upgrading_a_front_store_from_before_migrations_encrypts_what_was_in_clear(tmp_path):
    """Drafts are citizens' work: a front store from before migrations (and before
    encryption) is encrypted in place by `db upgrade`, once, not at every start (and
    old sign-in throttling rows, keyed by the login in clear, are dropped)."""
    url = f"sqlite:///{tmp_path / 'front.sqlite'}"
    store = FrontStore(url)
    upgrade(store.db, "front", "front_0001")  # the baseline: 3bfec37's tables, nothing newer
    draft = store.start_draft(ZHANG.id, CODE)
    store.save_answers(draft.id, {"id_number": ZHANG.id_number})
    with store.db.engine.begin() as connection:  # as an older version left them
        connection.execute(text("UPDATE draft SET answers = :a, pending = '{}'"),
                           {"a": '{"id_number": "%s"}' % ZHANG.id_number})
        connection.execute(text("INSERT INTO sign_in_failures (login, count, last_at) "
                                "VALUES (:login, 3, CURRENT_TIMESTAMP)"), {"login": ZHANG.mobile})
        connection.execute(text("DROP TABLE alembic_version_front"))  # before migrations
    assert store.open_draft(ZHANG.id, CODE).answers == {"id_number": ZHANG.id_number}
    store.db.engine.dispose()

    again = FrontStore(url)
    upgrade(again.db, "front")
    try:
        with again.db.engine.connect() as connection:
            answers, pending = connection.execute(text("SELECT answers, pending FROM draft")).one()
            logins = connection.execute(text("SELECT login FROM sign_in_failures")).all()
        assert is_token(answers) and is_token(pending) and logins == []
        assert again.open_draft(ZHANG.id, CODE).answers == {"id_number": ZHANG.id_number}
    finally:
        again.db.engine.dispose()


def test_throttling_keeps_no_login_in_clear(app, client):
    sign_in(client, ZHANG.mobile, "wrong password")
    store = app.extensions["front_store"]
    counted_as = f"account:{ZHANG.id}"  # per account (app/blueprints/account.py)
    assert store.failures(counted_as).count == 1
    with store.db.engine.connect() as connection:
        [login] = connection.execute(text("SELECT login FROM sign_in_failures")).scalars()
    assert login == store.db.keyring.lookup(counted_as) and ZHANG.mobile not in login


def test_a_wrong_key_is_named_not_mistaken_for_data():
    writer = Keyring([Fernet.generate_key().decode()], "lookup")
    reader = Keyring([Fernet.generate_key().decode()], "lookup")
    with pytest.raises(DecryptionFailed, match=KEYS_ENV):
        reader.decrypt(writer.encrypt("6200000000000000101"))
