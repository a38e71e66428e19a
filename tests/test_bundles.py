"""一件事 as one application: the bundle's matters list their fields by shared keys, the
front asks a shared field once, lets the citizen choose the optional matters first
(with plain-language help), groups check answers by topic, and one submission makes
one application with one number and a part per department."""
from __future__ import annotations

import copy
import re

import pytest

from app.apply.bundles import count_questions, journey
from app.platform.embedded import add_working_days
from app.platform.embedded import seed as seed_module
from conftest import (DEFAULT_LOCALE, WANG, ZHANG, apply_and_submit, checked_values, h1s,
                      inputs, journey_of, say, sign_in_as, text_of, translate,
                      walk_service)

EVERY_MATTER = {"matters": {"matters": ["deemed_years", "medical_years", "housing_fund",
                                        "only_child_reward"]}}
NONE_CHOSEN = {"matters": {}}


@pytest.fixture
def wang(client):
    sign_in_as(client, WANG)
    return client


# ---- the schema: matters with fields by shared keys ---------------------------------
def test_every_retirement_matter_lists_its_fields_and_shared_fields_are_one_question(platform):
    service = platform.service("retirement", DEFAULT_LOCALE)
    questions = {q.key: q for q in platform.form_schema("retirement", DEFAULT_LOCALE)}
    assert all(m.key and m.fields for m in service.matters)
    assert all(set(m.fields) <= set(questions) for m in service.matters)
    # full_name is needed by every matter, and is still one question
    assert set(questions["full_name"].matters) == {m.key for m in service.matters}
    assert questions["only_child_certificate"].matters == ("only_child_reward",)


def test_a_user_answers_far_fewer_questions_than_the_sum_over_the_matters(platform):
    """The note's number: 退休一件事 asks each shared field once."""
    service = platform.service("retirement", DEFAULT_LOCALE)
    merged, separate = count_questions(service)
    assert (merged, separate) == (7, 33)
    disability = platform.service("disability", DEFAULT_LOCALE)
    assert count_questions(disability) == (6, 43)


def test_optional_matters_are_offered_first_with_plain_help(zhang, app, platform):
    response = zhang.get("/apply/retirement")
    assert response.location.endswith("/apply/retirement/matters")
    html = zhang.get("/apply/retirement/matters").get_data(as_text=True)
    service = platform.service("retirement", DEFAULT_LOCALE)
    optional = [m for m in service.matters if m.optional]
    assert [m.key for m in optional] == ["deemed_years", "medical_years", "housing_fund",
                                         "only_child_reward"]
    boxes = [a for a in inputs(html) if a.get("name") == "matters"]
    for index, (matter, box) in enumerate(zip(optional, boxes, strict=True), start=1):
        assert (box["type"], box["value"], box["id"]) == ("checkbox", matter.key, f"matters-{index}")
        assert str(matter.help) in html  # the plain-language help, tied to its box
        assert f'aria-describedby="matters-{index}-hint"' in html
    assert say(app, "Which of these should we also do for you?") in h1s(html)[0]
    # What is always done is said too, so nobody wonders about their pension.
    assert say(app, "Always done for you") in text_of(html)
    assert "企业职工基本养老保险待遇申领" in text_of(html)


def test_the_service_page_explains_each_matter_as_the_choice_does(client, app, platform):
    html = client.get("/services/retirement").get_data(as_text=True)
    page = text_of(html)
    for matter in platform.service("retirement", DEFAULT_LOCALE).matters:
        if matter.help:  # 视同缴费年限认定 and the others a citizen may not know
            assert f"{matter.name} – " in page and str(matter.help) in page


def test_a_file_question_states_its_size_limit_once(zhang, app):
    zhang.get("/apply/disability")
    for code, key in (("disability", "photo"), ("remote-medical-filing", "residence_proof")):
        html = zhang.get(f"/apply/{code}/{key}").get_data(as_text=True)
        main = text_of(html.split("<main", 1)[1])
        assert main.count("MB") == 1, main


def test_the_matters_page_needs_no_choice(zhang, app):
    asked = walk_service(zhang, app, "retirement", NONE_CHOSEN)
    assert asked == ["matters", "full_name", "id_number", "mobile", "retire_kind",
                     "bank_account", "home_address"]


def test_a_shared_field_is_asked_once_whatever_is_chosen(zhang, app):
    asked = walk_service(zhang, app, "retirement", EVERY_MATTER)
    assert len(asked) == len(set(asked))
    assert asked.count("bank_account") == 1  # pension, payment and housing fund need it


