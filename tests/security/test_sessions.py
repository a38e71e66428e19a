"""Sessions end on the server: a copy of the cookie taken before sign-out, idle expiry
or "sign out everywhere" opens nothing afterwards, and the cookie itself is an opaque
id with nothing of the person in it."""
from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest

from conftest import ZHANG, csrf_token, sign_in_as


def copy_of_cookie(app, client):
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and urlsplit(response.location).path == "/sign-in"


@pytest.mark.parametrize("page", ["/my/", "/my/access-log"])
def test_cookie_copied_before_sign_out_opens_nothing_after(app, client, page):
    sign_in_as(client, ZHANG)
    thief = copy_of_cookie(app, client)
    assert thief.get(page).status_code == 200  # the copy works while signed in …
    token = csrf_token(client.get("/my/").get_data(as_text=True))
    client.post("/sign-out", data={"csrf_token": token})
    assert sent_to_sign_in(thief.get(page))  # … and not after sign-out


def test_cookie_copied_before_idle_expiry_opens_nothing_after(app, client):
    sign_in_as(client, ZHANG)
    thief = copy_of_cookie(app, client)
    with client.session_transaction() as session:
        session["seen"] = time.time() - 31 * 60
    assert sent_to_sign_in(client.get("/my/"))  # the owner's next request ends it
    assert sent_to_sign_in(thief.get("/my/"))


def test_sign_out_everywhere_ends_the_sessions_on_other_devices(app, client):
    sign_in_as(client, ZHANG)
    phone = app.test_client()
    sign_in_as(phone, ZHANG)
    token = csrf_token(client.get("/my/").get_data(as_text=True))
    response = client.post("/sign-out-everywhere", data={"csrf_token": token})
    assert urlsplit(response.location).path == "/signed-out"
    assert sent_to_sign_in(phone.get("/my/"))
    assert sent_to_sign_in(client.get("/my/"))
    sign_in_as(phone, ZHANG)  # signing in again afterwards works
    assert phone.get("/my/").status_code == 200


def test_cookie_carries_only_an_opaque_id(client):
    sign_in_as(client, ZHANG)
    value = client.get_cookie("session").value
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,64}", value), value
    for secret in (ZHANG.id, "person_id", ZHANG.mobile):
        assert secret not in value


@pytest.mark.parametrize("ending", ["/sign-out", "/sign-out-everywhere"])
def test_a_session_ended_in_one_process_is_refused_at_once_by_another(
        app, client, monkeypatch, tmp_path, ending):
    """Another worker or instance on the same store (a second app on the same data
    folder) reads the session and the sign-out-everywhere mark from the store on every
    request: nothing it kept lets a session ended elsewhere go on, not even for a page
    it has just served (a question page, check answers)."""
    from conftest import _dispose, _make_app
    other_app = _make_app(monkeypatch, tmp_path)
    try:
        sign_in_as(client, ZHANG)
        client.get("/apply/elderly-allowance")
        other = copy_of_cookie(other_app, client)
        pages = ("/my/", "/apply/elderly-allowance/check", "/apply/elderly-allowance/full_name")
        for page in pages:
            assert other.get(page).status_code == 200, page
        token = csrf_token(client.get("/my/").get_data(as_text=True))
        assert client.post(ending, data={"csrf_token": token}).status_code == 302
        for page in pages:
            assert sent_to_sign_in(other.get(page)), page
    finally:
        _dispose(other_app)
