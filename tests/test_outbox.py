"""Submission that survives faults: stored in the front's outbox
first, then delivered with its idempotency key and retried with back-off. Each fault
(time-out, error, the platform down for minutes, an answer lost after the platform
took it, the process killed between store and deliver, a double click, two delivery
processes) must end with exactly one application, and none lost."""
from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest

from app.core import background
from app.outbox import DELIVERED, FAILED, PENDING, backoff, is_permanent
from app.platform import PlatformUnavailable, SubmissionRefused
from conftest import (APPLICATION_NUMBER, WANG, ZHANG, Clock, _dispose, _make_app,
                      csrf_token, path_of, sign_in_as, submit_check, text_of, translate,
                      wait_for, walk_service)
from faults import FlakyPlatform, ProcessKilled

CODE = "elderly-allowance"  # six questions, among them an ID number and a bank account


def english(client):
    """These pages are checked in English: their Chinese is the translators' to word."""
    client.set_cookie("yiban_lang", "en")
    return client


def say(app, msgid: str) -> str:
    return translate(app, msgid, locale="en")


def wire(app, clock: Clock) -> FlakyPlatform:
    """Put a FlakyPlatform in front of the app's platform, everything on one clock."""
    embedded = app.extensions["platform"]
    embedded.clock = app.extensions["consents"].clock = clock
    app.extensions["clock"] = clock
    flaky = app.extensions["platform"] = FlakyPlatform(embedded)
    return flaky


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def flaky(app, clock):
    return wire(app, clock)


@pytest.fixture
def outbox(app):
    return app.extensions["outbox"]


@pytest.fixture
def zhang_at_check(client, app, flaky):
    """张建国 in English, every question of the service answered: on check answers."""
    sign_in_as(english(client), ZHANG)
    walk_service(client, app, CODE)
    return client


def applications(flaky) -> list:
    return flaky.inner.applications_of(ZHANG.id)


def deliver(app) -> str:
    result = app.test_cli_runner().invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0, result.output
    return result.output


def entry_id_of(response) -> int:
    match = re.fullmatch(r"/my/submissions/(\d+)", path_of(response.location))
    assert match, response.location
    return int(match.group(1))


def assert_being_sent(client, app, entry_id):
    html = client.get(f"/my/submissions/{entry_id}").get_data(as_text=True)
    assert say(app, "Saved – being sent") in text_of(html)
    assert 'role="status"' in html
    assert "http-equiv" not in html and "hx-trigger" not in html  # nothing refreshes by itself
    overview = client.get("/my/").get_data(as_text=True)
    assert say(app, "Being sent") in overview
    assert 'tag--sending">' + say(app, "Sending") in overview


def assert_sent_once(client, app, flaky, entry_id) -> str:
    [application] = applications(flaky)
    html = text_of(client.get(f"/my/submissions/{entry_id}").get_data(as_text=True))
    assert say(app, "Application sent") in html and application.number in html
    overview = text_of(client.get("/my/").get_data(as_text=True))
    assert application.number in overview and say(app, "Being sent") not in overview
    return application.number


# ---- the usual case ---------------------------------------------------------------------
def test_a_healthy_platform_confirms_at_once_with_the_number(zhang_at_check, app, flaky, outbox):
    response = submit_check(zhang_at_check, CODE)
    number = APPLICATION_NUMBER.search(response.location).group(0)
    assert path_of(response.location) == f"/my/applications/{number}/confirmation"
    [application] = applications(flaky)
    assert application.number == number and flaky.calls == 1
    assert outbox.counts() == {DELIVERED: 1}
    assert outbox.unfinished(ZHANG.id) == []


# ---- faults -----------------------------------------------------------------------------
@pytest.mark.parametrize("fault", [TimeoutError("no answer in 10 s"),
                                   PlatformUnavailable("503"), ConnectionError("refused"),
                                   RuntimeError("500 from the platform")],
                         ids=["timeout", "unavailable", "connection", "error"])
