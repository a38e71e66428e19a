"""Whole journeys as a signed-in citizen, CSRF on: answer, get an answer wrong, check,
change, submit, come back later, lose the sign-in, withdraw, and follow the
application through the platform's back office."""
from __future__ import annotations

import io
import re
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from babel.dates import format_date

from app.platform.embedded import add_working_days
from conftest import (APPLICATION_NUMBER, DEFAULT_LOCALE, PDF_BYTES, PNG_BYTES, ZHANG, ZHAO,
                      answer_question, apply_and_submit, checked_values,
                      csrf_token, error_summary_links, h1s, input_value, path_of,
                      journey_of, post_with_csrf, query_of, say, sign_in, sign_in_as, stale_token,
                      submit_check,
                      text_of, title, translate, walk_service)

# 退休一件事 as one journey: its optional matters are chosen first (`matters`), then
# every field is asked once. The certificate is only for the only-child reward.
RETIREMENT_KEYS = ["matters", "full_name", "id_number", "mobile", "retire_kind",
                   "only_child_certificate", "bank_account", "home_address"]
# The only-child reward chosen (with the housing fund: a part for every department).
ONLY_CHILD_YES = {"matters": {"matters": ["housing_fund", "only_child_reward"]}}
ONLY_CHILD_NO = {"matters": {"matters": ["housing_fund"]}}


def upload(content: bytes, filename: str) -> dict:
    return {"only_child_certificate": (io.BytesIO(content), filename)}


def draft_answers(app, owner_id: str, code: str) -> dict:
    draft = app.extensions["front_store"].open_draft(owner_id, code)
    return draft.answers if draft else {}


def check_rows(html: str) -> dict[str, str]:
    """Check answers as {question label: answer text}."""
    rows = re.findall(r'<dt class="summary-list__key"[^>]*>(.*?)</dt>\s*'
                      r'<dd class="summary-list__value">(.*?)</dd>', html, flags=re.S)
    # Long numbers are shown in groups spaced by CSS (app/numbers.py): their text is the digits.
    rows = [(label, value.replace('</span><span class="digits__group">', "")) for label, value in rows]
    return {text_of(label): text_of(value) for label, value in rows}


def labels(app, code: str) -> dict[str, str]:
    return {q.key: str(q.label) for q in journey_of(app, code)}


# ---- answering ---------------------------------------------------------------------
def test_retirement_asks_every_question_in_order_when_the_only_child_reward_is_chosen(
        zhang, app):
    assert walk_service(zhang, app, "retirement", ONLY_CHILD_YES) == RETIREMENT_KEYS


def test_a_field_only_an_unchosen_matter_needs_is_not_asked(zhang, app):
    asked = walk_service(zhang, app, "retirement", ONLY_CHILD_NO)
    assert asked == [k for k in RETIREMENT_KEYS if k != "only_child_certificate"]