def test_a_field_is_asked_only_while_a_matter_that_needs_it_is_part(app):
    questions = journey_of(app, "retirement")
    from app.apply.journey import active_questions
    keys = lambda answers: [q.key for q in active_questions(questions, answers)]  # noqa: E731
    assert "only_child_certificate" not in keys({"matters": []})
    assert "only_child_certificate" in keys({"matters": ["only_child_reward"]})


def test_applies_if_decides_which_card_matter_and_so_which_fields(wang, app, platform):
    """残疾人服务一件事: what the card is for is asked first; photo and delivery follow it."""
    asked = walk_service(wang, app, "disability",
                         {"matters": {}, "card_need": {"card_need": "renew"}})
    assert asked == ["matters", "card_need", "full_name", "id_number", "mobile", "photo",
                     "delivery_method"]  # no allowance chosen: no bank card asked


# ---- check answers: by topic ----------------------------------------------------------
def test_check_answers_of_a_bundle_is_grouped_by_topic_not_department(zhang, app, platform):
    walk_service(zhang, app, "retirement", EVERY_MATTER)
    html = zhang.get("/apply/retirement/check").get_data(as_text=True)
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    topics = {t.key: str(t.name) for t in platform.service("retirement", DEFAULT_LOCALE).topics}
    # one heading for what is applied for (the matters and the answers about them)
    expected = [say(app, "What this application covers"), topics["about_you"],
                topics["documents"], topics["payment"]]
    assert headings[:4] == expected
    assert topics["request"] not in headings
    for department in ("人社", "医保", "公积金", "卫健", "公安"):
        assert f"<h2>{department}</h2>" not in html
    # and what the application covers, each matter with its department
    text = text_of(html)
    assert say(app, "What this application covers") in text
    assert "城镇独生子女父母奖励对象申请 – 卫健" in text
    assert "特殊工种提前退休核准" not in text  # applies only to special work


def test_single_matters_keep_their_flat_check_answers(client, app):
    sign_in_as(client, WANG)
    walk_service(client, app, "disability-card-renewal")
    html = client.get("/apply/disability-card-renewal/check").get_data(as_text=True)
    assert html.count('class="summary-list"') == 1
    assert say(app, "What this application covers") not in html


def test_choosing_nothing_reads_none_of_these_on_check_answers(zhang, app):
    walk_service(zhang, app, "retirement", NONE_CHOSEN)
    html = zhang.get("/apply/retirement/check").get_data(as_text=True)
    assert say(app, "None of these") in text_of(html)


def test_the_choice_can_be_changed_from_check_answers(zhang, app):
    walk_service(zhang, app, "retirement", NONE_CHOSEN)
    html = zhang.get("/apply/retirement/matters?return=check").get_data(as_text=True)
    assert checked_values(html, "matters") == []
    assert 'id="change-matters" href="/apply/retirement/matters?return=check"' in \
        zhang.get("/apply/retirement/check").get_data(as_text=True)


# ---- one application, a part per department ---------------------------------------------
def test_submitting_a_bundle_makes_one_application_with_a_part_per_department(
        zhang, app, platform, clock):
    from datetime import datetime
    clock.now = datetime(2026, 11, 26, 2, 0)  # Thursday in Beijing
    number = apply_and_submit(zhang, app, "retirement", EVERY_MATTER)
    assert len(platform.applications_of(ZHANG.id)) == 1
    application = platform.application(number, ZHANG.id)
    parts = {p.department: p for p in application.parts}
    assert list(parts) == ["人社", "医保", "公积金", "卫健", "公安"]
    assert parts["人社"].matters == ("企业职工基本养老保险待遇申领", "法定退休年龄领取待遇资格确认",
                                     "视同缴费年限认定", "新增退休人员待遇核定发放")
    assert parts["卫健"].matters == ("城镇独生子女父母奖励对象申请",)
    assert {p.status for p in application.parts} == {"submitted"}
    day = clock.now.date()
    # Each part by its slowest matter; the whole is promised by its slowest part.
    assert parts["公积金"].promised_date == add_working_days(day, 1)
    assert parts["人社"].promised_date == add_working_days(day, 20)
    assert parts["医保"].promised_date == add_working_days(day, 35)
    assert application.promised_date == add_working_days(day, 35)
    assert max(p.promised_date for p in application.parts) == application.promised_date


def test_unchosen_optional_matters_make_no_part(zhang, app, platform):
    number = apply_and_submit(zhang, app, "retirement", NONE_CHOSEN)
    departments = [p.department for p in platform.application(number, ZHANG.id).parts]
    assert departments == ["人社", "医保", "公安"]