def test_a_failed_first_try_is_saved_shown_honestly_and_delivered_later(
        zhang_at_check, app, flaky, clock, outbox, fault):
    flaky.fail_next(fault)
    entry_id = entry_id_of(submit_check(zhang_at_check, CODE))
    assert applications(flaky) == []
    assert_being_sent(zhang_at_check, app, entry_id)
    entry = outbox.get(entry_id)
    assert (entry.state, entry.attempts, entry.last_error) == (PENDING, 1, type(fault).__name__)
    assert "delivered 0" in deliver(app)  # not due yet: back-off
    clock.advance(seconds=20)
    assert "delivered 1" in deliver(app)
    assert_sent_once(zhang_at_check, app, flaky, entry_id)
    # The draft is closed with the number: not offered again as unfinished.
    assert app.extensions["front_store"].open_drafts(ZHANG.id) == []


def test_platform_down_for_minutes_backs_off_then_delivers_once(zhang_at_check, app, flaky, clock,
                                                                outbox):
    flaky.down = True
    entry_id = entry_id_of(submit_check(zhang_at_check, CODE))
    for _minute in range(20):  # a worker that looks every 10 seconds, for 20 minutes
        for _tick in range(6):
            clock.advance(seconds=10)
            outbox.deliver_due()
    entry = outbox.get(entry_id)
    assert entry.state == PENDING and applications(flaky) == []
    # Back-off: 15 s, 30 s, 1, 2, 4, 8, 16 min … not 120 tries in 20 minutes.
    assert 6 <= entry.attempts <= 8, entry.attempts
    assert_being_sent(zhang_at_check, app, entry_id)
    flaky.down = False
    clock.advance(minutes=40)
    assert outbox.deliver_due()["delivered"] == 1
    assert_sent_once(zhang_at_check, app, flaky, entry_id)


def test_answer_lost_after_the_platform_took_it_makes_one_application(zhang_at_check, app, flaky,
                                                                      clock):
    flaky.lose_answers(1)
    entry_id = entry_id_of(submit_check(zhang_at_check, CODE))
    assert len(applications(flaky)) == 1  # the platform has it; the front does not know
    assert_being_sent(zhang_at_check, app, entry_id)
    clock.advance(seconds=20)
    assert "delivered 1" in deliver(app)
    assert_sent_once(zhang_at_check, app, flaky, entry_id)
    assert flaky.calls == 2


def test_process_killed_between_store_and_deliver(zhang_at_check, app, flaky, monkeypatch, tmp_path):
    """The row is committed, then the process dies before any delivery: a new process
    on the same data folder delivers it."""
    store, outbox = app.extensions["front_store"], app.extensions["outbox"]
    draft = store.open_draft(ZHANG.id, CODE)
    outbox.enqueue(draft, draft.answers, None)  # …and the process dies here
    assert applications(flaky) == []
    _dispose(app)
    again = _make_app(monkeypatch, tmp_path)
    try:
        assert "delivered 1" in deliver(again)
        [application] = again.extensions["platform"].applications_of(ZHANG.id)
        assert application.answers == draft.answers
        assert "delivered 0" in deliver(again)
    finally:
        _dispose(again)


def test_process_killed_while_delivering_lets_go_when_its_lease_runs_out(
        zhang_at_check, app, flaky, clock, monkeypatch, tmp_path):
    flaky.fail_next(ProcessKilled())
    with pytest.raises(ProcessKilled):
        submit_check(zhang_at_check, CODE)
    [entry] = app.extensions["outbox"].unfinished(ZHANG.id)
    assert entry.lease_until is not None and applications(flaky) == []
    again = _make_app(monkeypatch, tmp_path)
    try:
        later = Clock(clock.now)
        wire(again, later)
        assert "delivered 0" in deliver(again)  # the dead process's lease still holds
        later.advance(minutes=3)
        assert "delivered 1" in deliver(again)
        assert len(again.extensions["platform"].applications_of(ZHANG.id)) == 1
    finally:
        _dispose(again)
    assert_sent_once(zhang_at_check, app, flaky, entry.id)


