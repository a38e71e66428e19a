"""服务找人: the statutory retirement age by the 2025 rules, and the services a citizen
is due for, shown on their home page."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from app.platform import Licence
from app.proactive import age_on, statutory_retirement, suggestions
from conftest import WANG, Clock, ZHANG, ZHAO, apply_and_submit, sign_in_as, text_of, translate
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
    assert suggestions(zhang, date(2026, 3, 1), set()) == []   # 13 months ahead
    assert suggestions(zhang, date(2027, 8, 1), set()) == []   # 4 months past


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
