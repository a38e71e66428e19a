"""消息中心: in-app messages for status changes, requests for more, consent changes and
reminders, an unread count in the header (in words), and texts through a pluggable
sender whose embedded default writes an outbox developers can read; a text carries no
ID number and masks names."""
from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest

from app.messages.senders import Outgoing
from conftest import (LIU, WANG, ZHANG, ZHOU, _dispose, _make_app, act_for, apply_and_submit,
                      csrf_token, h1s, post_with_csrf, run_background_jobs, say, sign_in_as,
                      text_of)

NONE_CHOSEN = {"matters": {}}


@pytest.fixture
def number(zhang, app):
    return apply_and_submit(zhang, app, "retirement", NONE_CHOSEN)


def centre(app):
    return app.extensions["messages"]


def outbox(app):
    return centre(app).sender.sent(100)


def nav_link(html: str) -> str:
    match = re.search(r'<a class="site-nav__link" href="/my/messages/"[^>]*>(.*?)</a>', html)
    assert match, "no messages link in the header"
    return text_of(match.group(1))


# ---- status changes -------------------------------------------------------------------------
def test_each_status_change_becomes_a_message(zhang, app, platform, number):
    platform.advance(number)
    platform.advance(number)
    run_background_jobs(app)
    html = zhang.get("/my/messages/").get_data(as_text=True)
    text = text_of(html)
    assert say(app, "Application %(number)s was sent", number=number) in text
    assert say(app, "Application %(number)s was accepted", number=number) in text
    assert say(app, "%(department)s finished its part of application %(number)s",
               department="人社", number=number) in text
    # newest first
    assert text.index(say(app, "%(department)s finished its part of application %(number)s",
                          department="人社", number=number)) < text.index(
        say(app, "Application %(number)s was sent", number=number))


def test_the_header_counts_unread_messages_in_words(zhang, app, platform, number):
    platform.advance(number)
    run_background_jobs(app)
    link = nav_link(zhang.get("/").get_data(as_text=True))
    assert link == say(app, "Messages (%(num)d unread)", "Messages (%(num)d unread)", 2)
    centre(app).mark_all_read(ZHANG.id)
    assert nav_link(zhang.get("/").get_data(as_text=True)) == say(app, "Messages")


def test_a_message_another_process_made_shows_in_the_header_within_seconds(
        zhang, app, number):
    """The count is kept a few seconds per process (every signed-in page shows it): a
    message made by another process (its background worker) shows once that time is up;
    one made or read in this process at once."""
    import importlib
    from cachetools import TTLCache

    keep = importlib.import_module("app.messages.centre").UNREAD_KEEP_SECONDS
    MessageCentre = importlib.import_module("app.messages.centre").MessageCentre
    now = [0.0]
    mine = centre(app)
    mine._unread = TTLCache(maxsize=10, ttl=keep, timer=lambda: now[0])
    run_background_jobs(app)
    assert nav_link(zhang.get("/").get_data(as_text=True)) == \
        say(app, "Messages (%(num)d unread)", "Messages (%(num)d unread)", 1)
    other_process = MessageCentre(mine.db, mine.platform, mine.sender, app=app)
    other_process.add(ZHANG.id, "reminder_renewal", {"licence_type": "id_card",
                                                    "until": "2027-01-01"}, "elsewhere:1")
    now[0] += keep - 1
    assert nav_link(zhang.get("/").get_data(as_text=True)) == \
        say(app, "Messages (%(num)d unread)", "Messages (%(num)d unread)", 1)
    now[0] += 2
    assert nav_link(zhang.get("/").get_data(as_text=True)) == \
        say(app, "Messages (%(num)d unread)", "Messages (%(num)d unread)", 2)
    mine.mark_all_read(ZHANG.id)
    assert nav_link(zhang.get("/").get_data(as_text=True)) == say(app, "Messages")


def test_signed_out_visitors_have_no_messages_link(client):
    assert 'href="/my/messages/"' not in client.get("/").get_data(as_text=True)


def test_opening_a_message_marks_it_read(zhang, app, number):
    run_background_jobs(app)
    [message] = centre(app).messages_of(ZHANG.id)
    html = zhang.get("/my/messages/").get_data(as_text=True)
    assert say(app, "Unread") in text_of(html)
    detail = zhang.get(f"/my/messages/{message.id}").get_data(as_text=True)
    assert say(app, "Application %(number)s was sent", number=number) in h1s(detail)[0]
    assert f'href="/my/applications/{number}"' in detail
    assert centre(app).unread_count(ZHANG.id) == 0
    assert say(app, "Unread") not in text_of(zhang.get("/my/messages/").get_data(as_text=True))


