"""Helpers in the embedded platform: seeded accounts, sign-in and look-up, who acted on
an application, and what an upgrade keeps and adds."""
from __future__ import annotations

import re
import sqlite3

import pytest
from sqlalchemy import func, select

from app.platform import HELPER_KINDS, Helper
from app.platform.embedded import EmbeddedPlatform
from app.migrations import upgrade
from app.platform.embedded.models import ApplicationRow, HelperRow
from conftest import WANG, ZHANG, Clock

ANSWERS = {"full_name": "王秀英"}


class SeededHelper:
    def __init__(self, id, name, kind, code, mobile, password):
        self.id, self.name, self.kind = id, name, kind
        self.code, self.mobile, self.password = code, mobile, password


ZHOU = SeededHelper("zhou-jianhua", "周建华", "community_worker", "HB1001", "13900000001",
                    "yiban-helper-1")
WU = SeededHelper("wu-jing", "吴静", "counter_clerk", "HB1002", "13900000002",
                  "yiban-helper-2")
SUN = SeededHelper("sun-xiaomei", "孙小梅", "family", "HB1004", "13900000004",
                   "yiban-helper-4")


def open_platform(path) -> EmbeddedPlatform:
    """The platform on a SQLite file, brought up to date as `flask db upgrade` does."""
    embedded = EmbeddedPlatform(f"sqlite:///{path}", clock=Clock())
    upgrade(embedded.db, "platform")
    return embedded


@pytest.fixture
def platform(tmp_path):
    """The embedded platform alone, on its own file, with a clock the test moves."""
    embedded = open_platform(tmp_path / "platform.sqlite")
    yield embedded
    embedded.db.engine.dispose()


def count(platform, model) -> int:
    with platform.db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


# ---- seeded helpers -----------------------------------------------------------------
def test_seed_has_a_fictitious_helper_of_every_kind(platform):
    with platform.db.session() as s:
        ids = list(s.scalars(select(HelperRow.id)))
    helpers = [platform.helper(i) for i in ids]
    assert len(helpers) >= 4
    assert {h.kind for h in helpers} == set(HELPER_KINDS)
    for helper in helpers:
        assert re.fullmatch(r"HB\d{4}", helper.code), helper
        assert re.fullmatch(r"1390000\d{4}", helper.mobile), helper
        if helper.kind == "family":
            assert helper.organisation is None
        else:
            assert "示例" in helper.organisation, helper


def test_helper_by_id(platform):
    assert platform.helper(ZHOU.id) == Helper(
        id=ZHOU.id, name=ZHOU.name, kind=ZHOU.kind,
        organisation="长沙市芙蓉区示例街道示例社区", code=ZHOU.code, mobile=ZHOU.mobile)
    assert platform.helper("nobody") is None


# ---- sign-in and look-up ----------------------------------------------------------------
@pytest.mark.parametrize("login", [ZHOU.code, ZHOU.code.lower(), " hb 1001 ", ZHOU.mobile,
                                   "139 0000 0001"])
def test_helper_signs_in_with_code_or_mobile(platform, login):
    assert platform.authenticate_helper(login, ZHOU.password).id == ZHOU.id


@pytest.mark.parametrize("login, password", [
    (ZHOU.code, WU.password), (ZHOU.mobile, "YIBAN-HELPER-1"), (ZHOU.code, ""),
    (ZHOU.code, None), ("HB9999", ZHOU.password), ("", ""), (None, None),
])
def test_wrong_helper_login_or_password_gives_no_one(platform, login, password):
    assert platform.authenticate_helper(login, password) is None


def test_helpers_and_citizens_sign_in_only_as_what_they_are(platform):
    assert platform.authenticate_helper(ZHANG.mobile, ZHANG.password) is None
    assert platform.authenticate(ZHOU.mobile, ZHOU.password) is None


@pytest.mark.parametrize("typed", [SUN.code, "hb1004", f" {SUN.mobile} "])
def test_citizen_finds_a_helper_by_code_or_mobile(platform, typed):
    assert platform.find_helper(typed).id == SUN.id


@pytest.mark.parametrize("typed", ["HB9999", "13900000999", "", "   ", None, ZHANG.mobile])
def test_finding_an_unknown_helper_gives_none(platform, typed):
    assert platform.find_helper(typed) is None


