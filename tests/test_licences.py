"""免证办理: what the citizen's electronic licences say is shown as a confirmed fact,
naming the licence, with a plain "这不对？" link that opens the field to correct it; a
material that comes from a licence or a check never asks for an upload."""
from __future__ import annotations

import re

from app.platform.embedded import seed as seed_module
from conftest import (DEFAULT_LOCALE, LIU, WANG, ZHANG, ZHOU, answer_question, csrf_token,
                      h1s, input_value, inputs, path_of, post_with_csrf, say, sign_in_as,
                      sign_in_as_helper, text_of, translate, walk_service)

FROM_LICENCE = "Taken from your electronic licence: %(licence)s"


def visible_inputs(html: str, name: str) -> list[dict]:
    return [a for a in inputs(html) if a.get("name") == name and a.get("type") != "hidden"]


def test_a_field_a_licence_covers_is_a_fact_naming_the_licence(zhang, app):
    html = zhang.get("/apply/retirement/bank_account").get_data(as_text=True)
    text = text_of(html)
    licence = translate(app, "social security card")
    assert say(app, FROM_LICENCE, licence=licence) in text
    assert "6200000000000000101" in text
    assert not visible_inputs(html, "bank_account")  # nothing to type
    # the question is still the page's one heading
    assert "养老金发到哪张卡上？" in h1s(html)[0]
    # "这不对？" is a plain link to the same question, opened for editing
    link = re.search(r'<p class="licence-fact__wrong"><a href="([^"]+)">(.*?)</a>', html)
    assert link and link.group(1) == "/apply/retirement/bank_account?correct=1"
    assert say(app, "Is this wrong?") in link.group(2)


def test_confirming_the_fact_saves_what_the_licence_says(zhang, app):
    response = answer_question(zhang, app, "/apply/retirement/bank_account")
    assert response.status_code == 302
    draft = app.extensions["front_store"].open_draft(ZHANG.id, "retirement")
    assert draft.answers["bank_account"] == "6200000000000000101"
    # Asked again (Change on check answers), it is still the confirmed fact.
    html = zhang.get("/apply/retirement/bank_account?return=check").get_data(as_text=True)
    assert 'class="licence-fact"' in html


def test_this_is_wrong_opens_the_field_to_correct_it(zhang, app):
    html = zhang.get("/apply/retirement/bank_account?correct=1").get_data(as_text=True)
    [box] = visible_inputs(html, "bank_account")
    assert box["value"] == "6200000000000000101"  # starts from what the licence says
    assert say(app, "You are correcting what your electronic %(licence)s says. The department "
                    "will check your correction.",
               licence=translate(app, "social security card")) in text_of(html)
    assert 'action="/apply/retirement/bank_account?correct=1"' in html
    response = post_with_csrf(zhang, "/apply/retirement/bank_account?correct=1",
                              {"bank_account": "6222020200112233445"})
    assert response.status_code == 302
    # A corrected answer is an answer, not a fact: it shows in the field next time.
    html = zhang.get("/apply/retirement/bank_account").get_data(as_text=True)
    assert input_value(html, "bank_account") == "6222020200112233445"
    assert 'class="licence-fact"' not in html