def test_mark_all_as_read(zhang, app, platform, number):
    platform.advance(number)
    response = post_with_csrf(zhang, "/my/messages/read", page="/my/messages/")
    assert response.status_code == 302
    assert centre(app).unread_count(ZHANG.id) == 0


def test_an_event_read_twice_makes_one_message_and_one_text(zhang, app, platform, number):
    platform.raise_supplement(number, "医保", "请补充材料")
    centre(app).sync()
    centre(app).sync()
    run_background_jobs(app)
    kinds = [m.kind for m in centre(app).messages_of(ZHANG.id)]
    assert kinds.count("supplement_requested") == 1
    assert len(outbox(app)) == 1


def test_a_new_message_centre_does_not_text_about_the_past(app, monkeypatch, tmp_path,
                                                          zhang, platform, number):
    """A front started against a platform with history begins at the feed's end."""
    platform.advance(number, "材料不全")
    front = tmp_path / "other-front.sqlite"
    monkeypatch.setenv("YIBAN_DATABASE_URL", f"sqlite:///{front}")
    from app.messages.centre import MessageCentre
    from app.core.front_store import FrontStore
    from app.migrations import upgrade
    store = FrontStore(f"sqlite:///{front}", app.extensions["keyring"])
    upgrade(store.db, "front")
    fresh = MessageCentre(store.db, lambda: platform, centre(app).sender)
    fresh.start()
    assert fresh.sync() == 0
    store.db.engine.dispose()


def test_someone_else_s_message_is_not_found(zhang, app, client, number):
    run_background_jobs(app)
    [message] = centre(app).messages_of(ZHANG.id)
    other = app.test_client()
    sign_in_as(other, LIU)  # no applications, no licence to renew: no messages
    assert other.get(f"/my/messages/{message.id}").status_code == 404
    assert say(app, "You have no messages yet. We will tell you here when something happens "
                    "with your applications.") in text_of(other.get("/my/messages/").get_data(
                        as_text=True))


# ---- texts: through the sender, with no personal data beyond what they need ---------------------
def test_a_request_for_more_is_texted_with_the_name_masked_and_no_id(zhang, app, platform,
                                                                    number):
    platform.raise_supplement(number, "医保", f"请补充身份证{ZHANG.id_number}的复印件")
    run_background_jobs(app)
    [text] = outbox(app)
    assert (text.channel, text.recipient) == ("sms", ZHANG.mobile)
    assert "张**" in text.body and "张建国" not in text.body
    assert number in text.body and "医保" in text.body
    assert ZHANG.id_number not in text.body and ZHANG.mobile not in text.body
    assert "身份证" not in text.body  # what they ask for waits behind the sign-in


def test_routine_steps_are_not_texted(zhang, app, platform, number):
    platform.advance(number)
    run_background_jobs(app)
    assert outbox(app) == []  # sent and accepted: in the message centre only


def test_finished_and_refused_are_texted(zhang, app, platform, number):
    other = apply_and_submit(zhang, app, "retirement", NONE_CHOSEN)
    platform.advance(number, "缴费年限不足15年")
    while platform.advance(other):
        pass
    run_background_jobs(app)
    bodies = [t.body for t in outbox(app)]
    assert any(number in b for b in bodies) and any(other in b for b in bodies)
    assert not any("缴费年限" in b for b in bodies)


def test_the_cli_shows_the_outbox_masked(zhang, app, platform, number):
    platform.raise_supplement(number, "医保", "请补充材料")
    result = app.test_cli_runner().invoke(args=["platform", "advance", number])
    assert result.exit_code == 0
    result = app.test_cli_runner().invoke(args=["messages", "outbox"])
    assert result.exit_code == 0, result.output
    assert "sms" in result.output and "138****0001" in result.output
    assert ZHANG.mobile not in result.output and number in result.output


def test_the_cli_texts_at_once_when_the_back_office_acts(zhang, app, number):
    """`flask platform supplement` tells the citizen right away, not at their next visit."""
    result = app.test_cli_runner().invoke(
        args=["platform", "supplement", number, "--part", "医保", "--ask", "请补充材料"])
    assert result.exit_code == 0, result.output
    assert len(outbox(app)) == 1


def test_the_sender_is_pluggable(monkeypatch, tmp_path):
    sent = []

    class Recorder:
        def send(self, outgoing: Outgoing) -> None:
            sent.append(outgoing)

    import sys
    import types
    module = types.ModuleType("yiban_test_gateway")
    module.make = lambda app: Recorder()
    monkeypatch.setitem(sys.modules, "yiban_test_gateway", module)
    app = _make_app(monkeypatch, tmp_path, MESSAGE_SENDER="yiban_test_gateway:make")
    try:
        client = app.test_client()
        sign_in_as(client, ZHANG)
        number = apply_and_submit(client, app, "retirement", NONE_CHOSEN)
        app.extensions["platform"].raise_supplement(number, "医保", "请补充材料")
        run_background_jobs(app)
        assert [o.channel for o in sent] == ["sms"] and sent[0].recipient == ZHANG.mobile
        result = app.test_cli_runner().invoke(args=["messages", "outbox"])
        assert result.exit_code != 0  # a real sender: nothing kept here
    finally:
        _dispose(app)


