"""A citizen's journey with the front pointed at the platform over HTTP
(YIBAN_PLATFORM_URL): the platform is the embedded one, served by `flask platform
serve` as its own process (tests/served_platform.py). Then the platform stops in the
middle: the citizen sees the kind "cannot connect" page at once, nothing typed is
lost, and the application goes through once it is back."""
from __future__ import annotations

import re
import time

import pytest

from app.platform.http import HttpPlatform
from conftest import (APPLICATION_NUMBER, ZHANG, _dispose, _make_app, csrf_token,
                      sign_in_as, submit_check, text_of, translate,
                      walk_service)
from served_platform import TOKEN, ServedPlatform

SERVICE = "remote-medical-filing"
BREAKER_RESET = 1.0


@pytest.fixture
def front(monkeypatch, tmp_path):
    """(front app on the HTTP platform, the served platform, its back office)."""
    platform_side = _make_app(monkeypatch, tmp_path / "platform")
    served = ServedPlatform(platform_side.config, tmp_path)
    monkeypatch.setenv("YIBAN_PLATFORM_URL", served.url)
    monkeypatch.setenv("YIBAN_PLATFORM_TOKEN", TOKEN)
    app = _make_app(monkeypatch, tmp_path / "front", PLATFORM_CONNECT_TIMEOUT=0.5,
                    PLATFORM_READ_TIMEOUT=2.0, PLATFORM_BREAKER_RESET_SECONDS=BREAKER_RESET)
    try:
        assert isinstance(app.extensions["platform"], HttpPlatform)
        yield app, served, platform_side.extensions["platform"]
    finally:
        served.stop()
        _dispose(app)
        _dispose(platform_side)


def test_a_citizen_applies_through_the_platform_over_http(front):
    app, _served, office = front
    client = app.test_client()
    sign_in_as(client, ZHANG)
    walk_service(client, app, SERVICE)
    sent = submit_check(client, SERVICE)
    assert sent.status_code == 302
    number = APPLICATION_NUMBER.search(sent.location).group(0)
    assert office.application(number, ZHANG.id) is not None  # it reached the platform
    page = client.get(f"/my/applications/{number}")
    assert page.status_code == 200 and number in text_of(page.get_data(as_text=True))


def test_the_platform_stops_mid_journey_and_nothing_is_lost(front):
    app, served, office = front
    client = app.test_client()
    sign_in_as(client, ZHANG)
    walk_service(client, app, SERVICE)
    check = client.get(f"/apply/{SERVICE}/check").get_data(as_text=True)
    answers_shown = text_of(check)

    served.stop()
    started = time.monotonic()
    down = client.post(f"/apply/{SERVICE}/check", data={
        "csrf_token": csrf_token(check), "submission_key": _submission_key(check)})
    assert time.monotonic() - started < 3  # refused connections: no long wait
    assert down.status_code == 503 and down.headers["Retry-After"]
    kind_page = down.get_data(as_text=True)
    assert translate(app, "Cannot connect to the government service platform for now") \
        in kind_page and "暂时无法连接" in kind_page
    assert office.applications_of(ZHANG.id) == []  # nothing went half-way
    ready = app.test_client().get("/readyz")  # the load balancer learns what is missing
    assert ready.status_code == 503 and ready.json["checks"]["platform"].startswith("failed")

    served.start()
    time.sleep(BREAKER_RESET + 0.1)  # the circuit lets a call try again
    assert app.test_client().get("/readyz").json["checks"]["platform"] == "ok"
    again = client.get(f"/apply/{SERVICE}/check")
    assert again.status_code == 200
    assert text_of(again.get_data(as_text=True)) == answers_shown  # every answer kept
    sent = submit_check(client, SERVICE)
    number = APPLICATION_NUMBER.search(sent.location).group(0)
    assert [a.number for a in office.applications_of(ZHANG.id)] == [number]


def _submission_key(html: str) -> str:
    return re.search(r'name="submission_key" value="([^"]+)"', html).group(1)
