"""服务找人: the statutory retirement age by the 2025 rules, and the services a citizen
is due for, shown on their home page: rules kept as data, the newborn bundle, and
dismissing a suggestion (不再提示)."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime

import pytest
import yaml
from sqlalchemy import select

from app.platform import Licence
from app.proactive.rules import (DEFAULT_RULES_FILE, RulesError, age_on, load_rules, parse_rules,
                           statutory_retirement, suggestions)
from conftest import (LI, WANG, ZHANG, ZHAO, ZHOU, Clock, _make_app, apply_and_submit,
                      csrf_token, sign_in_as, sign_in_as_helper, text_of, translate)
from test_authorisation import WANG_ANSWERS


@pytest.mark.parametrize("birth,group,expected", [
    (date(1965, 1, 15), "male", (2025, 2, 60, 1)),      # the law's own example: 60 y 1 m
    (date(1976, 9, 1), "male", (2039, 9, 63, 0)),       # and from 1976-09: 63
    (date(1980, 5, 1), "male", (2043, 5, 63, 0)),       # never more than 36 months later
    (date(1964, 12, 31), "male", (2024, 12, 60, 0)),    # retired before the reform: no delay
    (date(1966, 10, 12), "male", (2027, 4, 60, 6)),     # 张建国: n = 22, ceil(22/4) = 6
    (date(1971, 1, 1), "female_55", (2026, 5, 55, 4)),  # n = 13 → 4 months
    (date(1975, 1, 1), "female_50", (2025, 2, 50, 1)),  # n = 1 → 1 month (every 2 months)
    (date(1976, 1, 1), "female_50", (2026, 8, 50, 7)),  # n = 13 → ceil(13/2) = 7
    (date(1990, 1, 1), "female_50", (2045, 1, 55, 0)),  # never more than 60 months later
])
def test_statutory_retirement_age_follows_the_2025_rules(birth, group, expected):
    age = statutory_retirement(birth, group)
    assert (age.year, age.month, age.age_years, age.age_months) == expected


def test_age_counts_whole_years_up_to_the_birthday():
    assert age_on(date(1940, 6, 21), date(2026, 6, 20)) == 85
    assert age_on(date(1940, 6, 21), date(2026, 6, 21)) == 86


def person(platform, citizen):
    return platform.person(citizen.id)


def test_a_man_within_a_year_of_retirement_is_offered_the_retirement_bundle(platform):
    found = suggestions(person(platform, ZHANG), date(2026, 11, 26), set())
    assert [(s.service_code, s.reason) for s in found] == [("retirement", "retirement")]
    assert (found[0].retirement.year, found[0].retirement.month) == (2027, 4)


def test_no_retirement_suggestion_long_before_or_long_after(platform):
    zhang = person(platform, ZHANG)
    for day in (date(2026, 3, 1), date(2027, 8, 1)):  # 13 months ahead, 4 months past
        assert "retirement" not in {s.reason for s in suggestions(zhang, day, set())}, day


def test_a_licence_about_to_expire_suggests_renewing_it(platform):
    found = suggestions(person(platform, WANG), date(2026, 11, 26), set())
    renewal = [s for s in found if s.reason == "renewal"]
    assert [(s.service_code, s.licence_type, s.until) for s in renewal] == [
        ("disability", "disability_card", date(2027, 3, 15))]


def test_an_expired_licence_is_not_offered_as_a_renewal(platform):
    wang = person(platform, WANG)
    expired = replace(wang, licences=(Licence("disability_card", "x", None, date(2026, 1, 1), {}),))
    assert [s for s in suggestions(expired, date(2026, 11, 26), set()) if s.reason == "renewal"] == []


def test_from_80_the_old_age_allowance_is_offered(platform):
    found = suggestions(person(platform, ZHAO), date(2026, 11, 26), set())
    assert ("elderly-allowance", "age") in [(s.service_code, s.reason) for s in found]


def test_a_service_already_applied_for_is_not_suggested_again(platform):
    assert suggestions(person(platform, ZHANG), date(2026, 11, 26), {"retirement"}) == []


@pytest.fixture
def november_2026(app):
    """The home page's today: 2026-11-26 in Beijing."""
    app.extensions["clock"] = Clock(datetime(2026, 11, 26, 2, 0))


def test_the_home_page_tells_the_citizen_what_they_are_due_for(client, app, november_2026):
    sign_in_as(client, ZHANG)
    html = client.get("/").get_data(as_text=True)
    page = text_of(html)
    assert translate(app, "For you") in page
    assert "2027年4月" in page and 'href="/services/retirement"' in html.split("suggestions-title", 1)[1]