# ---- consent changes ------------------------------------------------------------------------------
def test_authorising_and_ending_a_helper_are_messages_and_texts(client, app):
    sign_in_as(client, WANG)
    post_with_csrf(client, "/my/helpers/new",
                   {"helper": "HB1001", "scope": "all", "hours": "24", "confirm": "1"})
    [authorisation] = app.extensions["consents"].authorisations_of_citizen(WANG.id)
    page = client.get("/my/helpers").get_data(as_text=True)
    client.post(f"/my/helpers/{authorisation.id}/end", data={"csrf_token": csrf_token(page)})
    run_background_jobs(app)
    html = client.get("/my/messages/").get_data(as_text=True)
    assert "周建华" in text_of(html)  # the citizen sees who, in full
    kinds = [m.kind for m in centre(app).messages_of(WANG.id) if m.kind.startswith("consent")]
    assert kinds == ["consent_ended", "consent_granted"]
    granted, ended = [t.body for t in reversed(outbox(app)) if "周" in t.body]
    # The helper named in full with their organisation; the citizen's own name masked.
    assert all("王**" in b and "周建华" in b and "长沙市芙蓉区示例街道示例社区" in b
               for b in (granted, ended))
    assert not any("王秀英" in b for b in (granted, ended))
    not_you = say(app, "Not you? Call %(hotline)s at once.", hotline="12345")
    assert not_you in granted and not_you not in ended


# ---- what a helper does in the citizen's name ---------------------------------------------------
def helper_texts(app):
    return [t.body for t in outbox(app) if "周建华" in t.body]


def zhou_in_full(app):
    return say(app, "%(name)s (%(kind)s, %(organisation)s)", name="周建华",
               kind=say(app, "community grid worker"), organisation="长沙市芙蓉区示例街道示例社区")


def test_a_helper_submitting_for_the_citizen_texts_them_once(app, client):
    helper = act_for_wang(app, client)
    number = apply_and_submit(helper, app, "disability-card-renewal")
    run_background_jobs(app)
    run_background_jobs(app)  # read twice: still one text
    [body] = helper_texts(app)
    spaced = " ".join((number[:2], number[2:6], number[6:10], number[10:]))
    assert body == say(app, "[Yiban] %(name)s: %(title)s. Sign in to Yiban to see more.",
                       name="王**", title=say(
                           app, "%(helper)s sent application %(number)s (%(service)s) for you",
                           helper=zhou_in_full(app),
                           number=spaced, service="残疾人证换领")) + " " + say(
        app, "Not you? Call %(hotline)s at once.", hotline="12345")


def test_a_helper_withdrawing_for_the_citizen_texts_them(app, client):
    helper = act_for_wang(app, client)
    number = apply_and_submit(helper, app, "disability-card-renewal")
    post_with_csrf(helper, f"/my/applications/{number}/withdraw")
    run_background_jobs(app)
    assert len(helper_texts(app)) == 2
    assert say(app, "%(helper)s withdrew application %(number)s (%(service)s) for you",
               helper=zhou_in_full(app),
               number=" ".join((number[:2], number[2:6], number[6:10], number[10:])),
               service="残疾人证换领") in helper_texts(app)[0]


def test_the_citizens_own_submit_sends_no_helper_text(app, client):
    sign_in_as(client, WANG)
    apply_and_submit(client, app, "disability-card-renewal")
    run_background_jobs(app)
    not_you = say(app, "Not you? Call %(hotline)s at once.", hotline="12345")
    assert [m.kind for m in centre(app).messages_of(WANG.id)].count("submitted") == 1
    assert not any(not_you in t.body for t in outbox(app)) and helper_texts(app) == []


# ---- reminders --------------------------------------------------------------------------------------
def test_a_request_due_soon_gets_a_reminder_once(zhang, app, platform, number):
    soon = date.today() + timedelta(days=1)
    platform.raise_supplement(number, "医保", "请补充材料", soon)
    result = app.test_cli_runner().invoke(args=["messages", "sync"])
    assert "1 reminders made" in result.output
    app.test_cli_runner().invoke(args=["messages", "sync"])
    kinds = [m.kind for m in centre(app).messages_of(ZHANG.id)]
    assert kinds.count("reminder_supplement") == 1
    text = text_of(zhang.get("/my/messages/").get_data(as_text=True))
    assert say(app, "Reminder: %(department)s is waiting for your answer", department="医保") in text


