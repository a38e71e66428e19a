"""Smaller findings: a language link another site can make changes only the browser's
cookie, never the stored preference; behind a proxy (YIBAN_TRUSTED_PROXIES) limits see
the real client address."""
from __future__ import annotations

from app.core.i18n import stored_language
from conftest import ZHANG, _dispose, _make_app, csrf_token, sign_in_as


def test_language_link_from_another_site_does_not_change_the_stored_preference(app, client):
    sign_in_as(client, ZHANG)
    response = client.get("/language/ug?next=/")
    assert "yiban_lang=ug" in response.headers.get("Set-Cookie", "")  # this browser: yes
    with app.app_context():
        assert stored_language(ZHANG.id) != "ug"  # the account: no


def test_behind_a_proxy_each_client_address_has_its_own_sign_in_budget(monkeypatch, tmp_path):
    monkeypatch.setenv("YIBAN_TRUSTED_PROXIES", "1")
    app = _make_app(monkeypatch, tmp_path, RATELIMIT_SIGN_IN="3 per minute")
    try:
        def sign_in_from(address):
            client = app.test_client()
            headers = {"X-Forwarded-For": address}
            token = csrf_token(client.get("/sign-in", headers=headers).get_data(as_text=True))
            return client.post("/sign-in", headers=headers, data={
                "csrf_token": token, "login": ZHANG.mobile, "password": "wrong"}).status_code
        assert [sign_in_from("203.0.113.7") for _ in range(4)] == [200, 200, 200, 429]
        assert sign_in_from("198.51.100.9") == 200  # another client behind the same proxy
    finally:
        _dispose(app)
