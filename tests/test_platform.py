"""The embedded reference platform on its own: seeding, working days, idempotent and
race-safe submission, owners, identity."""
from __future__ import annotations

import threading
from datetime import date, datetime

import pytest
from sqlalchemy import event, func, select

from app.migrations import upgrade
from app.platform import WithdrawRefused
from app.platform.embedded import EmbeddedPlatform, add_working_days
from app.platform.embedded.models import ApplicationRow, PersonRow, ServiceRow
from conftest import CHEN, DEFAULT_LOCALE, WANG, ZHANG, _dispose, _make_app

ANSWERS = {"full_name": "张建国", "mobile": "13800000001"}


def count(platform, model) -> int:
    with platform.db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


# ---- seeding -----------------------------------------------------------------------
def test_seeding_twice_on_the_same_data_folder_keeps_one_copy(app, monkeypatch, tmp_path):
    first = app.extensions["platform"]
    services, people = count(first, ServiceRow), count(first, PersonRow)
    assert services == len(first.services(DEFAULT_LOCALE)) > 0
    assert people == 6
    second_app = _make_app(monkeypatch, tmp_path)
    try:
        second = second_app.extensions["platform"]
        assert (count(second, ServiceRow), count(second, PersonRow)) == (services, people)
        assert second_app.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    finally:
        _dispose(second_app)


def test_seeding_does_not_overwrite_what_the_platform_holds(platform, tmp_path):
    application = platform.submit("retirement", ZHANG.id, ANSWERS, "key-1")
    again = EmbeddedPlatform(platform.db.engine.url.render_as_string(hide_password=False))
    upgrade(again.db, "platform")  # seeds only what is missing
    assert again.application(application.number, ZHANG.id) == application
    again.db.engine.dispose()


def test_seed_gives_every_service_its_questions_with_shared_fields_resolved(platform):
    for service in platform.services(DEFAULT_LOCALE):
        questions = platform.form_schema(service.code, DEFAULT_LOCALE)
        assert questions, service.code
        keys = [q.key for q in questions]
        assert len(keys) == len(set(keys)), service.code
        for question in questions:
            assert question.type and question.label, (service.code, question.key)
    mobile = next(q for q in platform.form_schema("retirement", DEFAULT_LOCALE)
                  if q.key == "mobile")
    assert (mobile.type, mobile.prefill) == ("mobile", "person.mobile")


def test_service_texts_come_in_the_asked_language_or_chinese_marked_as_such(platform):
    english = platform.service("retirement", "en")
    assert (str(english.name), english.name.lang) == ("Retirement", "en")
    matter = english.matters[0]
    assert matter.name.lang == "zh_Hans_CN"  # no English in the seed: Chinese, marked
    assert platform.service("no-such-service", DEFAULT_LOCALE) is None
    assert platform.form_schema("no-such-service", DEFAULT_LOCALE) == []


# ---- working days ------------------------------------------------------------------
@pytest.mark.parametrize("start, days, expected", [
    (date(2026, 11, 26), 1, date(2026, 11, 27)),   # Thursday → Friday
    (date(2026, 11, 27), 1, date(2026, 11, 30)),   # Friday → Monday
    (date(2026, 11, 28), 1, date(2026, 11, 30)),   # Saturday → Monday
    (date(2026, 11, 29), 1, date(2026, 11, 30)),   # Sunday → Monday
    (date(2026, 11, 30), 5, date(2026, 12, 7)),    # Monday + a working week
    (date(2026, 11, 26), 22, date(2026, 12, 28)),
    (date(2026, 11, 26), 0, date(2026, 11, 26)),
])
def test_add_working_days_skips_weekends(start, days, expected):
    assert add_working_days(start, days) == expected


def test_promised_date_and_number_use_the_beijing_calendar(platform, clock):
    clock.now = datetime(2026, 11, 27, 17, 0)  # Friday 17:00 UTC = Saturday 01:00 in Beijing
    application = platform.submit("retirement", ZHANG.id, ANSWERS, "key-sat")
    assert application.number == "YB20261128000001"
    assert application.promised_date == date(2026, 12, 29)
    assert application.submitted_at == datetime(2026, 11, 27, 17, 0)


def test_application_numbers_count_up(platform):
    first = platform.submit("retirement", ZHANG.id, ANSWERS, "key-1").number
    second = platform.submit("retirement", WANG.id, ANSWERS, "key-2").number
    assert (first[-6:], second[-6:]) == ("000001", "000002")


# ---- idempotent submission -----------------------------------------------------------
def test_submit_with_the_same_key_returns_the_same_application(platform):
    first = platform.submit("retirement", ZHANG.id, ANSWERS, "same-key")
    second = platform.submit("retirement", ZHANG.id, {"other": "answers"}, "same-key")
    assert second == first
    assert second.answers == ANSWERS
    assert count(platform, ApplicationRow) == 1


def test_submit_to_an_unknown_service_fails_and_stores_nothing(platform):
    with pytest.raises(LookupError):
        platform.submit("no-such-service", ZHANG.id, ANSWERS, "key-x")
    assert count(platform, ApplicationRow) == 0