def test_refused_for_good_is_said_and_the_answers_come_back(zhang_at_check, app, flaky, clock,
                                                            outbox):
    flaky.fail_next(SubmissionRefused(CODE))
    entry_id = entry_id_of(submit_check(zhang_at_check, CODE))
    assert outbox.get(entry_id).state == FAILED
    page = text_of(zhang_at_check.get(f"/my/submissions/{entry_id}").get_data(as_text=True))
    assert say(app, "Your application could not be sent") in page
    overview = zhang_at_check.get("/my/").get_data(as_text=True)
    assert 'tag--not_sent">' + say(app, "Not sent") in overview
    clock.advance(hours=1)
    assert "delivered 0" in deliver(app) and applications(flaky) == []
    # The answers are an open draft again, with a new key: check and send again.
    [draft] = app.extensions["front_store"].open_drafts(ZHANG.id)
    assert draft.answers == outbox.get(entry_id).answers
    response = submit_check(zhang_at_check, CODE)
    assert APPLICATION_NUMBER.search(response.location) and len(applications(flaky)) == 1


# ---- double clicks and concurrency ----------------------------------------------------------
def test_a_second_click_while_the_first_is_being_retried_stores_nothing_more(zhang_at_check, app,
                                                                             flaky, outbox):
    flaky.fail_next(TimeoutError())
    page = zhang_at_check.get(f"/apply/{CODE}/check").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page),
            "submission_key": re.search(r'name="submission_key" value="([^"]+)"', page)[1]}
    first = zhang_at_check.post(f"/apply/{CODE}/check", data=data)
    second = zhang_at_check.post(f"/apply/{CODE}/check", data=data)
    assert first.location == second.location
    assert outbox.counts() == {PENDING: 1} and flaky.calls == 1