# ---- who acted ------------------------------------------------------------------------------
def test_submission_by_a_helper_is_recorded_on_the_application_and_its_timeline(platform):
    number = platform.submit("disability", WANG.id, ANSWERS, "key-1",
                             acted_by=ZHOU.id).number
    application = platform.application(number, WANG.id)
    assert application.owner_id == WANG.id
    assert application.submitted_by == ZHOU.id
    assert [(e.kind, e.acted_by) for e in application.timeline] == [("submitted", ZHOU.id)]
    assert platform.applications_of(WANG.id)[0].submitted_by == ZHOU.id


def test_submission_by_the_owner_names_no_helper(platform):
    application = platform.submit("retirement", ZHANG.id, ANSWERS, "key-1")
    assert application.submitted_by is None
    assert application.timeline[0].acted_by is None


def test_withdrawal_records_who_withdrew(platform):
    number = platform.submit("disability", WANG.id, ANSWERS, "key-1").number
    withdrawn = platform.withdraw(number, WANG.id, acted_by=SUN.id)
    assert withdrawn.status == "withdrawn"
    assert withdrawn.submitted_by is None
    assert [(e.kind, e.acted_by) for e in withdrawn.timeline] == [
        ("submitted", None), ("withdrawn", SUN.id)]


def test_acting_as_an_unknown_helper_is_refused_and_changes_nothing(platform):
    with pytest.raises(LookupError):
        platform.submit("retirement", WANG.id, ANSWERS, "key-1", acted_by="nobody")
    assert count(platform, ApplicationRow) == 0
    number = platform.submit("retirement", WANG.id, ANSWERS, "key-2").number
    with pytest.raises(LookupError):
        platform.withdraw(number, WANG.id, acted_by="nobody")
    assert platform.application(number, WANG.id).status == "submitted"


def test_a_helper_cannot_withdraw_someone_elses_application_by_naming_them(platform):
    number = platform.submit("retirement", ZHANG.id, ANSWERS, "key-1").number
    with pytest.raises(LookupError):
        platform.withdraw(number, WANG.id, acted_by=ZHOU.id)
    assert platform.application(number, ZHANG.id).status == "submitted"


def test_repeated_submission_returns_the_first_with_its_sender(platform):
    first = platform.submit("retirement", WANG.id, ANSWERS, "same-key", acted_by=ZHOU.id)
    again = platform.submit("retirement", WANG.id, ANSWERS, "same-key", acted_by=ZHOU.id)
    by_someone_else = platform.submit("retirement", WANG.id, {"other": 1}, "same-key",
                                      acted_by=WU.id)
    by_owner = platform.submit("retirement", WANG.id, ANSWERS, "same-key")
    assert again == by_someone_else == by_owner == first
    assert first.submitted_by == ZHOU.id
    assert count(platform, ApplicationRow) == 1


# ---- upgrades ---------------------------------------------------------------------------------
def test_a_database_opened_again_keeps_what_was_done(tmp_path):
    first = open_platform(tmp_path / "p.sqlite")
    number = first.submit("retirement", WANG.id, ANSWERS, "key-1", acted_by=ZHOU.id).number
    first.db.engine.dispose()
    again = open_platform(tmp_path / "p.sqlite")
    assert again.application(number, WANG.id).submitted_by == ZHOU.id
    again.db.engine.dispose()


def test_an_upgrade_adds_missing_seed_and_keeps_applications(tmp_path):
    """What the old SCHEMA_VERSION bump did by dropping everything (a new demo
    licence, a new helper) an upgrade now does by inserting only what is missing."""
    path = tmp_path / "p.sqlite"
    first = open_platform(path)
    number = first.submit("retirement", WANG.id, ANSWERS, "key-1").number
    first.db.engine.dispose()
    with sqlite3.connect(path) as con:
        con.execute("DELETE FROM helper WHERE id = ?", (SUN.id,))
        con.execute("DELETE FROM licence WHERE person_id = 'li-na'")
    again = open_platform(path)
    assert again.application(number, WANG.id) is not None
    assert again.authenticate_helper(SUN.code, SUN.password).id == SUN.id
    assert again.person("li-na").licences
    again.db.engine.dispose()