def test_wrong_answer_shows_error_summary_message_and_keeps_the_value(zhang, app):
    for key in RETIREMENT_KEYS[:3]:
        answer_question(zhang, app, f"/apply/retirement/{key}")
    response = post_with_csrf(zhang, "/apply/retirement/mobile", {"mobile": "1380000000"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    message = translate(app, "A mobile number has 11 digits")
    assert error_summary_links(html) == [("mobile", message)]
    assert 'id="mobile"' in html
    assert re.search(r'id="mobile-error"[^>]*>.*?' + re.escape(message), html, flags=re.S)
    assert input_value(html, "mobile") == "1380000000"
    assert 'aria-invalid="true"' in html
    assert title(html).startswith(translate(app, "Error:"))
    assert "mobile" not in draft_answers(app, ZHANG.id, "retirement")


def test_wrong_date_keeps_each_part_as_typed(client, app):
    sign_in_as(client, ZHAO)
    response = post_with_csrf(client, "/apply/elderly-allowance/birth_date",
                              {"birth_date-year": "1940", "birth_date-month": "2",
                               "birth_date-day": "30"})
    html = response.get_data(as_text=True)
    # 1940 was a leap year: "2月只有29天", not a bare "enter a real date"
    assert error_summary_links(html) == [("birth_date-year", translate(
        app, "%(month)s has only %(days)d days", month="2月", days=29))]
    assert [input_value(html, f"birth_date-{p}") for p in ("year", "month", "day")] == \
        ["1940", "2", "30"]


def test_choice_question_error_links_to_the_first_option(zhang, app):
    response = post_with_csrf(zhang, "/apply/retirement/retire_kind", {})
    html = response.get_data(as_text=True)
    assert error_summary_links(html) == [("retire_kind-1", translate(app, "Select an answer"))]
    assert 'id="retire_kind-1"' in html


def test_prefilled_question_says_it_was_filled_in(zhang, app):
    # The mobile number is the account's (no licence holds it): filled in, to check.
    html = zhang.get("/apply/retirement/mobile").get_data(as_text=True)
    assert input_value(html, "mobile") == ZHANG.mobile
    assert translate(app, "We filled this in from what the platform already knows about "
                          "you. Check it, change it if it is wrong, then continue.") in text_of(html)


def test_a_saved_answer_is_shown_again_instead_of_the_prefill(zhang, app):
    answer_question(zhang, app, "/apply/retirement/full_name", {"full_name": "张建华"})
    html = zhang.get("/apply/retirement/full_name").get_data(as_text=True)
    assert input_value(html, "full_name") == "张建华"


def test_back_link_goes_to_the_previous_question(zhang, app):
    walk_service(zhang, app, "retirement", ONLY_CHILD_NO)
    html = zhang.get("/apply/retirement/bank_account").get_data(as_text=True)
    assert 'class="back-link" href="/apply/retirement/retire_kind"' in html


# ---- check answers and change -------------------------------------------------------
# Check answers of a bundle: grouped by topic, not by department.
RETIREMENT_BY_TOPIC = ["matters", "retire_kind", "full_name", "id_number", "mobile",
                       "home_address", "only_child_certificate", "bank_account"]


def test_check_answers_lists_every_answer(zhang, app):
    walk_service(zhang, app, "retirement", ONLY_CHILD_YES)
    html = zhang.get("/apply/retirement/check").get_data(as_text=True)
    rows = check_rows(html)
    label = labels(app, "retirement")
    assert list(rows) == [label[k] for k in RETIREMENT_BY_TOPIC]
    from_id_card = say(app, "Taken from your electronic licence: %(licence)s",
                       licence=translate(app, "ID card"))
    from_card = say(app, "Taken from your electronic licence: %(licence)s",
                    licence=translate(app, "social security card"))
    assert rows[label["matters"]] == "退休提取住房公积金 城镇独生子女父母奖励对象申请"
    assert rows[label["full_name"]] == f"张建国 {from_id_card}"
    assert rows[label["id_number"]] == f"110101196610129114 {from_id_card}"
    assert rows[label["mobile"]] == "13800000001"
    assert rows[label["retire_kind"]] == "正常退休"
    assert rows[label["only_child_certificate"]] == translate(
        app, "%(name)s (%(size)s KB)", name="photo.png", size=1)
    assert rows[label["bank_account"]] == f"6200000000000000101 {from_card}"
    assert rows[label["home_address"]] == "北京市东城区 示例路 1 号"


def test_check_answers_has_a_change_link_back_to_each_question(zhang, app):
    walk_service(zhang, app, "retirement", ONLY_CHILD_YES)
    html = zhang.get("/apply/retirement/check").get_data(as_text=True)
    for key in RETIREMENT_KEYS:
        assert f'id="change-{key}" href="/apply/retirement/{key}?return=check"' in html


def test_change_link_goes_back_to_check_answers_with_the_new_answer(zhang, app):
    walk_service(zhang, app, "retirement", ONLY_CHILD_YES)
    html = zhang.get("/apply/retirement/mobile?return=check").get_data(as_text=True)
    assert input_value(html, "mobile") == "13800000001"
    assert 'class="back-link" href="/apply/retirement/check"' in html
    response = answer_question(zhang, app, "/apply/retirement/mobile?return=check",
                               {"mobile": "13912345678"})
    assert path_of(response.location) == "/apply/retirement/check"
    rows = check_rows(zhang.get("/apply/retirement/check").get_data(as_text=True))
    assert rows[labels(app, "retirement")["mobile"]] == "13912345678"


def test_change_that_opens_a_show_if_question_asks_it_then_returns_to_check(zhang, app):
    walk_service(zhang, app, "retirement", ONLY_CHILD_NO)
    label = labels(app, "retirement")
    assert label["only_child_certificate"] not in check_rows(
        zhang.get("/apply/retirement/check").get_data(as_text=True))
    response = answer_question(zhang, app, "/apply/retirement/matters?return=check",
                               {"matters": ["only_child_reward"]})
    assert path_of(response.location) == "/apply/retirement/only_child_certificate?return=check"
    response = answer_question(zhang, app, path_of(response.location),
                               upload(PNG_BYTES, "certificate.png"))
    assert path_of(response.location) == "/apply/retirement/check"
    rows = check_rows(zhang.get("/apply/retirement/check").get_data(as_text=True))
    assert rows[label["only_child_certificate"]].startswith("certificate.png")


def test_answers_of_questions_no_longer_asked_are_not_sent(zhang, app, platform):
    walk_service(zhang, app, "retirement", ONLY_CHILD_YES)
    answer_question(zhang, app, "/apply/retirement/matters?return=check", {})  # none now
    response = submit_check(zhang, "retirement")
    number = APPLICATION_NUMBER.search(response.location).group(0)
    answers = platform.application(number, ZHANG.id).answers
    assert answers["matters"] == []
    assert "only_child_certificate" not in answers


def test_sending_with_a_required_answer_missing_lists_it_and_sends_nothing(zhang, app, platform):
    walk_service(zhang, app, "retirement", ONLY_CHILD_NO)
    answer_question(zhang, app, "/apply/retirement/matters?return=check",
                    {"matters": ["only_child_reward"]})  # the certificate is now missing
    response = submit_check(zhang, "retirement")
    assert response.status_code == 200
    question = labels(app, "retirement")["only_child_certificate"]
    assert error_summary_links(response.get_data(as_text=True)) == [
        ("change-only_child_certificate",
         translate(app, "Answer the question “%(question)s”", question=question))]
    assert platform.applications_of(ZHANG.id) == []


# ---- submit --------------------------------------------------------------------------
def test_submit_shows_confirmation_with_application_number_and_promised_date(zhang, app,
                                                                              clock):
    clock.now = datetime(2026, 11, 26, 2, 0)  # Thursday, 10:00 in Beijing
    walk_service(zhang, app, "retirement", ONLY_CHILD_YES)
    response = submit_check(zhang, "retirement")
    assert response.status_code == 302
    assert path_of(response.location) == "/my/applications/YB20261126000001/confirmation"
    html = zhang.get(response.location).get_data(as_text=True)
    assert translate(app, "Application sent") in h1s(html)[0]
    assert "YB20261126000001" in text_of(html)
    # The slowest part (户籍核查, 35 working days) is what is promised: 35 working days
    # after Thursday 26 November 2026 is Thursday 14 January 2027.
    assert translate(app, "We promise to finish it by %(date)s.",
                     date="2027年1月14日") in text_of(html)


def test_application_number_is_yb_beijing_date_and_six_digits(zhang, app):
    number = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    beijing_today = (app.extensions["platform"].clock() + timedelta(hours=8)).date()
    assert re.fullmatch(r"YB\d{8}\d{6}", number)
    assert number[2:10] == f"{beijing_today:%Y%m%d}"


def test_submitted_answers_reach_the_platform(zhang, app, platform):
    number = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_YES)
    application = platform.application(number, ZHANG.id)
    assert application.status == "submitted"
    assert set(application.answers) == set(RETIREMENT_KEYS)
    assert application.answers["home_address"] == {"region": "北京市东城区", "detail": "示例路 1 号"}
    assert application.answers["matters"] == ["housing_fund", "only_child_reward"]
    assert application.answers["only_child_certificate"]["filename"] == "photo.png"


def test_double_submit_makes_one_application(zhang, app, platform):
    walk_service(zhang, app, "retirement", ONLY_CHILD_NO)
    page = zhang.get("/apply/retirement/check").get_data(as_text=True)
    form = {"csrf_token": csrf_token(page),
            "submission_key": re.search(r'name="submission_key" value="([^"]+)"', page).group(1)}
    first = zhang.post("/apply/retirement/check", data=form)
    second = zhang.post("/apply/retirement/check", data=form)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert len(platform.applications_of(ZHANG.id)) == 1


def test_after_sending_a_new_application_starts_afresh(zhang, app):
    apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    response = zhang.get("/apply/retirement")
    assert path_of(response.location) == "/apply/retirement/matters"
    assert draft_answers(app, ZHANG.id, "retirement") == {}


def test_sent_application_is_listed_under_my_applications(zhang, app):
    number = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    html = zhang.get("/my/").get_data(as_text=True)
    assert number in text_of(html)
    assert translate(app, "Submitted") in text_of(html)
    assert translate(app, "You have no unfinished applications.") in text_of(html)


def test_single_matter_elderly_allowance_end_to_end(client, app, platform):
    sign_in_as(client, ZHAO)
    asked = walk_service(client, app, "elderly-allowance")
    # The birth date is in the confirmed ID number: not asked again.
    assert asked == ["full_name", "id_number", "home_address", "bank_account",
                     "contact_preference"]
    rows = check_rows(client.get("/apply/elderly-allowance/check").get_data(as_text=True))
    label = labels(app, "elderly-allowance")
    assert rows[label["birth_date"]] == " ".join((
        format_date(datetime(1940, 6, 21).date(), "long", locale=DEFAULT_LOCALE),
        translate(app, "Taken from your ID number")))
    assert rows[label["contact_preference"]] == "发短信"
    response = submit_check(client, "elderly-allowance")
    number = APPLICATION_NUMBER.search(response.location).group(0)
    application = platform.application(number, ZHAO.id)
    service = platform.service("elderly-allowance", DEFAULT_LOCALE)
    submitted_day = (application.submitted_at + timedelta(hours=8)).date()
    assert application.promised_date == add_working_days(submitted_day, service.promise_days)
    html = client.get(response.location).get_data(as_text=True)
    assert number in text_of(html)
    assert format_date(application.promised_date, "long", locale=DEFAULT_LOCALE) in text_of(html)


def test_checkbox_show_if_asks_only_the_chosen_change(zhang, app):
    asked = walk_service(zhang, app, "resident-info-change",
                         {"what_to_change": {"what_to_change": "address"}})
    assert asked == ["full_name", "id_number", "what_to_change", "new_address", "sync_to",
                     "situation_note"]


def test_choosing_to_change_the_mobile_asks_for_the_new_number(zhang, app):
    asked = walk_service(zhang, app, "resident-info-change",
                         {"what_to_change": {"what_to_change": "mobile"}})
    assert "new_mobile" in asked and "new_address" not in asked


# ---- files ---------------------------------------------------------------------------
def reach_certificate(client, app):
    answer_question(client, app, "/apply/retirement/matters", ONLY_CHILD_YES["matters"])
    for key in RETIREMENT_KEYS[1:5]:
        answer_question(client, app, f"/apply/retirement/{key}")


@pytest.mark.parametrize("content, filename", [(PNG_BYTES, "certificate.png"),
                                               (PDF_BYTES, "certificate.pdf")],
                         ids=["png", "pdf"])
def test_file_question_accepts_a_small_png_or_pdf_and_keeps_it(zhang, app, content, filename):
    reach_certificate(zhang, app)
    response = answer_question(zhang, app, "/apply/retirement/only_child_certificate",
                               upload(content, filename))
    assert path_of(response.location) == "/apply/retirement/bank_account"
    stored = draft_answers(app, ZHANG.id, "retirement")["only_child_certificate"]
    assert stored["filename"] == filename
    saved = app.extensions["uploads"].read(stored["stored"])  # decrypted (upload_store.py)
    assert stored["size"] == len(saved)
    # A PDF is kept as it is; a picture is encoded afresh (no metadata: test_uploads.py).
    assert saved == content if filename.endswith(".pdf") else saved.startswith(b"\x89PNG")


@pytest.mark.parametrize("content, filename, message, variables", [
    (b"MZ\x90\x00\x03", "setup.exe", "The file must be a %(types)s", {"types": "PDF / JPG / PNG"}),
    (b"", "empty.pdf", "The selected file is empty", {}),
], ids=["exe", "empty"])
def test_file_question_refuses_wrong_type_or_empty_file_with_a_clear_message(
        zhang, app, content, filename, message, variables):
    reach_certificate(zhang, app)
    response = answer_question(zhang, app, "/apply/retirement/only_child_certificate",
                               upload(content, filename))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert error_summary_links(html) == [("only_child_certificate",
                                          translate(app, message, **variables))]
    assert "only_child_certificate" not in draft_answers(app, ZHANG.id, "retirement")
    assert not list(Path(app.config["UPLOAD_DIR"]).glob("*.exe"))


def test_file_question_without_a_file_asks_for_one(zhang, app):
    reach_certificate(zhang, app)
    response = post_with_csrf(zhang, "/apply/retirement/only_child_certificate", {})
    assert error_summary_links(response.get_data(as_text=True)) == [
        ("only_child_certificate", translate(app, "Choose a file to upload"))]


def test_an_uploaded_file_is_kept_when_continuing_without_a_new_one(zhang, app):
    reach_certificate(zhang, app)
    answer_question(zhang, app, "/apply/retirement/only_child_certificate",
                    upload(PNG_BYTES, "certificate.png"))
    html = zhang.get("/apply/retirement/only_child_certificate").get_data(as_text=True)
    assert translate(app, "Already uploaded: %(name)s. Choose another file only to replace it.",
                     name="certificate.png") in text_of(html)
    response = post_with_csrf(zhang, "/apply/retirement/only_child_certificate", {})
    assert response.status_code == 302
    stored = draft_answers(app, ZHANG.id, "retirement")["only_child_certificate"]
    assert stored["filename"] == "certificate.png"


def test_a_chinese_file_name_is_shown_as_uploaded(zhang, app):
    reach_certificate(zhang, app)
    answer_question(zhang, app, "/apply/retirement/only_child_certificate",
                    upload(PDF_BYTES, "独生子女证.pdf"))
    stored = draft_answers(app, ZHANG.id, "retirement")["only_child_certificate"]
    assert stored["filename"] == "独生子女证.pdf"


# ---- stopping and coming back ---------------------------------------------------------
def test_draft_survives_sign_out_and_resumes_from_my_applications(zhang, app):
    answer_question(zhang, app, "/apply/retirement/matters", {})
    answer_question(zhang, app, "/apply/retirement/full_name", {"full_name": "张建华"})
    answer_question(zhang, app, "/apply/retirement/id_number")
    post_with_csrf(zhang, "/sign-out", page="/")
    assert zhang.get("/my/").status_code == 302

    sign_in_as(zhang, ZHANG)
    html = zhang.get("/my/").get_data(as_text=True)
    assert re.search(r'<a [^>]*href="/apply/retirement"[^>]*>' + translate(app, "Continue") + "<",
                     html)
    response = zhang.get("/apply/retirement")
    assert path_of(response.location) == "/apply/retirement/mobile"
    html = zhang.get("/apply/retirement/full_name").get_data(as_text=True)
    assert input_value(html, "full_name") == "张建华"


def test_a_finished_draft_resumes_at_check_answers(zhang, app):
    walk_service(zhang, app, "retirement", ONLY_CHILD_NO)
    post_with_csrf(zhang, "/sign-out", page="/")
    sign_in_as(zhang, ZHANG)
    assert path_of(zhang.get("/apply/retirement").location) == "/apply/retirement/check"


def test_resuming_goes_to_the_first_question_never_answered(zhang, app):
    for key in RETIREMENT_KEYS[:4]:
        answer_question(zhang, app, f"/apply/retirement/{key}")
    response = zhang.get("/apply/retirement")
    assert path_of(response.location) == "/apply/retirement/retire_kind"


def age_the_sign_in(client, minutes: int = 31) -> None:
    with client.session_transaction() as session:
        session["seen"] = time.time() - minutes * 60


def answer_after_the_sign_in_expired(client, app, url: str):
    """Walk retirement, let the sign-in expire on `url`, then post a new mobile there."""
    walk_service(client, app, "retirement")
    page = client.get(url).get_data(as_text=True)
    age_the_sign_in(client)
    return client.post(url, data={"mobile": "13912345678", "csrf_token": csrf_token(page)})


def test_expired_sign_in_while_answering_keeps_the_answer_for_after_sign_in(zhang, app):
    response = answer_after_the_sign_in_expired(zhang, app, "/apply/retirement/mobile")
    assert response.status_code == 302
    assert path_of(response.location).startswith("/sign-in?")
    assert query_of(response.location) == {"next": "/apply/retirement/mobile", "expired": "1"}

    html = zhang.get(response.location).get_data(as_text=True)
    assert translate(app, "You were signed out because you were away for a while") in text_of(html)
    response = sign_in(zhang, ZHANG.mobile, ZHANG.password, next="/apply/retirement/mobile")
    assert path_of(response.location) == "/apply/retirement/mobile"

    html = zhang.get("/apply/retirement/mobile").get_data(as_text=True)
    assert input_value(html, "mobile") == "13912345678"
    assert translate(app, "We kept what you entered") in text_of(html)
    assert draft_answers(app, ZHANG.id, "retirement")["mobile"] == "13800000001"  # not yet saved

    response = post_with_csrf(zhang, "/apply/retirement/mobile", {"mobile": "13912345678"})
    assert response.status_code == 302
    assert draft_answers(app, ZHANG.id, "retirement")["mobile"] == "13912345678"
    html = zhang.get("/apply/retirement/mobile").get_data(as_text=True)
    assert translate(app, "We kept what you entered") not in text_of(html)


def test_expired_sign_in_with_a_short_idle_timeout_also_parks_the_answer(zhang, app):
    page = zhang.get("/apply/retirement/mobile").get_data(as_text=True)
    app.config["SESSION_IDLE_TIMEOUT"] = timedelta(seconds=-1)
    response = zhang.post("/apply/retirement/mobile",
                          data={"mobile": "13912345678", "csrf_token": csrf_token(page)})
    assert path_of(response.location).startswith("/sign-in?")
    app.config["SESSION_IDLE_TIMEOUT"] = timedelta(minutes=30)
    sign_in(zhang, ZHANG.mobile, ZHANG.password)
    html = zhang.get("/apply/retirement/mobile").get_data(as_text=True)
    assert input_value(html, "mobile") == "13912345678"


def test_answer_posted_after_the_session_cookie_was_lost_is_refused(zhang, app):
    """Without its session the token cannot be told from one another site obtained
    (a cross-site post arrives just so under SameSite=Lax): nothing is kept."""
    page = zhang.get("/apply/retirement/mobile").get_data(as_text=True)
    zhang.delete_cookie("session")
    response = zhang.post("/apply/retirement/mobile",
                          data={"mobile": "13912345678", "csrf_token": csrf_token(page)})
    assert response.status_code == 400
    sign_in(zhang, ZHANG.mobile, ZHANG.password)
    html = zhang.get("/apply/retirement/mobile").get_data(as_text=True)
    assert input_value(html, "mobile") != "13912345678"


def test_expired_sign_in_on_a_change_link_returns_to_the_change_link(zhang, app):
    response = answer_after_the_sign_in_expired(zhang, app,
                                                "/apply/retirement/mobile?return=check")
    response = sign_in(zhang, ZHANG.mobile, ZHANG.password,
                       next=query_of(response.location)["next"])
    assert path_of(response.location) == "/apply/retirement/mobile?return=check"


def test_stale_csrf_token_on_a_question_keeps_the_answer(zhang, app):
    token = stale_token(zhang, ZHANG, "/apply/retirement/mobile")
    response = zhang.post("/apply/retirement/mobile",
                          data={"mobile": "13912345678", "csrf_token": token})
    assert response.status_code == 302
    assert path_of(response.location) == "/apply/retirement/mobile"
    assert "mobile" not in draft_answers(app, ZHANG.id, "retirement")
    html = zhang.get("/apply/retirement/mobile").get_data(as_text=True)
    assert input_value(html, "mobile") == "13912345678"
    assert translate(app, "We kept what you entered") in text_of(html)
    assert post_with_csrf(zhang, "/apply/retirement/mobile",
                          {"mobile": "13912345678"}).status_code == 302
    assert draft_answers(app, ZHANG.id, "retirement")["mobile"] == "13912345678"


def test_stale_csrf_token_keeps_checkbox_answers_and_the_change_link(zhang, app):
    token = stale_token(zhang, ZHANG, "/apply/retirement/matters?return=check")
    response = zhang.post("/apply/retirement/matters?return=check",
                          data={"matters": ["medical_years", "deemed_years"], "csrf_token": token})
    assert path_of(response.location) == "/apply/retirement/matters?return=check"
    html = zhang.get(response.location).get_data(as_text=True)
    assert checked_values(html, "matters") == ["deemed_years", "medical_years"]


# ---- withdraw ------------------------------------------------------------------------
def test_withdraw_within_ten_minutes_works(zhang, app, platform):
    number = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    url = f"/my/applications/{number}/withdraw"
    html = zhang.get(url).get_data(as_text=True)
    assert translate(app, "Do you want to withdraw this application?") in h1s(html)[0]
    response = post_with_csrf(zhang, url)
    assert response.status_code == 302
    assert path_of(response.location) == f"/my/applications/{number}?withdrawn=1"
    application = platform.application(number, ZHANG.id)
    assert application.status == "withdrawn"
    assert [e.kind for e in application.timeline] == ["submitted", "withdrawn"]
    assert translate(app, "Withdrawn") in text_of(zhang.get("/my/").get_data(as_text=True))


def test_detail_page_shows_the_answers_with_identifiers_masked(zhang, app):
    number = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    response = zhang.get(f"/my/applications/{number}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = check_rows(html)
    label = labels(app, "retirement")
    assert rows[label["full_name"]] == "张建国"
    # what is seen, then what a screen reader hears instead of the stars
    assert rows[label["id_number"]] == "110101********9114 尾号9114"
    assert rows[label["mobile"]] == "138****0001 尾号0001"
    assert rows[label["bank_account"]] == "************0101 尾号0101"
    for full in (ZHANG.id_number, ZHANG.mobile, "6200000000000000101"):
        assert full not in html
    assert "change-" not in html  # a sent application is not changed from here


def test_detail_page_offers_withdrawal_only_within_ten_minutes(zhang, app, clock):
    clock.advance(minutes=-11)
    old = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    clock.advance(minutes=11)
    recent = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    link = 'href="/my/applications/{}/withdraw"'
    assert link.format(recent) in zhang.get(f"/my/applications/{recent}").get_data(as_text=True)
    assert link.format(old) not in zhang.get(f"/my/applications/{old}").get_data(as_text=True)


def test_withdraw_needs_the_form_token(zhang, app, platform):
    number = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    response = zhang.post(f"/my/applications/{number}/withdraw", data={"csrf_token": "stale"})
    assert response.status_code == 400
    assert platform.application(number, ZHANG.id).status == "submitted"


def test_withdraw_is_refused_after_ten_minutes(zhang, app, platform, clock):
    clock.advance(minutes=-11)  # the application was sent 11 minutes ago
    number = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    clock.advance(minutes=11)
    url = f"/my/applications/{number}/withdraw"
    refused = translate(app, "This application can no longer be withdrawn")
    assert refused in h1s(zhang.get(url).get_data(as_text=True))[0]
    response = post_with_csrf(zhang, url)
    assert response.status_code == 200
    assert refused in h1s(response.get_data(as_text=True))[0]
    assert platform.application(number, ZHANG.id).status == "submitted"


def test_withdraw_posted_when_the_platform_clock_has_passed_ten_minutes_is_refused(
        zhang, app, platform, clock):
    number = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    page = zhang.get(f"/my/applications/{number}/withdraw").get_data(as_text=True)
    clock.advance(minutes=10, seconds=1)
    response = zhang.post(f"/my/applications/{number}/withdraw",
                          data={"csrf_token": csrf_token(page)})
    assert response.status_code == 200
    assert translate(app, "This application can no longer be withdrawn") in h1s(
        response.get_data(as_text=True))[0]
    assert platform.application(number, ZHANG.id).status == "submitted"


def test_withdraw_page_follows_the_platform_clock(zhang, app, clock):
    number = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    clock.advance(minutes=11)
    html = zhang.get(f"/my/applications/{number}/withdraw").get_data(as_text=True)
    assert translate(app, "This application can no longer be withdrawn") in h1s(html)[0]


def test_withdrawn_application_cannot_be_withdrawn_again(zhang, app, platform):
    number = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    post_with_csrf(zhang, f"/my/applications/{number}/withdraw")
    html = zhang.get(f"/my/applications/{number}/withdraw").get_data(as_text=True)
    assert translate(app, "This application can no longer be withdrawn") in h1s(html)[0]
    assert [e.kind for e in platform.application(number, ZHANG.id).timeline] == \
        ["submitted", "withdrawn"]


def test_withdrawn_detail_page_says_it_was_withdrawn(zhang, app):
    number = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    response = post_with_csrf(zhang, f"/my/applications/{number}/withdraw")
    html = zhang.get(response.location).get_data(as_text=True)
    assert translate(app, "Your application has been withdrawn") in text_of(html)
    assert translate(app, "You withdrew the application") in text_of(html)


# ---- the platform's back office moves the application along -------------------------
def advance(app, *args):
    result = app.test_cli_runner().invoke(args=["platform", "advance", *args])
    assert result.exit_code == 0, result.output
    return result


def test_cli_advance_moves_an_application_through_every_department_to_done(zhang, app,
                                                                         platform):
    number = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_YES)
    statuses = []
    for _ in range(6):
        assert number in advance(app).output
        statuses.append(platform.application(number, ZHANG.id).status)
    assert statuses == ["accepted", "in_progress", "in_progress", "in_progress",
                        "in_progress", "done"]
    timeline = platform.application(number, ZHANG.id).timeline
    assert [(e.kind, e.department) for e in timeline] == [
        ("submitted", None), ("accepted", None), ("department", "人社"),
        ("department", "医保"), ("department", "公积金"), ("department", "卫健"),
        ("department", "公安"), ("done", None)]
    result = advance(app)
    assert number not in result.output
    assert "no open application moved" in result.output
    assert translate(app, "Done") in text_of(zhang.get("/my/").get_data(as_text=True))


def test_detail_page_timeline_shows_every_department_and_done(zhang, app):
    number = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_YES)
    for _ in range(6):
        advance(app)
    html = text_of(zhang.get(f"/my/applications/{number}").get_data(as_text=True))
    steps = [translate(app, "Application sent"), translate(app, "Accepted by the service centre")]
    steps += [translate(app, "%(department)s finished its part", department=d)
              for d in ("人社", "医保", "公积金", "卫健", "公安")]
    steps.append(translate(app, "All done"))
    positions = [html.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions)
    assert translate(app, "Done") in html


