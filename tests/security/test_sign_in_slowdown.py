"""The sign-in slow-down counts per account, found as sign-in finds it: inner spaces,
an ideographic space (U+3000) or the ID number instead of the mobile number give no
fresh counter."""
from __future__ import annotations

import pytest

from conftest import ZHAO, ZHOU, csrf_token, say, sign_in, text_of

WAIT = ("Too many tries. Wait %(num)d second, then try again.",
        "Too many tries. Wait %(num)d seconds, then try again.")


def too_many_tries(app, response) -> bool:
    text = text_of(response.get_data(as_text=True))
    return say(app, *WAIT, num=5) in text or say(app, *WAIT, num=4) in text


@pytest.mark.parametrize("variant", ["1380000 0004", "1380000\u30000004",
                                     " 138 0000 0004 ", ZHAO.id_number])
def test_spaces_in_the_login_do_not_reset_the_slow_down(client, app, variant):
    for _ in range(3):
        sign_in(client, ZHAO.mobile, "wrong password")
    response = sign_in(client, variant, ZHAO.password)
    assert response.status_code == 200  # not signed in: asked to wait
    assert too_many_tries(app, response)


def test_helper_slow_down_counts_per_helper_whatever_login_is_typed(client, app):
    page = "/helper/sign-in"
    for login in (ZHOU.mobile, "HB1001", "hb 1001"):
        token = csrf_token(client.get(page).get_data(as_text=True))
        client.post(page, data={"csrf_token": token, "login": login, "password": "wrong"})
    token = csrf_token(client.get(page).get_data(as_text=True))
    response = client.post(page, data={"csrf_token": token, "login": "139 0000 0001",
                                       "password": ZHOU.password})
    assert response.status_code == 200
    assert too_many_tries(app, response)