def test_concurrent_posts_of_one_draft_make_one_application(zhang_at_check, app, flaky, outbox):
    """A double click: two POSTs in flight at once, the platform slow to answer."""
    flaky.delay = 0.3
    page = zhang_at_check.get(f"/apply/{CODE}/check").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page),
            "submission_key": re.search(r'name="submission_key" value="([^"]+)"', page)[1]}
    cookie = zhang_at_check.get_cookie("session").value
    responses = []

    def click():
        browser = app.test_client()
        browser.set_cookie("session", cookie)
        responses.append(browser.post(f"/apply/{CODE}/check", data=data))

    threads = [threading.Thread(target=click) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [application] = applications(flaky)
    # The later clicks waited for the first one's answer: all see its confirmation.
    assert {path_of(r.location) for r in responses} == {
        f"/my/applications/{application.number}/confirmation"}
    assert outbox.counts() == {DELIVERED: 1} and flaky.calls == 1


def test_two_delivery_processes_never_deliver_one_row_twice(zhang_at_check, app, flaky, clock,
                                                            monkeypatch, tmp_path):
    flaky.fail_next(TimeoutError())
    entry_id = entry_id_of(submit_check(zhang_at_check, CODE))
    other = _make_app(monkeypatch, tmp_path)
    try:
        other_flaky = wire(other, clock)
        flaky.delay = other_flaky.delay = 0.3
        clock.advance(seconds=20)
        outcomes = []
        workers = [threading.Thread(target=lambda a=a: outcomes.append(
            a.extensions["outbox"].deliver_due())) for a in (app, other)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        assert sum(o["delivered"] for o in outcomes) == 1
        assert flaky.calls + other_flaky.calls == 2  # the failed first try, then one
    finally:
        _dispose(other)
    assert_sent_once(zhang_at_check, app, flaky, entry_id)


# ---- the background thread and the rules ----------------------------------------------------
def test_the_background_thread_delivers_without_anyone_asking(monkeypatch, tmp_path):
    app = _make_app(monkeypatch, tmp_path, WORKER=True, WORKER_TICK_SECONDS=0.05,
                    OUTBOX_POLL_SECONDS=0.05)
    clock = Clock()
    flaky = wire(app, clock)
    flaky.down = True
    try:
        client = app.test_client()
        sign_in_as(client, ZHANG)  # the first request starts the thread
        walk_service(client, app, CODE)
        entry_id = entry_id_of(submit_check(client, CODE))
        thread, _stop = app.extensions["worker"]
        assert thread.is_alive() and thread.daemon
        flaky.down = False
        clock.advance(minutes=1)
        deadline = time.monotonic() + 10
        while app.extensions["outbox"].get(entry_id).state != DELIVERED:
            assert time.monotonic() < deadline, "the thread did not deliver"
            time.sleep(0.05)
        assert len(applications(flaky)) == 1
    finally:
        _dispose(app)


def test_the_processes_on_one_data_folder_take_turns_at_the_jobs(monkeypatch, tmp_path):
    """gunicorn's workers share a data folder: one thread runs the jobs, and when its
    process ends another's takes over."""
    settings = {"WORKER": True, "WORKER_TICK_SECONDS": 0.05}
    first = _make_app(monkeypatch, tmp_path, **settings)
    second = _make_app(monkeypatch, tmp_path, **settings)
    runs = {"first": 0, "second": 0}
    for name, app in (("first", first), ("second", second)):
        background.jobs(app).clear()
        background.register(app, "count", lambda a: 0,
                            lambda a, name=name: runs.__setitem__(name, runs[name] + 1))
    try:
        first.test_client().get("/")
        wait_for(lambda: runs["first"] >= 3, "the first process never ran its jobs")
        second.test_client().get("/")
        time.sleep(0.5)
        assert runs["second"] == 0  # ten ticks, none of them its turn
        thread, stop = first.extensions.pop("worker")
        stop.set()
        thread.join(5)  # the process ends: its lock is free
        wait_for(lambda: runs["second"] >= 3, "the second process never took over")
    finally:
        _dispose(first)
        _dispose(second)


def test_no_background_thread_in_tests_unless_asked(app, client):
    client.get("/")
    assert not background.enabled(app) and "worker" not in app.extensions


def test_back_off_doubles_up_to_half_an_hour():
    assert timedelta(seconds=15) <= backoff(1) <= timedelta(seconds=18)
    assert timedelta(seconds=30) <= backoff(2) <= timedelta(seconds=36)
    assert timedelta(minutes=30) <= backoff(40) <= timedelta(minutes=36)


@pytest.mark.parametrize("error,permanent", [
    (LookupError("no-such-service"), True), (SubmissionRefused("x"), True),
    (KeyError("a bug"), False), (TimeoutError(), False), (PlatformUnavailable(), False),
    (ConnectionError(), False), (RuntimeError(), False)])
def test_only_refusals_are_final(error, permanent):
    assert is_permanent(error) is permanent


def test_status_command_counts_by_state(zhang_at_check, app, flaky):
    flaky.fail_next(TimeoutError())
    submit_check(zhang_at_check, CODE)
    output = app.test_cli_runner().invoke(args=["outbox", "status"]).output
    assert "pending: 1" in output and "delivered: 0" in output


def test_someone_elses_submission_is_not_found(zhang_at_check, app, flaky):
    flaky.fail_next(TimeoutError())
    entry_id = entry_id_of(submit_check(zhang_at_check, CODE))
    other = app.test_client()
    sign_in_as(other, WANG)
    assert other.get(f"/my/submissions/{entry_id}").status_code == 404
    assert app.test_client().get(f"/my/submissions/{entry_id}").status_code == 302
