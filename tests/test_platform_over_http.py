"""The platform boundary, one suite for both implementations: the embedded platform
in-process, and `HttpPlatform` talking to the embedded platform served by `flask
platform serve` as a process of its own (tests/served_platform.py). Both run on the
same database, so every answer over HTTP is compared with what the platform itself
says, field by field. The back office (advance, raise_supplement) is the embedded
platform's own, as it would be beside a real platform.

Then what only the HTTP side has: the service token, problem+json, paging, and what
a slow or stopped platform does to the client (timeouts, the circuit breaker)."""
from __future__ import annotations

import hashlib
import os
import socket
import struct
import subprocess  # nosec B404 - runs schemathesis' own command
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from datetime import date, timedelta

import httpx
import pytest

from app.platform import (Document, IdempotencyKeyReused, PlatformUnavailable, RatingRefused,
                          SubmissionRefused, SupplementClosed, WithdrawRefused)
from app.platform.embedded import EmbeddedPlatform
from app.platform.http import HttpPlatform, ServiceTokenRefused
from conftest import (LI, LIU, PDF_BYTES, PNG_BYTES, WANG, ZHANG, ZHAO, ZHOU, _dispose,
                      _make_app)
from served_platform import TOKEN, ServedPlatform

LOCALES = ("zh_Hans_CN", "zh_Hant", "en", "ug")
SERVICE = "remote-medical-filing"  # a single matter
ANSWERS = {"mobile": "13912345678"}


@pytest.fixture(scope="module")
def platform_app(tmp_path_factory):
    """A front app on its own data folder: its embedded platform is the back office and,
    through the served process, the platform under test."""
    with pytest.MonkeyPatch.context() as mp:
        application = _make_app(mp, tmp_path_factory.mktemp("platform-data"))
        yield application
        _dispose(application)


@pytest.fixture(scope="module")
def served(platform_app, tmp_path_factory):
    server = ServedPlatform(platform_app.config, tmp_path_factory.mktemp("platform-logs"))
    yield server
    server.stop()


@dataclass
class Sides:
    platform: object  # the implementation under test
    office: EmbeddedPlatform  # the platform's own back office, on the same data
    over_http: bool


@pytest.fixture(scope="module", params=["embedded", "http"])
def sides(request, platform_app):
    office = platform_app.extensions["platform"]
    if request.param == "embedded":
        return Sides(office, office, False)
    served = request.getfixturevalue("served")
    # Pages of two, so every list crosses several pages.
    client = HttpPlatform(served.url, TOKEN, page_size=2)
    request.addfinalizer(client.close)
    return Sides(client, office, True)


def key() -> str:
    return uuid.uuid4().hex


def submitted(sides: Sides, owner=ZHANG, **kwargs):
    return sides.platform.submit(SERVICE, owner.id, dict(ANSWERS), key(), **kwargs)


def closed(sides: Sides, number: str) -> None:
    while sides.office.advance(number):
        pass


# ---- the same answers from both -----------------------------------------------------
def test_catalogue(sides):
    p, office = sides.platform, sides.office
    assert p.catalogue_version() == office.catalogue_version()
    for locale in LOCALES:
        events = p.life_events(locale)
        assert events == office.life_events(locale)
        assert [e.name.lang for e in events] == [e.name.lang
                                                 for e in office.life_events(locale)]
    services = p.services("en")
    assert services == office.services("en") and len(services) > 2  # several pages
    assert [s.name.lang for s in services] == [s.name.lang for s in office.services("en")]
    bundle = next(s for s in services if s.is_bundle)
    assert p.service(bundle.code, "ug") == office.service(bundle.code, "ug")
    assert p.form_schema(bundle.code, "zh_Hant") == office.form_schema(bundle.code, "zh_Hant")
    assert p.service("no-such-service", "en") is None
    assert p.form_schema("no-such-service", "en") == []