def test_a_licence_due_for_renewal_gets_a_reminder(client, app):
    from app.messages import centre as _centre  # noqa: F401 (the app's, below)
    from app.proactive.rules import Suggestion
    centre(app).remind_renewals(WANG.id, [Suggestion("disability", "renewal",
                                                     licence_type="disability_card",
                                                     until=date(2027, 3, 15))])
    sign_in_as(client, WANG)
    html = client.get("/my/messages/").get_data(as_text=True)
    assert say(app, "Your %(licence)s expires on %(date)s. You can renew it now.",
               licence=say(app, "disability card"), date="2027年3月15日") in text_of(html)


# ---- helpers acting -------------------------------------------------------------------------------------
def act_for_wang(app, client, services=None):
    return act_for(app, client, WANG, ZHOU, services)


@pytest.fixture
def wang_messages(app):
    wang = app.test_client()
    sign_in_as(wang, WANG)
    apply_and_submit(wang, app, "disability-card-renewal")
    apply_and_submit(wang, app, "remote-medical-filing")
    centre(app).add(WANG.id, "consent_granted", {"helper_id": ZHOU.id, "until": "2027-01-01"},
                    "consent_granted:test")
    run_background_jobs(app)
    return centre(app).messages_of(WANG.id)


def test_a_helper_sees_only_messages_within_the_consent(app, client, wang_messages):
    helper = act_for_wang(app, client, services=["disability-card-renewal"])
    html = helper.get("/my/messages/").get_data(as_text=True)
    links = re.findall(r'href="/my/messages/(\d+)"', html)
    visible = {m.id for m in wang_messages if m.service_code == "disability-card-renewal"}
    assert {int(x) for x in links} == visible
    consent_message = next(m for m in wang_messages if m.kind == "consent_granted")
    assert helper.get(f"/my/messages/{consent_message.id}").status_code == 404
    assert "view_messages" in [e.action for e in
                               app.extensions["consents"].access_log_of(WANG.id)]


def test_a_helper_reading_a_message_leaves_it_unread_for_the_citizen(app, client, wang_messages):
    helper = act_for_wang(app, client)
    before = centre(app).unread_count(WANG.id)
    message = next(m for m in wang_messages if m.kind == "submitted")
    assert helper.get(f"/my/messages/{message.id}").status_code == 200
    assert centre(app).unread_count(WANG.id) == before


# ---- the background worker: pages never wait for the platform's events ----------------------------
def test_a_signed_in_page_never_reads_the_platform_s_events(zhang, app, platform, number,
                                                            monkeypatch):
    read = []
    monkeypatch.setattr(platform, "feed", lambda *args, **kw: read.append(args) or [])
    platform.advance(number)
    for page in ("/", "/my/messages/", "/my/", f"/my/applications/{number}"):
        assert zhang.get(page).status_code == 200
    assert read == []


def test_the_worker_thread_texts_a_request_for_more_without_anyone_asking(monkeypatch,
                                                                         tmp_path):
    app = _make_app(monkeypatch, tmp_path, WORKER=True, WORKER_TICK_SECONDS=0.05,
                    MESSAGES_SYNC_SECONDS=0.05)
    try:
        client = app.test_client()
        sign_in_as(client, ZHANG)  # the first request starts the thread
        number = apply_and_submit(client, app, "retirement", NONE_CHOSEN)
        app.extensions["platform"].raise_supplement(number, "医保", "请补充材料")
        deadline = time.monotonic() + 10
        while not outbox(app):
            assert time.monotonic() < deadline, "the worker thread texted nothing"
            time.sleep(0.05)
        [text] = outbox(app)
        assert text.recipient == ZHANG.mobile and number in text.body
        kinds = [m.kind for m in centre(app).messages_of(ZHANG.id)]
        assert "supplement_requested" in kinds
    finally:
        _dispose(app)


def test_flask_worker_once_runs_every_job(zhang, app, platform, number):
    platform.raise_supplement(number, "医保", "请补充材料")
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert {line.split(":")[0] for line in result.output.splitlines()} == {
        "outbox", "messages", "reminders", "texts", "account_copies", "catalogue_copies"}
    assert [t.body for t in outbox(app) if number in t.body]


def test_the_home_page_makes_a_renewal_reminder_once(client, app):
    sign_in_as(client, WANG)
    client.get("/")
    client.get("/")
    run_background_jobs(app)
    renewals = [m for m in centre(app).messages_of(WANG.id) if m.kind == "reminder_renewal"]
    assert len(renewals) == 1
    assert len([t for t in outbox(app) if t.recipient == WANG.mobile]) == 1