def test_cli_advance_with_a_number_moves_only_that_application(zhang, app, platform):
    first = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    second = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    advance(app, second)
    assert platform.application(first, ZHANG.id).status == "submitted"
    assert platform.application(second, ZHANG.id).status == "accepted"


def test_cli_reject_records_the_reason_and_closes_the_application(zhang, app, platform):
    number = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    advance(app)
    advance(app, number, "--reject", "缴费年限不足15年")
    application = platform.application(number, ZHANG.id)
    assert application.status == "rejected"
    assert (application.timeline[-1].kind, application.timeline[-1].note) == \
        ("rejected", "缴费年限不足15年")
    assert application.can_withdraw is False
    assert "no open application moved" in advance(app).output
    assert translate(app, "Not approved") in text_of(zhang.get("/my/").get_data(as_text=True))


def test_reject_reason_and_each_step_show_in_the_timeline_on_the_detail_page(zhang, app):
    number = apply_and_submit(zhang, app, "retirement", ONLY_CHILD_NO)
    advance(app)
    advance(app)
    advance(app, number, "--reject", "缴费年限不足15年")
    html = text_of(zhang.get(f"/my/applications/{number}").get_data(as_text=True))
    for step in (translate(app, "Application sent"),
                 translate(app, "Accepted by the service centre"),
                 translate(app, "%(department)s finished its part", department="人社"),
                 translate(app, "Not approved")):
        assert step in html
    assert f"{translate(app, 'Reason:')} 缴费年限不足15年" in html