def test_after_applying_the_suggestion_goes_away(client, app, november_2026):
    sign_in_as(client, WANG)
    assert 'aria-labelledby="suggestions-title"' in client.get("/").get_data(as_text=True)
    apply_and_submit(client, app, "disability", None)
    assert 'aria-labelledby="suggestions-title"' not in client.get("/").get_data(as_text=True)


def test_signed_out_visitors_get_no_suggestions(client):
    assert "suggestions-title" not in client.get("/").get_data(as_text=True)


# ---- rules kept as data (app/proactive/rules.yaml) --------------------------------------
def shipped_rules() -> dict:
    return yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))


def test_the_rules_come_from_the_data_file():
    rules = load_rules()
    assert rules.elderly_allowance.from_age == 80
    assert rules.newborn.within_months == 6
    assert [(r.licence, r.service, r.notice_days) for r in rules.renewals] == [
        ("disability_card", "disability", 365), ("social_security_card", "social-security-card", 365)]
    assert rules.retirement.groups["female_50"].every_months == 2


def test_changing_the_data_changes_what_is_suggested(platform):
    data = shipped_rules()
    data["elderly_allowance"]["from_age"] = 90
    data["renewals"] = [r for r in data["renewals"] if r["licence"] != "disability_card"]
    rules = parse_rules(data)
    assert suggestions(person(platform, ZHAO), date(2026, 11, 26), set(), rules) == []
    assert suggestions(person(platform, WANG), date(2026, 11, 26), set(), rules) == []


def test_the_app_reads_the_rules_file_it_is_configured_with(monkeypatch, tmp_path):
    data = shipped_rules()
    data["elderly_allowance"]["from_age"] = 85
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("YIBAN_PROACTIVE_RULES", str(path))
    app = _make_app(monkeypatch, tmp_path / "data")
    try:
        assert app.extensions["proactive_rules"].elderly_allowance.from_age == 85
        with app.app_context():  # the app's rules are the default ones inside it
            found = suggestions(person(app.extensions["platform"], ZHAO), date(2026, 11, 26), set())
        assert [(s.service_code, s.age) for s in found] == [("elderly-allowance", 85)]
    finally:
        app.extensions["platform"].db.engine.dispose()
        app.extensions["front_store"].db.engine.dispose()


def _broken(change):
    data = shipped_rules()
    change(data)
    return data


@pytest.mark.parametrize("data,place", [
    (_broken(lambda d: d["renewals"][0].update(notice_days="a year")), r"renewals\[0\]\.notice_days"),
    (_broken(lambda d: d["renewals"][1].pop("service")), r"renewals\[1\]\.service: is missing"),
    (_broken(lambda d: d["newborn"].update(within_months=0)), r"newborn\.within_months"),
    (_broken(lambda d: d["elderly_allowance"].update(from_age=True)), r"elderly_allowance\.from_age"),
    (_broken(lambda d: d["retirement"].update(reform_start="2025-13")), r"retirement\.reform_start"),
    (_broken(lambda d: d["retirement"]["groups"].pop("female_50")), r"retirement\.groups\.female_50: is missing"),
    (_broken(lambda d: d["retirement"].update(notice_month=12)), r"retirement: unknown key\(s\) notice_month"),
    (_broken(lambda d: d["renewals"].append(dict(d["renewals"][0]))), r"renewals\[2\]\.licence: disability_card is listed twice"),
    (_broken(lambda d: d.update(renewals={"disability_card": 365})), r"renewals: must be a list"),
    (_broken(lambda d: d["newborn"].update(service="新生儿")), r"newborn\.service: must be a service code"),
    (["not", "a", "mapping"], r"top level: must be a mapping"),
])
def test_a_malformed_rules_file_is_refused_with_the_place_of_the_fault(data, place):
    with pytest.raises(RulesError, match=rf"^rules\.yaml: {place}"):
        parse_rules(data, "rules.yaml")