def test_identity_and_helpers(sides):
    p = sides.platform
    assert p.authenticate(ZHANG.mobile, ZHANG.password) == sides.office.person(ZHANG.id)
    assert p.authenticate(ZHANG.mobile, "wrong") is None
    assert p.authenticate("", "") is None
    assert p.find_person_id(" 138 0000 0001 ") == ZHANG.id
    assert p.find_person_id("19900000000") is None
    assert p.person(WANG.id) == sides.office.person(WANG.id)
    assert p.person("nobody") is None
    helper = p.authenticate_helper(ZHOU.mobile, ZHOU.password)
    assert helper == sides.office.helper(ZHOU.id) and helper.code == "HB1001"
    assert p.authenticate_helper(ZHOU.mobile, "wrong") is None
    assert p.helper(ZHOU.id) == helper and p.helper("nobody") is None
    assert p.find_helper("hb1001") == helper and p.find_helper("HB9999") is None


def test_submit_is_idempotent_and_refuses_what_it_cannot_take(sides):
    p, k = sides.platform, key()
    first = p.submit(SERVICE, ZHANG.id, dict(ANSWERS), k)
    again = p.submit(SERVICE, ZHANG.id, {"mobile": "13700000000"}, k)
    assert again == first and again.answers == ANSWERS
    assert first == sides.office.application(first.number, ZHANG.id)
    assert first.status == "submitted" and first.can_withdraw
    on_behalf = p.submit(SERVICE, ZHANG.id, dict(ANSWERS), key(), acted_by=ZHOU.id)
    assert on_behalf.submitted_by == ZHOU.id
    with pytest.raises(LookupError) as refused:
        p.submit("no-such-service", ZHANG.id, {}, key())
    with pytest.raises(LookupError):
        p.submit(SERVICE, ZHANG.id, {}, key(), acted_by="no-such-helper")
    if sides.over_http:  # the outbox gives up on it rather than retrying for ever
        assert isinstance(refused.value, SubmissionRefused)


def test_applications_page_through_newest_first(sides):
    p = sides.platform
    numbers = [submitted(sides, ZHAO).number for _ in range(3)]
    mine = p.applications_of(ZHAO.id)
    assert mine == sides.office.applications_of(ZHAO.id)
    assert [a.number for a in mine][:3] == numbers[::-1]
    assert p.applications_of("nobody") == []
    assert p.application(numbers[0], ZHAO.id) == mine[-1 - (len(mine) - 3)]
    assert p.application(numbers[0], ZHANG.id) is None  # not the owner
    assert p.application("YB20260101999999", ZHAO.id) is None


def test_withdraw_once_per_key_then_refused(sides):
    p = sides.platform
    number, k = submitted(sides).number, key()
    withdrawn = p.withdraw(number, ZHANG.id, idempotency_key=k)
    again = p.withdraw(number, ZHANG.id, idempotency_key=k)  # a retry after a time-out
    assert withdrawn.status == again.status == "withdrawn"
    assert [e.kind for e in again.timeline].count("withdrawn") == 1
    assert again == sides.office.application(number, ZHANG.id)
    with pytest.raises(WithdrawRefused):
        p.withdraw(number, ZHANG.id)  # a new request: too late now
    with pytest.raises(LookupError):
        p.withdraw("YB20260101999999", ZHANG.id)
    with pytest.raises(IdempotencyKeyReused):  # the key of another request
        p.withdraw(submitted(sides).number, ZHANG.id, idempotency_key=k)