def race_inserts(platform, parties: int = 2) -> list[str]:
    """Make concurrent submissions meet just before they write the application row, so
    each has already looked for its key and counted the applications. Returns the list
    the attempted inserts are recorded in."""
    barrier = threading.Barrier(parties, timeout=5)
    attempts = []

    @event.listens_for(platform.db.engine, "before_cursor_execute")
    def wait_for_each_other(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO APPLICATION "):
            first_try = threading.current_thread().name not in attempts
            attempts.append(threading.current_thread().name)
            if first_try:  # a retry must not wait for a partner that will not come
                try:
                    barrier.wait()
                except threading.BrokenBarrierError:
                    pass

    return attempts


def submit_concurrently(platform, calls):
    results, errors = [None] * len(calls), []

    def run(index, args):
        try:
            results[index] = platform.submit(*args)
        except Exception as error:  # noqa: BLE001 - the test reports it
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, args)) for i, args in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results, errors


def test_submit_with_the_same_key_from_two_threads_at_once_makes_one_application(platform):
    attempts = race_inserts(platform)
    results, errors = submit_concurrently(platform, [
        ("retirement", ZHANG.id, ANSWERS, "double-click"),
        ("retirement", ZHANG.id, ANSWERS, "double-click")])
    assert len(set(attempts)) == 2  # both really tried to insert
    assert errors == []
    assert results[0] == results[1]
    assert count(platform, ApplicationRow) == 1


def test_two_different_submissions_at_once_both_succeed_with_different_numbers(platform):
    race_inserts(platform)
    results, errors = submit_concurrently(platform, [
        ("retirement", ZHANG.id, ANSWERS, "zhang-key"),
        ("retirement", WANG.id, ANSWERS, "wang-key")])
    assert errors == []
    assert results[0].number != results[1].number
    assert count(platform, ApplicationRow) == 2


# ---- owners --------------------------------------------------------------------------
def test_application_is_returned_only_to_its_owner(platform):
    number = platform.submit("retirement", ZHANG.id, ANSWERS, "key-1").number
    assert platform.application(number, ZHANG.id).owner_id == ZHANG.id
    assert platform.application(number, WANG.id) is None
    assert platform.application("YB20200101999999", ZHANG.id) is None


def test_applications_of_lists_only_the_owners_newest_first(platform, clock):
    first = platform.submit("retirement", ZHANG.id, ANSWERS, "key-1").number
    platform.submit("retirement", WANG.id, ANSWERS, "key-2")
    clock.advance(minutes=1)
    second = platform.submit("elderly-allowance", ZHANG.id, ANSWERS, "key-3").number
    assert [a.number for a in platform.applications_of(ZHANG.id)] == [second, first]
    assert platform.applications_of("nobody") == []


def test_only_the_owner_can_withdraw(platform):
    number = platform.submit("retirement", ZHANG.id, ANSWERS, "key-1").number
    with pytest.raises(LookupError):
        platform.withdraw(number, WANG.id)
    assert platform.application(number, ZHANG.id).status == "submitted"


def test_withdraw_within_ten_minutes_and_not_after(platform, clock):
    early = platform.submit("retirement", ZHANG.id, ANSWERS, "key-1").number
    late = platform.submit("retirement", ZHANG.id, ANSWERS, "key-2").number
    clock.advance(minutes=10)
    assert platform.withdraw(early, ZHANG.id).status == "withdrawn"
    clock.advance(seconds=1)
    with pytest.raises(WithdrawRefused):
        platform.withdraw(late, ZHANG.id)
    application = platform.application(late, ZHANG.id)
    assert application.status == "submitted"
    assert application.can_withdraw is False


def test_closed_application_cannot_be_withdrawn(platform):
    number = platform.submit("retirement", ZHANG.id, ANSWERS, "key-1").number
    platform.advance(number, "材料不全")
    assert platform.application(number, ZHANG.id).can_withdraw is False
    with pytest.raises(WithdrawRefused):
        platform.withdraw(number, ZHANG.id)


def test_advance_does_not_move_closed_applications(platform):
    number = platform.submit("retirement", ZHANG.id, ANSWERS, "key-1").number
    platform.withdraw(number, ZHANG.id)
    assert platform.advance() == []
    assert platform.application(number, ZHANG.id).status == "withdrawn"


# ---- identity ------------------------------------------------------------------------
def test_authenticate_by_mobile(platform):
    person = platform.authenticate(ZHANG.mobile, ZHANG.password)
    assert (person.id, person.name, person.id_number) == (ZHANG.id, ZHANG.name, ZHANG.id_number)
    assert person.licence("social_security_card").data["bank_account"] == "6200000000000000101"


@pytest.mark.parametrize("login", [CHEN.id_number, CHEN.id_number.lower(), f" {CHEN.id_number} "])
def test_authenticate_by_id_number(platform, login):
    assert platform.authenticate(login, CHEN.password).id == CHEN.id


@pytest.mark.parametrize("login, password", [
    (ZHANG.mobile, "yiban-demo-2"), (ZHANG.mobile, ""), (ZHANG.mobile, None),
    (ZHANG.id_number, "YIBAN-DEMO-1"), ("13800000009", "yiban-demo-1"), ("", ""),
])
def test_wrong_login_or_password_gives_no_one(platform, login, password):
    assert platform.authenticate(login, password) is None


def test_person_by_id(platform):
    assert platform.person(WANG.id).birth_date == date(1954, 3, 8)
    assert platform.person("nobody") is None
