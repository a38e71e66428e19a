"""A bundle is done when its slowest part is: the service page, the application's
promised date and its parts all say the longest time, never a shorter one beside
matters that take longer."""
from __future__ import annotations

from datetime import timedelta

from app.platform.embedded import add_working_days

from conftest import DEFAULT_LOCALE, ZHANG, apply_and_submit, sign_in_as, text_of

EVERY_MATTER = {"matters": {"matters": ["deemed_years", "medical_years", "housing_fund",
                                        "only_child_reward"]}}


def test_service_page_promises_the_longest_matter(client, platform):
    service = platform.service("retirement", DEFAULT_LOCALE)
    longest = max(m.days for m in service.matters)
    assert longest > service.promise_days  # the catalogue's case: 35 beside 22
    text = text_of(client.get("/services/retirement").get_data(as_text=True))
    assert f"申请后{longest}个工作日内办结" in text
    assert f"申请后{service.promise_days}个工作日内办结" not in text


def test_application_is_promised_by_its_slowest_part(client, app, platform):
    sign_in_as(client, ZHANG)
    number = apply_and_submit(client, app, "retirement", EVERY_MATTER)
    application = platform.application(number, ZHANG.id)
    slowest = max(p.promised_date for p in application.parts)
    assert application.promised_date == slowest
    day = (application.submitted_at + timedelta(hours=8)).date()
    assert application.promised_date == add_working_days(day, 35)