# ---- answers that cannot be right (a child's birth date) -------------------------------------
def test_a_childs_birth_date_must_fit_the_service_and_agree_with_the_childs_id(zhang, app):
    from conftest import VALID_BY_KEY
    zhang.get("/apply/childcare-subsidy")
    for key in ("child_name", "child_id_number"):
        assert answer_question(zhang, app, f"/apply/childcare-subsidy/{key}").status_code == 302
    url = "/apply/childcare-subsidy/child_birth_date"

    def refused(year, month, day):
        response = answer_question(zhang, app, url, {"child_birth_date-year": year,
                                                     "child_birth_date-month": month,
                                                     "child_birth_date-day": day})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        [(target, message)] = error_summary_links(html)
        assert target.startswith("child_birth_date")
        assert text_of(html).count(message) >= 2  # in the summary and beside the field
        for name, value in (("year", year), ("month", month), ("day", day)):
            assert re.search(rf'name="child_birth_date-{name}"[^>]*value="{value}"', html) or \
                re.search(rf'value="{value}"[^>]*name="child_birth_date-{name}"', html)
        return message

    assert refused("1900", "1", "1") == say(
        app, "This service is for children under %(num)d year old",
        "This service is for children under %(num)d years old", 3)
    born = VALID_BY_KEY["child_id_number"][6:14]
    other = datetime.strptime(born, "%Y%m%d") - timedelta(days=1)
    assert refused(str(other.year), str(other.month), str(other.day)) == say(
        app, "The ID number you gave says %(date)s. Check this date or the ID number.",
        date=format_date(datetime.strptime(born, "%Y%m%d").date(), "long", locale=DEFAULT_LOCALE))
    response = answer_question(zhang, app, url, {"child_birth_date-year": born[:4],
                                                 "child_birth_date-month": str(int(born[4:6])),
                                                 "child_birth_date-day": str(int(born[6:]))})
    assert response.status_code == 302