def test_disability_bundle_end_to_end_with_the_allowances(wang, app, platform):
    number = apply_and_submit(wang, app, "disability", {
        "matters": {"matters": ["care_allowance", "medical_enrol"]},
        "card_need": {"card_need": "renew"}})
    application = platform.application(number, WANG.id)
    assert [(p.department, p.matters) for p in application.parts] == [
        ("残联", ("残疾人证换领",)),
        ("民政", ("重度残疾人护理补贴",)),
        ("医保", ("城乡居民基本医疗保险参保",))]
    html = wang.get(f"/my/applications/{number}").get_data(as_text=True)
    assert say(app, "Each department's part") in text_of(html)


def test_a_single_matter_still_makes_one_part_per_department(client, app, platform):
    sign_in_as(client, WANG)
    number = apply_and_submit(client, app, "disability-card-renewal")
    application = platform.application(number, WANG.id)
    assert [(p.department, p.matters) for p in application.parts] == [("残联", ())]
    assert application.parts[0].promised_date == application.promised_date
    # one part: the detail page has no per-department section
    html = client.get(f"/my/applications/{number}").get_data(as_text=True)
    assert say(app, "Each department's part") not in text_of(html)


def test_the_matters_answer_reaches_the_platform_and_the_detail_page(zhang, app, platform):
    number = apply_and_submit(zhang, app, "retirement", EVERY_MATTER)
    assert platform.application(number, ZHANG.id).answers["matters"] == [
        "deemed_years", "medical_years", "housing_fund", "only_child_reward"]
    html = text_of(zhang.get(f"/my/applications/{number}").get_data(as_text=True))
    assert say(app, "Which of these should we also do for you?") in html
    assert "视同缴费年限认定" in html


def test_the_journey_of_a_single_matter_is_its_schema(app, platform):
    with app.test_request_context("/"):
        service = platform.service("elderly-allowance", DEFAULT_LOCALE)
        schema = platform.form_schema("elderly-allowance", DEFAULT_LOCALE)
        assert journey(service, schema) == schema


# ---- the seed refuses bundles the front could not ask well ------------------------------
def bundle(**changes) -> dict:
    doc = {"code": "test", "questions": [{"key": "a", "type": "text"},
                                          {"key": "b", "type": "text"}],
           "matters": [{"key": "m1", "name": "事项一", "department": "人社", "fields": ["a"]},
                       {"key": "m2", "name": "事项二", "department": "医保", "fields": ["b"],
                        "optional": True, "help": "如果……"}],
           "materials": [{"name": "证明", "source": "upload"}]}
    doc.update(copy.deepcopy(changes))
    return doc


@pytest.mark.parametrize("changes, problem", [
    ({"questions": [{"key": "matters", "type": "text"}]}, "reserved"),
    ({"matters": [{"key": "m1", "name": "一", "department": "人社", "fields": ["zzz"]}]},
     "unknown fields"),
    ({"matters": [{"key": "m1", "name": "一", "department": "人社", "fields": ["a"],
                   "optional": True}]}, "needs `help`"),
    ({"matters": [{"name": "一", "department": "人社", "fields": ["a"]}]}, "needs a key"),
    ({"questions": [{"key": "a", "type": "file", "material": "身份证"},
                    {"key": "b", "type": "text"}]}, "not a material"),
    ({"matters": [{"key": "m1", "name": "一", "department": "人社", "fields": ["a"],
                   "applies_if": {"field": "b", "equals": "x"}}]}, "ask b before"),
])
def test_the_seed_refuses_a_bundle_the_front_could_not_ask(changes, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        seed_module.check_service(bundle(**changes))


def test_the_seed_bundles_pass_the_checks():
    catalogue = seed_module.load_yaml("services.yaml")
    for service in catalogue["services"]:
        doc = dict(service)
        doc["questions"] = seed_module.resolve_questions(service.get("questions", []),
                                                         catalogue["fields"])
        seed_module.check_service(doc)


def test_the_english_matters_page_keeps_chinese_matter_names_marked(client, app):
    sign_in_as(client, ZHANG)
    client.set_cookie("yiban_lang", "en")
    html = client.get("/apply/retirement/matters").get_data(as_text=True)
    assert 'lang="zh-Hans-CN">视同缴费年限认定' in html
    assert "Choose this if you worked in a state or collective work unit" in html
    assert translate(app, "Continue", locale="en") in html


def test_helper_acting_for_a_citizen_sees_the_same_journey(app, client):
    from conftest import ZHOU, act_for
    act_for(app, client, WANG, ZHOU)
    assert client.get("/apply/disability").location.endswith("/apply/disability/matters")