def test_answer_a_supplement_once_per_key_then_closed(sides):
    p = sides.platform
    number = submitted(sides, LI).number
    sides.office.advance(number)
    ask = sides.office.raise_supplement(number, None, "请补充户口本照片",
                                        deadline=date.today() + timedelta(days=3))
    due = p.supplements_due(date.today() + timedelta(days=3))
    assert (number, LI.id, SERVICE, ask) in due
    assert due == sides.office.supplements_due(date.today() + timedelta(days=3))
    k = key()
    answered = p.answer_supplement(number, LI.id, ask.id, {"text": "已补充"}, idempotency_key=k)
    again = p.answer_supplement(number, LI.id, ask.id, {"text": "另一个"}, idempotency_key=k)
    assert answered == again and again.supplements[-1].answer == {"text": "已补充"}
    assert (number, LI.id, SERVICE, ask) not in p.supplements_due(date.today()
                                                                  + timedelta(days=3))
    with pytest.raises(SupplementClosed):
        p.answer_supplement(number, LI.id, ask.id, {"text": "again"})
    with pytest.raises(LookupError):
        p.answer_supplement(number, LI.id, 999999, {"text": "?"})


def test_rate_once_per_key_and_only_when_closed(sides):
    p = sides.platform
    number = submitted(sides, LIU).number
    with pytest.raises(RatingRefused):
        p.rate(number, LIU.id, 5, "")
    closed(sides, number)
    k = key()
    rated = p.rate(number, LIU.id, 4, "快", idempotency_key=k)
    again = p.rate(number, LIU.id, 1, "慢", idempotency_key=k)
    assert rated.rating.level == again.rating.level == 4 and again.rating.comment == "快"
    assert p.rate(number, LIU.id, 5, "很快").rating.level == 5  # changed within the window
    assert p.application(number, LIU.id) == sides.office.application(number, LIU.id)
    with pytest.raises(ValueError):
        p.rate(number, LIU.id, 7, "")


def test_feed_pages_by_event_id(sides):
    p = sides.platform
    start = p.feed_position()
    assert start == sides.office.feed_position()
    number = submitted(sides, WANG).number
    sides.office.advance(number)
    events = p.feed(start)
    assert events == sides.office.feed(start)
    assert [(e.number, e.kind) for e in events] == [(number, "submitted"),
                                                    (number, "accepted")]
    assert p.feed(start, limit=1) == events[:1]
    assert p.feed_position() == events[-1].id


def test_what_it_keeps_on_this_machine(sides):
    if sides.over_http:  # a platform elsewhere keeps nothing here
        assert sides.platform.reencrypt_stored_data() is None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_files_reach_the_platform_as_their_bytes_and_are_kept_once(sides):
    p, office = sides.platform, sides.office
    # As large as one request to the front may be (MAX_CONTENT_LENGTH, 12 MB).
    scan = PDF_BYTES + os.urandom(12 * 1024 * 1024 - len(PDF_BYTES))
    k = key()
    answers = {**ANSWERS, "residence_proof": Document("居住证明.pdf", "application/pdf", scan)}
    first = p.submit(SERVICE, ZHANG.id, answers, k)
    again = p.submit(SERVICE, ZHANG.id, answers, k)  # delivered again: the answer was lost
    assert again == first and first == office.application(first.number, ZHANG.id)
    proof = first.answers["residence_proof"]
    assert proof == {"filename": "居住证明.pdf", "document": proof["document"],
                     "media_type": "application/pdf", "size": len(scan),
                     "sha256": sha256(scan)}  # the platform's own copy, not the front's
    kept = office.documents(first.number)
    assert [(d["id"], d["size"], d["sha256"]) for d in kept] == [
        (proof["document"], len(scan), sha256(scan))]
    assert office.document_content(proof["document"]) == scan

    office.advance(first.number)
    ask = office.raise_supplement(first.number, None, "请补充照片", wants_file=True)
    answer, k = {"text": "已补充", "file": Document("照片.png", "image/png", PNG_BYTES)}, key()
    answered = p.answer_supplement(first.number, ZHANG.id, ask.id, answer, idempotency_key=k)
    assert p.answer_supplement(first.number, ZHANG.id, ask.id, answer,
                               idempotency_key=k) == answered
    photo = answered.supplements[-1].answer["file"]
    kept = office.documents(first.number)
    assert [(d["id"], d["supplement_id"], d["sha256"]) for d in kept[1:]] == [
        (photo["document"], ask.id, sha256(PNG_BYTES))]
    assert office.document_content(photo["document"]) == PNG_BYTES