def test_a_birth_date_left_behind_by_a_changed_id_number_stops_the_sending(zhang, app, platform):
    from app.forms.identifiers import id_number_check_digit
    walk_service(zhang, app, "childcare-subsidy")
    first17 = f"110101{datetime.now().date() - timedelta(days=100):%Y%m%d}004"
    other = first17 + id_number_check_digit(first17)
    url = "/apply/childcare-subsidy/child_id_number?return=check"
    assert answer_question(zhang, app, url, {"child_id_number": other}).status_code == 302
    response = submit_check(zhang, "childcare-subsidy")
    assert response.status_code == 200
    born = datetime.strptime(other[6:14], "%Y%m%d").date()
    assert error_summary_links(response.get_data(as_text=True)) == [(
        "change-child_birth_date",
        say(app, "The ID number you gave says %(date)s. Check this date or the ID number.",
            date=format_date(born, "long", locale=DEFAULT_LOCALE)))]
    assert platform.applications_of(ZHANG.id) == []


def test_a_birth_date_taken_from_an_id_number_is_asked_again_when_the_number_changes(
        client, app):
    from conftest import WANG
    sign_in_as(client, ZHAO)
    walk_service(client, app, "elderly-allowance")
    assert draft_answers(app, ZHAO.id, "elderly-allowance")["birth_date"] == "1940-06-21"
    # Corrected to a number whose holder is under 80: the date is not taken from it,
    # and the one taken from the old number goes, so it is asked (and its rules apply).
    response = answer_question(client, app,
                               "/apply/elderly-allowance/id_number?correct=1&return=check",
                               {"id_number": WANG.id_number})
    assert path_of(response.location) == "/apply/elderly-allowance/birth_date?return=check"
    assert "birth_date" not in draft_answers(app, ZHAO.id, "elderly-allowance")
