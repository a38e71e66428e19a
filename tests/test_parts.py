"""Per-part progress: each department's part of an application moves on its own (the
back office: `flask platform advance --part 医保`), with its status, its dates, its
promised date and, when refused, the reason; the whole is done when every part is."""
from __future__ import annotations

import pytest

from conftest import ZHANG, apply_and_submit, say, text_of, translate

EVERY_DEPARTMENT = {"matters": {"matters": ["housing_fund", "only_child_reward"]}}


@pytest.fixture
def number(zhang, app):
    return apply_and_submit(zhang, app, "retirement", EVERY_DEPARTMENT)


def cli(app, *args, ok=True):
    result = app.test_cli_runner().invoke(args=["platform", *args])
    assert (result.exit_code == 0) is ok, result.output
    return result


def statuses(platform, number) -> dict[str, str]:
    return {p.department: p.status for p in platform.application(number, ZHANG.id).parts}


def test_advance_part_moves_only_that_department(app, platform, number):
    cli(app, "advance", number, "--part", "医保")
    assert statuses(platform, number) == {"人社": "submitted", "医保": "accepted",
                                          "公积金": "submitted", "卫健": "submitted",
                                          "公安": "submitted"}
    cli(app, "advance", number, "--part", "医保")
    assert statuses(platform, number)["医保"] == "in_review"
    cli(app, "advance", number, "--part", "医保")
    application = platform.application(number, ZHANG.id)
    assert statuses(platform, number)["医保"] == "done"
    assert application.status == "in_progress"
    assert [(e.kind, e.department) for e in application.timeline][-3:] == [
        ("part_accepted", "医保"), ("part_in_review", "医保"), ("department", "医保")]


def test_advance_part_without_a_number_moves_every_open_application_with_that_part(
        zhang, app, platform, number):
    other = apply_and_submit(zhang, app, "retirement", {"matters": {}})  # no 公积金 part
    result = cli(app, "advance", "--part", "公积金")
    assert number in result.output and other not in result.output
    assert statuses(platform, other) == {"人社": "submitted", "医保": "submitted",
                                         "公安": "submitted"}


def test_refusing_a_part_records_its_reason_and_the_rest_goes_on(app, platform, number):
    cli(app, "advance", number)  # accepted
    cli(app, "advance", number, "--part", "卫健", "--reject", "未查到独生子女登记记录")
    application = platform.application(number, ZHANG.id)
    part = application.part("卫健")
    assert (part.status, part.refusal_reason) == ("rejected", "未查到独生子女登记记录")
    assert application.status == "in_progress"
    for _ in range(4):
        cli(app, "advance", number)
    application = platform.application(number, ZHANG.id)
    assert application.status == "done"  # done, with one part refused
    assert statuses(platform, number)["卫健"] == "rejected"


def test_every_part_refused_refuses_the_application(zhang, app, platform):
    number = apply_and_submit(zhang, app, "remote-medical-filing")  # one part: 医保
    cli(app, "advance", number, "--part", "医保", "--reject", "备案地不在本省结算范围")
    application = platform.application(number, ZHANG.id)
    assert application.status == "rejected"
    assert application.timeline[-1].kind == "rejected"


@pytest.mark.parametrize("args, message", [
    (["--part", "交通"], "has no part for 交通"),
])
def test_the_back_office_says_what_it_cannot_do(app, number, args, message):
    result = cli(app, "advance", number, *args, ok=False)
    assert message in result.output


def test_a_closed_part_cannot_move(app, number):
    for _ in range(3):
        cli(app, "advance", number, "--part", "公积金")
    assert "is closed" in cli(app, "advance", number, "--part", "公积金", ok=False).output


def test_the_whole_application_refused_refuses_each_open_part(app, platform, number):
    cli(app, "advance", number, "--part", "公积金")
    cli(app, "advance", number, "--part", "公积金")
    cli(app, "advance", number, "--part", "公积金")
    cli(app, "advance", number, "--reject", "不符合退休条件")
    parts = platform.application(number, ZHANG.id).parts
    assert {p.department: (p.status, p.refusal_reason) for p in parts} == {
        "人社": ("rejected", "不符合退休条件"), "医保": ("rejected", "不符合退休条件"),
        "公积金": ("done", None), "卫健": ("rejected", "不符合退休条件"),
        "公安": ("rejected", "不符合退休条件")}


def test_withdrawing_withdraws_every_part(zhang, app, platform, number):
    from conftest import post_with_csrf
    post_with_csrf(zhang, f"/my/applications/{number}/withdraw")
    assert set(statuses(platform, number).values()) == {"withdrawn"}


# ---- the detail page: each department's part -------------------------------------------------
def test_detail_page_shows_each_department_with_its_status_and_promised_date(
        zhang, app, platform, number):
    cli(app, "advance", number)                       # the service centre accepts
    cli(app, "advance", number, "--part", "医保")      # 医保 reviews
    cli(app, "advance", number, "--part", "公积金")    # 公积金 finishes at once
    cli(app, "advance", number, "--part", "公积金")
    cli(app, "advance", number, "--part", "卫健", "--reject", "未查到独生子女登记记录")
    html = zhang.get(f"/my/applications/{number}").get_data(as_text=True)
    text = text_of(html)
    application = platform.application(number, ZHANG.id)
    assert say(app, "Each department's part") in text
    cards = html.split('class="card part"')[1:]
    assert len(cards) == 5
    by_department = {text_of(card).split(" ")[0]: text_of(card) for card in cards}
    assert say(app, "In review") in by_department["医保"]
    assert translate(app, "Done") in by_department["公积金"]
    assert "退休提取住房公积金" in by_department["公积金"]
    refused = by_department["卫健"]
    assert translate(app, "Not approved") in refused and "未查到独生子女登记记录" in refused
    # the promised date of each open part, and of the whole
    from babel.dates import format_date
    promised = format_date(application.part("人社").promised_date, "long", locale="zh_Hans_CN")
    assert promised in by_department["人社"]
    assert format_date(application.promised_date, "long", locale="zh_Hans_CN") in text
    # each step is on the timeline too
    assert say(app, "%(department)s did not approve its part", department="卫健") in text
    assert say(app, "%(department)s is reviewing its part", department="医保") in text


def test_my_applications_shows_the_whole_status(zhang, app, number):
    cli(app, "advance", number)
    assert translate(app, "Accepted") in text_of(zhang.get("/my/").get_data(as_text=True))


def test_a_refused_part_says_what_to_do_and_the_top_status_is_not_in_progress(
        zhang, app, platform, number):
    cli(app, "advance", number)
    cli(app, "advance", number, "--part", "医保", "--reject", "缴费记录不完整")
    assert platform.application(number, ZHANG.id).status == "in_progress"  # the platform's
    html = zhang.get(f"/my/applications/{number}").get_data(as_text=True)
    top = text_of(html.split('class="card part"')[0])
    assert say(app, "Partly not approved") in top and translate(app, "In progress") not in top
    cards = {text_of(card).split(" ")[0]: card for card in html.split('class="card part"')[1:]}
    refused = cards["医保"]
    assert say(app, "What you can do") in text_of(refused)
    # The department's own line and 12345, each a number a phone can call.
    assert 'href="tel:12393"' in refused and 'href="tel:12345"' in refused
    assert not any(say(app, "What you can do") in text_of(c) for d, c in cards.items() if d != "医保")
    assert say(app, "Partly not approved") in text_of(zhang.get("/my/").get_data(as_text=True))