def test_a_wrong_correction_stays_open_with_its_error(zhang, app):
    response = post_with_csrf(zhang, "/apply/retirement/bank_account?correct=1",
                              {"bank_account": "62220"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert input_value(html, "bank_account") == "62220"
    assert 'action="/apply/retirement/bank_account?correct=1"' in html


def test_name_and_id_number_come_from_the_id_card(zhang, app):
    for key, value in (("full_name", ZHANG.name), ("id_number", ZHANG.id_number)):
        html = zhang.get(f"/apply/retirement/{key}").get_data(as_text=True)
        assert say(app, FROM_LICENCE, licence=translate(app, "ID card")) in text_of(html)
        assert value in text_of(html)


def test_without_the_licence_the_question_is_asked(client, app):
    sign_in_as(client, LIU)  # 刘洋 has no social security card
    html = client.get("/apply/flexible-employment/bank_account").get_data(as_text=True)
    assert 'class="licence-fact"' not in html
    assert input_value(html, "bank_account") == ""


def test_a_person_record_prefill_is_not_called_a_licence(zhang, app):
    html = zhang.get("/apply/retirement/mobile").get_data(as_text=True)
    assert 'class="licence-fact"' not in html
    assert input_value(html, "mobile") == ZHANG.mobile


def test_check_answers_says_which_answers_came_from_a_licence(zhang, app):
    walk_service(zhang, app, "retirement", {"matters": {}})
    text = text_of(zhang.get("/apply/retirement/check").get_data(as_text=True))
    assert f'6200000000000000101 {say(app, FROM_LICENCE, licence=translate(app, "social security card"))}' in text


def test_a_helper_sees_the_fact_masked(app, client):
    consent = app.extensions["consents"].grant(WANG.id, ZHOU.id, None, 24, "remote")
    sign_in_as_helper(client, ZHOU)
    page = client.get("/helper/").get_data(as_text=True)
    client.post(f"/helper/act/{consent.id}", data={"csrf_token": csrf_token(page)})
    html = client.get("/apply/disability-card-renewal/id_number").get_data(as_text=True)
    assert say(app, FROM_LICENCE, licence=translate(app, "ID card")) in text_of(html)
    assert "430102********9224" in text_of(html)  # as on check answers for a helper
    assert WANG.id_number not in text_of(html)


def test_the_disability_card_number_is_the_card_s(client, app):
    sign_in_as(client, WANG)
    response = answer_question(client, app, "/apply/disability-card-renewal/card_number")
    assert path_of(response.location) == "/apply/disability-card-renewal/condition_changed"
    draft = app.extensions["front_store"].open_draft(WANG.id, "disability-card-renewal")
    assert draft.answers["card_number"] == "43010219540308922442"


# ---- materials: a licence or a check never asks for an upload ----------------------------
def test_every_file_question_is_for_a_material_the_citizen_uploads(platform):
    for service in platform.services(DEFAULT_LOCALE):
        uploads = {str(m.name) for m in service.materials if m.source == "upload"}
        for question in platform.form_schema(service.code, DEFAULT_LOCALE):
            if question.type == "file":
                assert question.material in uploads, (service.code, question.key)


def test_no_file_question_asks_for_a_licence_or_a_checked_material(platform):
    for service in platform.services(DEFAULT_LOCALE):
        held = {str(m.name) for m in service.materials if m.source in ("licence", "check")}
        for question in platform.form_schema(service.code, DEFAULT_LOCALE):
            assert question.type != "file" or question.material not in held


def test_licence_materials_name_their_licence(platform):
    catalogue = seed_module.load_yaml("services.yaml")
    for service in catalogue["services"]:
        for material in service.get("materials", []):
            if material["source"] == "licence" and "逝者" not in material["name"] \
                    and service["code"] != "after-death":
                assert material.get("licence"), (service["code"], material["name"])


def test_the_service_page_names_the_citizen_s_own_licences(zhang, app):
    text = text_of(zhang.get("/services/retirement").get_data(as_text=True))
    assert say(app, "We hold your electronic %(licence)s, valid until %(date)s – nothing to upload",
               licence=translate(app, "ID card"), date="2030年6月18日") in text
    assert say(app, "We hold your electronic %(licence)s – nothing to upload",
               licence=say(app, "household register")) in text  # 长期有效
    assert translate(app, "You upload this") in text  # the bank card is still uploaded


def test_signed_out_the_service_page_says_licences_need_no_upload(client, app):
    text = text_of(client.get("/services/retirement").get_data(as_text=True))
    assert translate(app, "We already hold this electronic licence – nothing to upload") in text
