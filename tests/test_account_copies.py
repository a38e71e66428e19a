"""Who is signed in, without asking the platform on every page (app/core/account_copies.py):
kept a few seconds per process, and an encrypted copy in the front's store that stands in
while the platform cannot be reached, so a citizen goes on answering and sends."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text, update

from app.core.account_copies import AccountCopies, prune_copies
from app.core.catalogue_copies import keep_whole
from app.core.clock import utcnow
from app.core.front_store import AccountCopy
from app.platform.http.codec import dump
from conftest import (PLATFORM_DOWN, ZHANG, answer_question, path_of, post_with_csrf,
                      run_background_jobs, sign_in_as, submit_check, text_of, translate)
from faults import UnreachablePlatform

SERVICE = "elderly-allowance"


@pytest.fixture
def unreachable(app):
    wrapper = app.extensions["platform"] = UnreachablePlatform(app.extensions["platform"])
    return wrapper


def new_process(app) -> None:
    """A worker process that has never seen the citizen: nothing kept in its memory."""
    app.extensions["account_copies"] = AccountCopies(
        app.config["ACCOUNT_FRESH_SECONDS"], app.config["ACCOUNT_COPY_KEEP_SECONDS"])


def started(client, app) -> str:
    """The citizen signs in and answers the first question; the next question's path."""
    sign_in_as(client, ZHANG)
    first = path_of(client.get(f"/apply/{SERVICE}").location)
    return path_of(answer_question(client, app, first, None).location)


def test_a_citizen_goes_on_and_sends_while_the_platform_is_down(app, client, unreachable):
    second = started(client, app)
    new_process(app)
    unreachable.down = True

    page = client.get(second)
    assert page.status_code == 200
    shown = text_of(page.get_data(as_text=True))
    assert translate(app, PLATFORM_DOWN) in shown and ZHANG.name in shown
    location = second
    while not location.endswith("/check"):  # every answer saved by the front
        response = answer_question(client, app, location, None)
        assert response.status_code == 302, location
        location = path_of(response.location)
    sent = submit_check(client, SERVICE)
    assert sent.status_code == 302 and "/submissions/" in sent.location
    assert unreachable.calls["submit"] == 1  # tried once at once; the outbox has it

    unreachable.down = False
    app.extensions["clock"] = lambda: utcnow() + timedelta(minutes=1)  # the retry is due
    run_background_jobs(app)
    [application] = unreachable.inner.applications_of(ZHANG.id)
    assert application.number in client.get(path_of(sent.location)).get_data(as_text=True)
    assert translate(app, PLATFORM_DOWN) not in text_of(client.get("/").get_data(as_text=True))


def test_the_copy_is_encrypted_at_rest(app, client, store):
    sign_in_as(client, ZHANG)
    client.get("/")
    person = app.extensions["platform"].person(ZHANG.id)
    with store.db.engine.connect() as connection:
        [raw] = connection.execute(text(
            "SELECT data FROM account_copy WHERE account = :account"),
            {"account": f"person:{ZHANG.id}"}).scalars()
    for secret in (person.name, person.id_number, person.mobile, person.address):
        assert secret not in raw
    assert store.copy_of(f"person:{ZHANG.id}", utcnow() - timedelta(minutes=1)) == dump(person)


def test_a_process_started_while_the_platform_is_down_goes_on_from_kept_copies(
        app, client, store, unreachable):
    """A worker that never read the catalogue (started, or restarted by max_requests,
    during the outage) shows the questions, check answers and the saved submission
    from the catalogue copies the front keeps (app/core/catalogue_copies.py)."""
    second = started(client, app)
    location = second
    while not location.endswith("/check"):
        location = path_of(answer_question(client, app, location, None).location)
    unreachable.down = True
    sent = submit_check(client, SERVICE)
    assert sent.status_code == 302 and "/submissions/" in sent.location
    # A new process: nothing of the catalogue nor of the citizen in its memory.
    cold = app.extensions["platform"] = UnreachablePlatform(unreachable.inner)
    cold.down = True
    new_process(app)
    for path in (path_of(sent.location), second, f"/apply/{SERVICE}/check"):
        page = client.get(path)
        assert page.status_code == 200, path
        shown = text_of(page.get_data(as_text=True))
        assert translate(app, PLATFORM_DOWN) in shown, path
    assert "高龄津贴" in text_of(client.get(second).get_data(as_text=True))  # the service named
    assert cold.calls["catalogue_version"] >= 3  # asked each time: it was down
    assert store.copy_of(f"catalogue:service:{SERVICE}:zh_Hans_CN",
                         utcnow() - timedelta(minutes=1)) is not None


def test_a_service_nobody_opened_in_that_language_is_there_in_an_outage(
        app, client, store, unreachable):
    """The background job keeps the whole catalogue in every language, not only the
    parts pages happened to read: in a process started during the outage, a Uyghur
    reader starts a service nobody had opened in Uyghur (the audit's
    question-platform-down state found the unavailable page there)."""
    sign_in_as(client, ZHANG)
    post_with_csrf(client, "/language/ug?next=/my/", page="/my/")
    with app.app_context():
        assert keep_whole(app) > 0
        assert keep_whole(app) == 0  # the same version, and the copies are young
    cold = app.extensions["platform"] = UnreachablePlatform(unreachable.inner)
    cold.down = True
    new_process(app)
    page = client.get(f"/apply/{SERVICE}", follow_redirects=True)
    assert page.status_code == 200
    assert translate(app, PLATFORM_DOWN, locale="ug") in text_of(page.get_data(as_text=True))


def test_without_a_copy_the_page_is_the_kind_one(app, client, store, unreachable):
    second = started(client, app)
    store.forget_copy(f"person:{ZHANG.id}")
    new_process(app)
    unreachable.down = True
    page = client.get(second)
    assert page.status_code == 503 and "暂时无法连接" in page.get_data(as_text=True)


def test_a_copy_older_than_the_keep_time_is_not_used(app, client, store, unreachable):
    second = started(client, app)
    keep = timedelta(seconds=app.config["ACCOUNT_COPY_KEEP_SECONDS"])
    with store.db.session() as s:
        s.execute(update(AccountCopy).where(AccountCopy.account == f"person:{ZHANG.id}")
                  .values(fetched_at=utcnow() - keep - timedelta(minutes=1)))
    new_process(app)
    unreachable.down = True
    assert client.get(second).status_code == 503

    assert prune_copies(app) == 1  # the worker's hourly job deletes it
    assert store.copy_of(f"person:{ZHANG.id}", utcnow() - keep * 2) is None


def test_who_is_signed_in_is_asked_once_within_the_fresh_time(app, client, unreachable):
    app.config["ACCOUNT_FRESH_SECONDS"] = 10  # as served (tests ask every time)
    new_process(app)
    sign_in_as(client, ZHANG)
    unreachable.calls.clear()
    for _ in range(3):
        assert client.get(f"/apply/{SERVICE}", follow_redirects=True).status_code == 200
    assert unreachable.calls.get("person") == 1


def test_someone_the_platform_no_longer_knows_is_signed_out_and_forgotten(
        app, client, store, unreachable, monkeypatch):
    sign_in_as(client, ZHANG)
    client.get("/")
    new_process(app)
    monkeypatch.setattr(unreachable.inner, "person", lambda person_id: None)
    page = client.get("/my/", follow_redirects=False)
    assert page.status_code == 302 and "/sign-in" in page.location
    assert store.copy_of(f"person:{ZHANG.id}", utcnow() - timedelta(days=1)) is None
