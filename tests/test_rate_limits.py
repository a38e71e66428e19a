"""Rate limits on sign-in, consent codes and search (app/core/limits.py), and the page that
says how long to wait. The real limits are generous (the suite and the browser audits
never reach them); these tests make them tiny to reach them."""
from __future__ import annotations

import re

import pytest

from app.core.limits import DEFAULTS, LIMITS
from conftest import (WANG, ZHANG, ZHOU, _dispose, _make_app, _render, csrf_token, h1s,
                      post_with_csrf, sign_in_as, sign_in_as_helper, text_of, title)
from test_security_headers import assert_security_headers


@pytest.fixture
def tight(monkeypatch, tmp_path):
    """make(**limits): an app whose limits are as given (e.g. RATELIMIT_SEARCH="2/minute")."""
    made = []

    def make(**limits):
        app = _make_app(monkeypatch, tmp_path / str(len(made)), **limits)
        made.append(app)
        return app
    yield make
    for app in made:
        _dispose(app)


def said(app, msgid, plural=None, num=None, **variables) -> str:
    return _render(app, "zh_Hans_CN", msgid, plural, num, variables)


def sign_in_post(client, login="13800000009", password="wrong", url="/sign-in"):
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "login": login, "password": password})


def test_the_limits_are_generous_and_each_has_a_route():
    assert DEFAULTS["RATELIMIT_SIGN_IN"] == "20 per minute;300 per hour"
    assert DEFAULTS["RATELIMIT_CONSENT"] == "10 per minute;60 per hour"
    assert DEFAULTS["RATELIMIT_SEARCH"] == "120 per minute"
    # Sentences synthesised: five 40-sentence elder-mode pages a minute per address.
    assert DEFAULTS["RATELIMIT_SPEECH"] == "200 per minute;2000 per hour"
    assert {endpoint for endpoint, *_ in LIMITS} == {
        "account.sign_in", "assisted.sign_in", "assisted.in_person", "consent.grant",
        "catalogue.search"}


def test_too_many_sign_ins_get_a_page_that_says_how_long_to_wait(tight):
    app = tight(RATELIMIT_SIGN_IN="2 per minute")
    client = app.test_client()
    for _ in range(2):
        assert sign_in_post(client).status_code == 200  # wrong password: the form again
    response = sign_in_post(client)
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 30 <= wait <= 60  # a minute from the first try (less on a slow machine)
    html = response.get_data(as_text=True)
    assert len(h1s(html)) == 1 and title(html).startswith(said(app, "Please wait a moment"))
    assert said(app, "Too many tries. Wait %(num)d second, then try again.",
                "Too many tries. Wait %(num)d seconds, then try again.", wait) in text_of(html)
    assert 'href="/sign-in"' in html  # back to the form, when ready
    assert "http-equiv" not in html  # no refresh: the person decides when to try again
    assert_security_headers(response)


def test_the_sign_in_page_itself_is_never_limited(tight):
    client = tight(RATELIMIT_SIGN_IN="1 per minute").test_client()
    sign_in_post(client)
    assert all(client.get("/sign-in").status_code == 200 for _ in range(5))


def test_citizen_and_helper_sign_in_share_one_budget_per_address(tight):
    app = tight(RATELIMIT_SIGN_IN="2 per minute")
    client = app.test_client()
    sign_in_post(client)
    sign_in_post(client, url="/helper/sign-in")
    assert sign_in_post(client, url="/helper/sign-in").status_code == 429
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert sign_in_post(elsewhere, ZHANG.mobile, ZHANG.password).status_code == 302


def test_a_longer_wait_is_said_in_minutes(tight):
    app = tight(RATELIMIT_SIGN_IN="1 per hour")
    client = app.test_client()
    sign_in_post(client)
    response = sign_in_post(client)
    minutes = (int(response.headers["Retry-After"]) + 59) // 60
    assert minutes == 60
    assert said(app, "Too many tries. Wait %(num)d minute, then try again.",
                "Too many tries. Wait %(num)d minutes, then try again.", minutes) \
        in text_of(response.get_data(as_text=True))


def test_consent_codes_are_limited_per_account(tight):
    app = tight(RATELIMIT_CONSENT="2 per minute")
    wang, zhang = app.test_client(), app.test_client()
    sign_in_as(wang, WANG)
    sign_in_as(zhang, ZHANG)
    for _ in range(2):
        assert post_with_csrf(wang, "/my/helpers/new", {"helper": "HB9999"}).status_code == 200
    assert post_with_csrf(wang, "/my/helpers/new", {"helper": "HB9999"}).status_code == 429
    # Another citizen on the same address has a budget of their own.
    assert post_with_csrf(zhang, "/my/helpers/new", {"helper": "HB9999"}).status_code == 200


def test_in_person_consent_shares_the_helpers_consent_budget(tight):
    app = tight(RATELIMIT_CONSENT="1 per minute")
    zhou = app.test_client()
    sign_in_as_helper(zhou, ZHOU)
    data = {"login": WANG.mobile, "password": "wrong", "hours": "4"}
    assert post_with_csrf(zhou, "/helper/in-person", data).status_code == 200
    response = post_with_csrf(zhou, "/helper/in-person", data)
    assert response.status_code == 429
    assert 'href="/helper/in-person"' in response.get_data(as_text=True)


def test_search_is_limited_and_the_page_keeps_the_query_to_try_again(tight):
    client = tight(RATELIMIT_SEARCH="2 per minute").test_client()
    for _ in range(2):
        assert client.get("/search?q=tx").status_code == 200
    response = client.get("/search?q=tx")
    assert response.status_code == 429
    assert 'href="/search?q=tx"' in response.get_data(as_text=True)


def test_limits_can_be_switched_off(tight):
    client = tight(RATELIMIT_SEARCH="1 per minute", RATELIMIT_ENABLED=False).test_client()
    assert all(client.get("/search?q=tx").status_code == 200 for _ in range(3))


def test_two_apps_in_one_process_do_not_share_counters(tight):
    first = tight(RATELIMIT_SEARCH="1 per minute").test_client()
    second = tight(RATELIMIT_SEARCH="1 per minute").test_client()
    assert first.get("/search").status_code == 200
    assert second.get("/search").status_code == 200
    assert first.get("/search").status_code == 429


def test_the_limiter_stores_no_account_id(tight):
    app = tight(RATELIMIT_CONSENT="5 per minute")
    wang = app.test_client()
    sign_in_as(wang, WANG)
    post_with_csrf(wang, "/my/helpers/new", {"helper": "HB9999"})
    storage = app.extensions["rate_limiter"]._storage
    if hasattr(storage, "events"):  # memory://
        keys = " ".join(list(storage.events) + list(storage.storage))
    else:  # Redis (YIBAN_TEST_REDIS_URL): this app's keys
        prefix = app.config["RATELIMIT_KEY_PREFIX"]
        keys = " ".join(key.decode() for key in storage.storage.scan_iter(f"*{prefix}*"))
    assert keys and WANG.id not in keys and not re.search(r"person:", keys)
