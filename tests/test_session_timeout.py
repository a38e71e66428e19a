"""Session time-outs done kindly (WCAG 2.2.1, 2.2.6): the page knows when an idle
sign-in ends, a warning a few minutes ahead offers one-press extend, and without
JavaScript nothing changes (drafts and the return to the same question are tested in
test_journey.py)."""
from __future__ import annotations

import re
import time

import pytest

from app.core.auth import TOUCH_EVERY_SECONDS, WARN_BEFORE_SECONDS
from conftest import WANG, ZHOU, _render, csrf_token, sign_in_as, sign_in_as_helper

IDLE = 30 * 60
SLACK = 30  # seconds a slow (loaded) test machine may take between two requests


def expires_in(html: str) -> int | None:
    match = re.search(r'<body[^>]*\sdata-session-expires-in="(\d+)"', html)
    return int(match.group(1)) if match else None


def last_seen(client, seconds_ago: float) -> None:
    with client.session_transaction() as session:
        session["seen"] = time.time() - seconds_ago


def extend(client, token=None):
    if token is None:
        token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    return client.post("/session/extend", headers={"X-CSRFToken": token,
                                                   "Accept": "application/json"})


def test_the_warning_comes_at_least_two_minutes_ahead():
    assert WARN_BEFORE_SECONDS >= 120


@pytest.mark.parametrize("who", ["citizen", "helper"])
def test_a_signed_in_page_says_when_the_sign_in_ends(client, who):
    sign_in_as(client, WANG) if who == "citizen" else sign_in_as_helper(client, ZHOU)
    html = client.get("/").get_data(as_text=True)
    assert IDLE - SLACK <= expires_in(html) <= IDLE


def test_a_signed_out_page_has_no_count_and_no_warning(client):
    html = client.get("/").get_data(as_text=True)
    assert expires_in(html) is None and "session-warning" not in html


def test_the_count_is_the_servers_own_which_moves_only_every_minute(client):
    sign_in_as(client, WANG)
    recent = TOUCH_EVERY_SECONDS - 20
    last_seen(client, recent)  # too recent to be moved by this request
    assert IDLE - recent - SLACK <= expires_in(client.get("/").get_data(as_text=True)) <= IDLE - recent
    last_seen(client, TOUCH_EVERY_SECONDS + 20)  # old enough: this request moves it
    assert expires_in(client.get("/").get_data(as_text=True)) > IDLE - recent


def test_the_warning_is_inert_until_the_script_uses_it(client, app):
    sign_in_as(client, WANG)
    html = client.get("/my/").get_data(as_text=True)
    warning = re.search(r'<template id="session-warning">(.*?)</template>', html, re.S).group(1)
    # The dialog lives only inside the <template>: without JavaScript it is never shown.
    assert "<dialog" not in html.replace(warning, "")
    dialog = re.search(r"<dialog\b[^>]*>", warning).group(0)
    assert 'aria-labelledby="session-warning-title"' in dialog
    assert 'aria-describedby="session-warning-message"' in dialog
    assert f'data-warn-before="{WARN_BEFORE_SECONDS}"' in dialog
    assert 'data-extend-url="/session/extend"' in dialog
    assert re.search(r"<h2 [^>]*id=\"session-warning-title\"", warning)
    assert re.search(r'<button type="button"[^>]*data-session-extend autofocus>', warning)
    # The way back in names this page, for after the sign-in has ended.
    assert 'href="/sign-in?next=/my/&amp;expired=1"' in warning
    # What it says with each whole minute left, worded by the server.
    for minutes in range(1, (WARN_BEFORE_SECONDS + 59) // 60 + 1):
        text = _render(app, "zh_Hans_CN",
                       "For your safety you will be signed out within %(num)d minute, because nothing has happened for a while. Your saved answers are kept.",
                       "For your safety you will be signed out within %(num)d minutes, because nothing has happened for a while. Your saved answers are kept.",
                       minutes, {})
        assert f'<span data-minutes="{minutes}">{text}</span>' in warning


def test_a_helpers_way_back_in_is_the_helper_sign_in(client):
    sign_in_as_helper(client, ZHOU)
    html = client.get("/helper/").get_data(as_text=True)
    assert 'href="/helper/sign-in?next=/helper/&amp;expired=1"' in html


def test_stay_signed_in_starts_the_idle_clock_again(client):
    sign_in_as(client, WANG)
    last_seen(client, IDLE - 100)  # the warning is showing
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    last_seen(client, IDLE - 100)
    response = extend(client, token)
    assert response.status_code == 200
    assert response.get_json()["signed_in"] is True
    assert IDLE - SLACK <= response.get_json()["expires_in"] <= IDLE
    assert expires_in(client.get("/").get_data(as_text=True)) >= IDLE - SLACK


def test_stay_signed_in_moves_the_clock_even_within_the_minute(client):
    sign_in_as(client, WANG)
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    last_seen(client, TOUCH_EVERY_SECONDS - 10)
    assert extend(client, token).get_json()["expires_in"] >= IDLE - SLACK


def test_after_the_end_stay_signed_in_says_the_sign_in_is_over(client):
    sign_in_as(client, WANG)
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    last_seen(client, IDLE + 5)
    response = extend(client, token)
    assert response.status_code == 401 and response.get_json() == {"signed_in": False}
    assert client.get("/my/").status_code == 302  # still signed out: no way round it


def test_stay_signed_in_needs_the_pages_csrf_token(client):
    sign_in_as(client, WANG)
    assert client.post("/session/extend").status_code == 400


def test_htmx_answers_carry_the_new_count_for_the_warning(client):
    sign_in_as(client, WANG)
    token = csrf_token(client.get("/apply/retirement/full_name").get_data(as_text=True))
    last_seen(client, 200)  # this request moves `seen`: the page must hear of it
    response = client.post("/apply/retirement/full_name/validate",
                           data={"full_name": "王秀英", "csrf_token": token},
                           headers={"HX-Request": "true"})
    assert int(response.headers["Yiban-Session-Expires-In"]) >= IDLE - SLACK
    plain = client.get("/display")
    assert "Yiban-Session-Expires-In" not in plain.headers

