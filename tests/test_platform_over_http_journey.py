"""A citizen's journey with the front pointed at the platform over HTTP
(YIBAN_PLATFORM_URL): the platform is the embedded one, served by `flask platform
serve` as its own process (tests/served_platform.py). Then the platform stops in the
middle: the citizen sees the kind "cannot connect" page at once, nothing typed is
lost, and the application goes through once it is back."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest

from app.platform.http import HttpPlatform
from conftest import (APPLICATION_NUMBER, PLATFORM_DOWN, ZHANG, _dispose, _make_app,
                      answer_question, path_of, run_background_jobs, sign_in_as,
                      submit_check, text_of, translate, walk_service)
from served_platform import TOKEN, ServedPlatform

from app.core.clock import utcnow

# Real processes (or Hypothesis): in CI and ./test.sh, not in ./test.sh --quick.
pytestmark = pytest.mark.slow


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
    first = path_of(client.get(f"/apply/{SERVICE}").location)
    assert answer_question(client, app, first, None).status_code == 302

    served.stop()
    started = time.monotonic()
    # The citizen goes on: who they are, the form and their draft are the front's.
    walk_service(client, app, SERVICE)
    check = client.get(f"/apply/{SERVICE}/check")
    assert check.status_code == 200
    assert translate(app, PLATFORM_DOWN) in text_of(check.get_data(as_text=True))
    sent = submit_check(client, SERVICE)
    assert time.monotonic() - started < 10  # refused connections: no long wait anywhere
    assert sent.status_code == 302 and "/submissions/" in sent.location
    saved = client.get(path_of(sent.location))
    assert saved.status_code == 200
    assert translate(app, "Your application is saved. It has not reached the department's "
                          "system yet.") in saved.get_data(as_text=True)
    assert office.applications_of(ZHANG.id) == []  # nothing went half-way

    # What only the platform knows is the kind page, at once.
    mine = client.get("/my/")
    assert mine.status_code == 503 and mine.headers["Retry-After"]
    kind_page = mine.get_data(as_text=True)
    assert translate(app, "Cannot connect to the government service platform for now") \
        in kind_page and "暂时无法连接" in kind_page
    ready = app.test_client().get("/readyz")  # the load balancer learns what is missing
    assert ready.status_code == 503 and ready.json["checks"]["platform"].startswith("failed")

    served.start()
    time.sleep(BREAKER_RESET + 0.1)  # the circuit lets a call try again
    assert app.test_client().get("/readyz").json["checks"]["platform"] == "ok"
    app.extensions["clock"] = lambda: utcnow() + timedelta(minutes=1)  # its retry is due
    run_background_jobs(app)
    [application] = office.applications_of(ZHANG.id)  # sent once
    delivered = client.get(path_of(sent.location)).get_data(as_text=True)
    assert application.number in delivered
    assert translate(app, PLATFORM_DOWN) not in text_of(client.get("/").get_data(as_text=True))
    assert client.get(f"/apply/{SERVICE}/check").status_code == 302  # the draft went
