"""CSRF by parking: a question-page post that carries no token of this browser's own
keeps nothing (not parked for the next sign-in, not pending on a draft) and leaves
the session as it was; a token that went stale in this same browser still keeps
what was typed."""
from __future__ import annotations

from sqlalchemy import func, select

from app.core.front_store import ParkedAnswers
from conftest import (ZHAO, csrf_token, input_value, path_of, sign_in, sign_in_as, text_of,
                      translate)

URL = "/apply/elderly-allowance/bank_account"
ATTACKER_ACCOUNT = "6222020200199887766"


def parked_rows(store) -> int:
    with store.db.session() as s:
        return s.scalar(select(func.count()).select_from(ParkedAnswers))


def attacker_account_shown_after_sign_in(client) -> bool:
    sign_in(client, ZHAO.mobile, ZHAO.password)
    html = client.get(URL).get_data(as_text=True)
    return ATTACKER_ACCOUNT in html


def test_cross_site_post_without_token_parks_nothing(client, store):
    client.get("/")
    response = client.post(URL, data={"bank_account": ATTACKER_ACCOUNT},
                           headers={"Sec-Fetch-Site": "cross-site",
                                    "Origin": "https://evil.example"})
    assert response.status_code == 400
    assert parked_rows(store) == 0
    assert not attacker_account_shown_after_sign_in(client)


def test_same_site_post_without_token_parks_nothing(client, store):
    client.get("/")
    response = client.post(URL, data={"bank_account": ATTACKER_ACCOUNT})
    assert response.status_code == 400
    assert parked_rows(store) == 0
    assert not attacker_account_shown_after_sign_in(client)


def test_token_issued_to_another_browser_parks_nothing(app, client, store):
    attacker = app.test_client()
    token = csrf_token(attacker.get("/sign-in").get_data(as_text=True))
    response = client.post(URL, data={"bank_account": ATTACKER_ACCOUNT, "csrf_token": token})
    assert response.status_code == 400
    assert parked_rows(store) == 0
    assert not attacker_account_shown_after_sign_in(client)


def test_signed_in_post_without_token_keeps_nothing_and_leaves_the_session(client, store):
    sign_in_as(client, ZHAO)
    client.get(URL)
    response = client.post(URL, data={"bank_account": ATTACKER_ACCOUNT},
                           headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers
    [draft] = store.open_drafts(ZHAO.id)
    assert ATTACKER_ACCOUNT not in str(draft.pending)
    assert ATTACKER_ACCOUNT not in client.get(URL).get_data(as_text=True)


def test_signed_in_post_with_a_foreign_origin_is_refused_even_with_a_token(client, store):
    sign_in_as(client, ZHAO)
    token = csrf_token(client.get(URL).get_data(as_text=True))
    response = client.post(URL, data={"bank_account": ATTACKER_ACCOUNT, "csrf_token": token},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers
    assert ATTACKER_ACCOUNT not in str(store.open_drafts(ZHAO.id)[0].pending)


def test_token_gone_stale_in_this_browser_still_keeps_the_answer(app, client):
    sign_in_as(client, ZHAO)
    page = client.get(URL).get_data(as_text=True)  # a form left open in one tab …
    sign_in_as(client, ZHAO)  # … while the sign-in is renewed in another: a new token
    response = client.post(URL, data={"bank_account": "6200000000000000101",
                                       "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert path_of(response.location) == URL
    html = client.get(URL).get_data(as_text=True)
    assert input_value(html, "bank_account") == "6200000000000000101"
    assert translate(app, "We kept what you entered") in text_of(html)