# ---- only over HTTP ------------------------------------------------------------------
def test_a_malformed_document_is_refused(served):
    for document in ({"filename": "a.pdf", "media_type": "application/pdf", "content": "%%"},
                     {"filename": "a.exe", "media_type": "application/x-msdownload",
                      "content": "TVo="}):
        problem(v1(served, f"/citizens/{ZHANG.id}/applications", method="POST",
                   headers={"Idempotency-Key": key()},
                   json={"service_code": SERVICE, "answers": {"proof": document}}),
                422, "invalid")


def v1(served, path: str, token: str | None = TOKEN, **kwargs) -> httpx.Response:
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.request(kwargs.pop("method", "GET"), f"{served.url}/v1{path}",
                         headers=headers, timeout=10, **kwargs)


def problem(response: httpx.Response, status: int, kind: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"urn:yiban:problem:{kind}" and body["status"] == status


def test_every_call_needs_the_service_token(served):
    problem(v1(served, "/feed/position", token=None), 401, "unauthorised")
    problem(v1(served, "/feed/position", token="not-the-token"), 401, "unauthorised")
    with pytest.raises(ServiceTokenRefused):  # the front shows its kind page
        HttpPlatform(served.url, "not-the-token").feed_position()
    assert v1(served, "/openapi.json", token=None).json()["openapi"].startswith("3.1")


def test_lists_page_with_limit_and_cursor(served):
    first = v1(served, "/services", params={"limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = v1(served, "/services", params={"limit": 1, "cursor": first["next_cursor"]})
    assert second.json()["items"][0]["code"] != first["items"][0]["code"]
    everything = v1(served, "/services", params={"limit": 500}).json()
    assert "next_cursor" not in everything
    problem(v1(served, "/services", params={"limit": 0}), 422, "invalid")
    problem(v1(served, "/services", params={"limit": 501}), 422, "invalid")


def test_errors_are_problems(served):
    problem(v1(served, "/services/no-such-service"), 404, "not-found")
    problem(v1(served, f"/citizens/{ZHANG.id}/applications", method="POST",
               json={"service_code": SERVICE, "answers": {}}), 422, "invalid")  # no key
    number = HttpPlatform(served.url, TOKEN).submit(SERVICE, ZHANG.id, {}, key()).number
    path = f"/citizens/{ZHANG.id}/applications/{number}/withdrawal"
    assert v1(served, path, method="PUT", headers={"Idempotency-Key": key()}).status_code == 200
    problem(v1(served, path, method="PUT", headers={"Idempotency-Key": key()}),
            409, "withdraw-refused")


def test_the_catalogue_version_is_its_etag(served):
    first = v1(served, "/catalogue/version")
    assert first.headers["ETag"] == f'"{first.json()["version"]}"'
    again = v1(served, "/catalogue/version", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.content


@pytest.mark.slow  # real process restarts and time-outs: not in --quick
def test_schemathesis_finds_the_served_platform_true_to_its_contract(served, tmp_path):
    """Every operation of the served document, a few generated requests each (its
    examples, boundary values, then random ones): no 5xx, and every answer's status,
    content type and body as documented."""
    st = Path(sys.executable).with_name("st")
    if not st.exists():
        pytest.skip("schemathesis is not installed (pip install -e .[test])")
    run = subprocess.run(  # nosec B603
        [str(st), "run", f"{served.url}/v1/openapi.json", "--url", f"{served.url}/v1",
         "-H", f"Authorization: Bearer {TOKEN}", "--max-examples", "5", "--seed", "1",
         "--workers", "1", "--no-color", "--phases", "examples,coverage,fuzzing",
         "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
         "response_schema_conformance", "--generation-database", "none",
         "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "20 selected / 20 total" in run.stdout  # every path and method of the contract


# ---- a stopped or hung platform --------------------------------------------------------
@pytest.fixture
def lone_server(platform_app, tmp_path):
    server = ServedPlatform(platform_app.config, tmp_path)
    yield server
    server.resume() if server.process.poll() is None else None
    server.stop()


def impatient(server) -> HttpPlatform:
    return HttpPlatform(server.url, TOKEN, connect_timeout=0.5, read_timeout=1.0, attempts=3,
                        breaker_failures=3, breaker_reset_seconds=1.0, backoff_seconds=0.05)


def timed_failure(call) -> float:
    started = time.monotonic()
    with pytest.raises(PlatformUnavailable):
        call()
    return time.monotonic() - started


@pytest.mark.slow  # real process restarts and time-outs: not in --quick
def test_a_stopped_platform_fails_fast_and_is_used_again_when_back(lone_server):
    client = impatient(lone_server)
    assert client.feed_position() >= 0
    lone_server.stop()
    # Refused connections: tried three times with back-off, then PlatformUnavailable.
    for _ in range(3):
        assert client.breaker.current_state == "closed"
        assert timed_failure(client.feed_position) < 1.0
    assert client.breaker.current_state == "open"  # three calls failed in a row
    assert timed_failure(client.feed_position) < 0.05  # not even tried
    lone_server.start()
    time.sleep(1.1)  # the breaker's reset time: one call tries, and closes it
    assert client.feed_position() >= 0
    assert client.breaker.current_state == "closed"


def test_a_connection_reset_before_any_answer_is_tried_again():
    """A platform stopping or starting resets connections it has accepted: that is worth
    another try (every call is safe to repeat), as a refused connection is. CI once
    lost a keyed submission to one reset."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def reset_every_connection():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)
            connection.recv(65536)
            time.sleep(0.05)  # the client is waiting for its answer
            # SO_LINGER 0: close with RST, as a process killed mid-request does
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()

    threading.Thread(target=reset_every_connection, daemon=True).start()
    port = listener.getsockname()[1]
    client = HttpPlatform(f"http://127.0.0.1:{port}", TOKEN, attempts=3, backoff_seconds=0.01,
                          breaker_failures=5)
    try:
        with pytest.raises(PlatformUnavailable, match="ReadError"):
            client.submit(SERVICE, WANG.id, dict(ANSWERS), key())
        assert len(accepted) == 3
        with pytest.raises(PlatformUnavailable, match="ReadError"):
            client.feed_position()
        assert len(accepted) == 6
    finally:
        listener.close()
        client.close()


@pytest.mark.slow  # real process restarts and time-outs: not in --quick
def test_a_hung_platform_fails_within_the_read_timeout(lone_server):
    client = impatient(lone_server)
    assert client.feed_position() >= 0
    lone_server.pause()
    for _ in range(3):  # a read time-out is not retried: each costs one timeout
        assert timed_failure(client.feed_position) < 1.5
    assert timed_failure(client.feed_position) < 0.05  # the circuit is open
    lone_server.resume()
    time.sleep(1.1)
    assert client.feed_position() >= 0


@pytest.mark.slow  # real process restarts and time-outs: not in --quick
def test_a_call_made_while_the_platform_restarts_goes_through_on_a_retry(lone_server):
    """Retries with back-off: a write (with its key) and a read, sent while the platform
    is down, each arrive once it is back, and the write happens once."""
    client = HttpPlatform(lone_server.url, TOKEN, attempts=8, backoff_seconds=0.5,
                          breaker_failures=5)
    lone_server.stop()
    back = threading.Timer(0.3, lone_server.start)
    back.start()
    k = key()
    started = time.monotonic()
    try:
        application = client.submit(SERVICE, WANG.id, dict(ANSWERS), k)
    finally:
        back.join()
    assert time.monotonic() - started > 0.3  # it waited for the platform
    assert client.submit(SERVICE, WANG.id, dict(ANSWERS), k) == application
    assert [a.number for a in client.applications_of(WANG.id)].count(application.number) == 1