def test_a_malformed_rules_file_stops_the_app_from_starting(monkeypatch, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("retirement: [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("YIBAN_PROACTIVE_RULES", str(path))
    with pytest.raises(RulesError, match=rf"^{path}: is not valid YAML"):
        _make_app(monkeypatch, tmp_path / "data")
    monkeypatch.setenv("YIBAN_PROACTIVE_RULES", str(tmp_path / "missing.yaml"))
    with pytest.raises(RulesError, match="missing.yaml: cannot be read"):
        _make_app(monkeypatch, tmp_path / "data")


# ---- newborn: within 6 months of the birth ------------------------------------------------
@pytest.mark.parametrize("today,shown", [
    (date(2026, 11, 9), False),   # before the birth (a certificate cannot say that, but still)
    (date(2026, 11, 10), True),   # the day of the birth
    (date(2026, 11, 26), True),
    (date(2027, 5, 9), True),     # the last day of the 6 months
    (date(2027, 5, 10), False),   # 6 months have passed
])
def test_a_parent_is_offered_the_newborn_bundle_for_6_months_after_the_birth(platform, today, shown):
    found = [s for s in suggestions(person(platform, LI), today, set()) if s.reason == "newborn"]
    assert [(s.service_code, s.since, s.until) for s in found] == (
        [("newborn", date(2026, 11, 10), date(2027, 5, 9))] if shown else [])


def test_the_newborn_window_ends_on_the_last_day_of_a_shorter_month(platform):
    li = person(platform, LI)
    born = replace(li, licences=(Licence("birth_medical_certificate", "x", None, None,
                                         {"birth_date": "2026-08-31"}),))
    [found] = suggestions(born, date(2027, 2, 27), set())
    assert found.until == date(2027, 2, 27)  # 2027-02-28 is 6 months on; the day before
    assert suggestions(born, date(2027, 2, 28), set()) == []


def test_the_home_page_says_why_the_newborn_bundle_is_shown(client, app, november_2026):
    sign_in_as(client, LI)
    html = client.get("/").get_data(as_text=True)
    section = html.split("suggestions-title", 1)[1]
    assert 'href="/services/newborn"' in section
    assert translate(app, "Your baby was born less than %(num)d month ago. Until %(date)s you can apply in one go for the household registration, health insurance, social security card and more.",
                     "Your baby was born less than %(num)d months ago. Until %(date)s you can apply in one go for the household registration, health insurance, social security card and more.",
                     6, date="2027年5月9日") in text_of(html)
    assert "周小雨" not in html  # the reason needs no name


def test_the_newborn_suggestion_follows_the_clock(client, app):
    app.extensions["clock"] = Clock(datetime(2027, 5, 9, 2, 0))  # 2027-05-09 in Beijing
    sign_in_as(client, LI)
    assert "newborn" in suggested(client)  # the window's last day
    app.extensions["clock"] = Clock(datetime(2027, 5, 10, 2, 0))  # the same sign-in, a day on
    assert "newborn" not in suggested(client)


# ---- 不再提示: dismissing a suggestion -----------------------------------------------------
DISMISS = "Don't show this again"


def suggested(client) -> list[str]:
    """The service codes of the suggestions on the home page."""
    html = client.get("/").get_data(as_text=True)
    if "suggestions-title" not in html:
        return []
    section = html.split("suggestions-title", 1)[1].split("</section>", 1)[0]
    return re.findall(r'<h3 class="card__title"><a href="/services/([a-z-]+)"', section)


def dismiss(client, code: str, token: str | None = None):
    html = client.get("/").get_data(as_text=True)
    key = re.search(rf'name="key" value="({re.escape(code)}:[^"]+)"', html).group(1)
    return client.post("/suggestions/dismiss",
                       data={"csrf_token": token or csrf_token(html), "key": key})


def test_each_suggestion_has_a_plain_form_to_dismiss_it(client, app, november_2026):
    sign_in_as(client, WANG)
    html = client.get("/").get_data(as_text=True)
    section = html.split("suggestions-title", 1)[1].split("</section>", 1)[0]
    assert section.count('action="/suggestions/dismiss"') == len(suggested(client)) == 1
    assert 'method="post"' in section and 'name="csrf_token"' in section
    assert 'name="key" value="disability:renewal:disability_card:2027-03-15"' in section
    assert translate(app, DISMISS) in text_of(section)


def test_a_dismissed_suggestion_is_gone_with_a_status_message(client, app, november_2026):
    sign_in_as(client, WANG)
    response = dismiss(client, "disability")
    assert response.status_code == 302 and response.location.endswith("/")
    page = client.get("/").get_data(as_text=True)
    status = re.search(r'<div class="notification notification--status" role="status">(.*?)</div>',
                       page, re.S).group(1)
    assert translate(app, "This suggestion will no longer be shown. If your situation changes, we will suggest it again.") in status
    assert "suggestions-title" not in page
    assert suggested(client) == []


def test_a_dismissal_holds_after_signing_out_and_in_again(client, app, november_2026):
    sign_in_as(client, ZHANG)
    dismiss(client, "retirement")
    client.post("/sign-out", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    assert suggested(client) == []  # signed out: none anyway
    sign_in_as(client, ZHANG)
    assert suggested(client) == []


def test_a_dismissal_is_that_citizens_only(app):
    # In 2034 王秀英 is 80 too: both she and 赵桂兰 are offered the same allowance.
    app.extensions["clock"] = Clock(datetime(2034, 6, 1, 2, 0))
    zhao, wang = app.test_client(), app.test_client()
    sign_in_as(zhao, ZHAO)
    sign_in_as(wang, WANG)
    assert "elderly-allowance" in suggested(zhao) and "elderly-allowance" in suggested(wang)
    dismiss(zhao, "elderly-allowance")
    assert "elderly-allowance" not in suggested(zhao)
    assert "elderly-allowance" in suggested(wang)


def test_a_dismissed_suggestion_comes_back_when_its_reason_changes(client, app, november_2026):
    from app.platform.embedded.models import LicenceRow
    sign_in_as(client, WANG)
    dismiss(client, "disability")
    assert suggested(client) == []
    # A new disability card (another expiry date) is a new reason: shown again.
    with app.extensions["platform"].db.session() as s:
        card = s.scalar(select(LicenceRow).where(LicenceRow.person_id == WANG.id,
                                                 LicenceRow.type == "disability_card"))
        card.valid_until = date(2027, 9, 30)
    assert suggested(client) == ["disability"]
    assert "2027年9月30日" in client.get("/").get_data(as_text=True)


def test_nothing_about_the_reason_is_stored_in_clear(client, app, november_2026):
    from app.core.front_store import DismissedSuggestion
    sign_in_as(client, WANG)
    dismiss(client, "disability")
    with app.extensions["front_store"].db.session() as s:
        [row] = s.scalars(select(DismissedSuggestion))
    assert (row.person_id, row.service_code) == (WANG.id, "disability")
    assert "2027" not in row.key_hash and len(row.key_hash) == 64


def test_dismissing_needs_the_form_token(client, app, november_2026):
    sign_in_as(client, WANG)
    response = client.post("/suggestions/dismiss",
                           data={"key": "disability:renewal:disability_card:2027-03-15"})
    assert response.status_code == 400
    assert suggested(client) == ["disability"]


def test_an_unknown_key_changes_nothing(client, app, november_2026):
    sign_in_as(client, WANG)
    html = client.get("/").get_data(as_text=True)
    response = client.post("/suggestions/dismiss", data={
        "csrf_token": csrf_token(html), "key": "elderly-allowance:age:80"})
    assert response.status_code == 302
    assert suggested(client) == ["disability"]
    with app.extensions["front_store"].db.session() as s:
        from app.core.front_store import DismissedSuggestion
        assert list(s.scalars(select(DismissedSuggestion))) == []


def test_someone_not_signed_in_cannot_dismiss(client, app, november_2026):
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/suggestions/dismiss", data={
        "csrf_token": token, "key": "disability:renewal:disability_card:2027-03-15"})
    assert response.status_code == 302 and "/sign-in" in response.location
    sign_in_as(client, WANG)
    assert suggested(client) == ["disability"]


def act_for_wang(app, client, services=None):
    consent = app.extensions["consents"].grant(WANG.id, ZHOU.id, services, 24, "remote")
    sign_in_as_helper(client, ZHOU)
    page = client.get("/helper/").get_data(as_text=True)
    client.post(f"/helper/act/{consent.id}", data={"csrf_token": csrf_token(page)})


def test_a_helper_sees_the_suggestions_but_cannot_dismiss_them(client, app, november_2026):
    act_for_wang(app, client)
    html = client.get("/").get_data(as_text=True)
    assert suggested(client) == ["disability"]
    assert 'action="/suggestions/dismiss"' not in html
    response = client.post("/suggestions/dismiss", data={
        "csrf_token": csrf_token(html), "key": "disability:renewal:disability_card:2027-03-15"})
    assert response.status_code == 403
    wang = app.test_client()
    sign_in_as(wang, WANG)
    assert suggested(wang) == ["disability"]


def test_a_helper_seeing_her_suggestions_is_in_her_access_log(client, app, november_2026):
    """The suggestions show her facts (her disability card expires 2027-03-15): a
    helper acting for her who sees them leaves an entry she can read."""
    act_for_wang(app, client)
    assert suggested(client) == ["disability"]
    newest = app.extensions["consents"].access_log_of(WANG.id)[0]
    assert (newest.actor_id, newest.action) == (ZHOU.id, "view_suggestions")
    wang = app.test_client()
    sign_in_as(wang, WANG)
    page = text_of(wang.get("/my/access-log").get_data(as_text=True))
    assert translate(app, "Looked at the services suggested for you") in page


def test_a_helper_sees_only_suggestions_the_consent_covers(client, app, november_2026):
    act_for_wang(app, client, ["retirement"])
    assert suggested(client) == []
