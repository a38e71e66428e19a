"""补正: a department asks for more (`flask platform supplement`); the citizen, or a
helper acting for them, sees it in 我的办件 and in their messages, answers it on an
accessible page (text and/or a checked, cleaned file), and the application moves on."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from PIL import Image

from app.platform import SupplementClosed
from conftest import (PDF_BYTES, PNG_BYTES, WANG, ZHANG, ZHOU, act_for, apply_and_submit,
                      csrf_token, error_summary_links, h1s, input_value, path_of,
                      run_background_jobs, say, sign_in_as, text_of, title, translate)
from test_uploads import GPS_IFD, photo_with_gps

ASK = "请补充1990年以前在国营工厂工作的证明"


@pytest.fixture
def number(zhang, app):
    number = apply_and_submit(zhang, app, "retirement",
                              {"matters": {"matters": ["medical_years"]}})
    app.extensions["platform"].advance(number)  # accepted
    return number


def supplement(app, number, *args):
    result = app.test_cli_runner().invoke(
        args=["platform", "supplement", number, "--ask", ASK, *args])
    return result


def asked(app, number, owner=ZHANG):
    return app.extensions["platform"].application(number, owner.id).supplements[-1]


def page_url(number, supplement_id) -> str:
    return f"/my/applications/{number}/supplements/{supplement_id}"


def send(client, url, data=None, files=None):
    html = client.get(url).get_data(as_text=True)
    body = {"csrf_token": csrf_token(html), **(data or {}), **(files or {})}
    return client.post(url, data=body, content_type="multipart/form-data")


# ---- raising one ------------------------------------------------------------------------
def test_the_cli_raises_a_supplement_on_one_part(app, platform, number):
    result = supplement(app, number, "--part", "医保", "--deadline", "2026-12-10", "--file")
    assert result.exit_code == 0, result.output
    request = asked(app, number)
    assert (request.department, request.ask, request.deadline, request.wants_file) == \
        ("医保", ASK, date(2026, 12, 10), True)
    application = platform.application(number, ZHANG.id)
    assert application.part("医保").status == "supplement"
    assert application.part("人社").status == "accepted"
    assert application.timeline[-1].kind == "supplement_requested"


@pytest.mark.parametrize("args, problem", [
    ([], "name one with --part"),             # several parts: which department asks?
    (["--part", "交通"], "has no part for 交通"),
])
def test_the_cli_says_what_is_wrong(app, number, args, problem):
    result = supplement(app, number, *args)
    assert result.exit_code != 0 and problem in result.output


def test_a_single_part_application_needs_no_part_named(client, app, platform):
    sign_in_as(client, WANG)
    number = apply_and_submit(client, app, "disability-card-renewal")
    assert supplement(app, number).exit_code == 0
    assert asked(app, number, WANG).department == "残联"


def test_a_closed_application_gets_no_supplement(app, platform, number):
    platform.advance(number, "材料不全")
    assert "is closed" in supplement(app, number, "--part", "医保").output


# ---- seeing it ----------------------------------------------------------------------------
def test_the_request_shows_in_my_applications_and_on_the_detail_page(zhang, app, number):
    supplement(app, number, "--part", "医保", "--deadline", "2026-12-10")
    request = asked(app, number)
    index = zhang.get("/my/").get_data(as_text=True)
    assert f'href="{page_url(number, request.id)}"' in index
    assert say(app, "Waiting for you") in text_of(index)
    detail = zhang.get(f"/my/applications/{number}").get_data(as_text=True)
    text = text_of(detail)
    assert say(app, "A department needs more from you") in text
    assert ASK in text and "2026年12月10日" in text
    assert f'href="{page_url(number, request.id)}"' in detail


def test_the_request_is_a_message_too(zhang, app, number):
    supplement(app, number, "--part", "医保")
    html = zhang.get("/my/messages/").get_data(as_text=True)
    assert say(app, "%(department)s needs more from you for application %(number)s",
               department="医保", number=number) in text_of(html)


# ---- answering ------------------------------------------------------------------------------
def test_the_answer_page_says_who_asks_what_and_by_when(zhang, app, number, clock):
    supplement(app, number, "--part", "医保", "--deadline", "2099-01-01")
    html = zhang.get(page_url(number, asked(app, number).id)).get_data(as_text=True)
    [heading] = h1s(html)
    assert say(app, "Send what %(department)s asked for", department="医保") in text_of(heading)
    assert ASK in text_of(html) and "2099年1月1日" in text_of(html)
    assert 'enctype="multipart/form-data"' in html
    assert 'id="answer"' in html and 'id="upload"' in html
    assert 'data-character-limit="1000"' in html  # the count, without JavaScript too


def test_a_text_answer_moves_the_application_on(zhang, app, platform, number):
    supplement(app, number, "--part", "医保")
    url = page_url(number, asked(app, number).id)
    response = send(zhang, url, {"answer": "1985年至1992年在示例市国营纺织厂工作，档案在市人社局。"})
    assert response.status_code == 302
    assert path_of(response.location).startswith(f"/my/applications/{number}?answered=")
    application = platform.application(number, ZHANG.id)
    request = application.supplements[-1]
    assert request.answered_at is not None
    assert request.answer == {"text": "1985年至1992年在示例市国营纺织厂工作，档案在市人社局。"}
    assert application.part("医保").status == "in_review"  # back to the department
    assert application.timeline[-1].kind == "supplement_answered"
    html = zhang.get(response.location).get_data(as_text=True)
    assert say(app, "Thank you – your answer has been sent") in text_of(html)
    assert say(app, "A department needs more from you") not in text_of(html)


def test_a_photo_answer_is_stored_without_its_gps(zhang, app, platform, number):
    supplement(app, number, "--part", "医保", "--file")
    url = page_url(number, asked(app, number).id)
    response = send(zhang, url, files={"upload": (io.BytesIO(photo_with_gps()), "工作证明.jpg")})
    assert response.status_code == 302
    answer = asked(app, number).answer
    assert answer["file"]["filename"] == "工作证明.jpg"
    data = platform.document_content(answer["file"]["document"])  # the platform's copy
    with Image.open(io.BytesIO(data)) as image:
        assert not dict(image.getexif().get_ifd(GPS_IFD)) and not dict(image.getexif())


def test_a_file_answer_reaches_the_platform_as_its_bytes_and_the_front_keeps_none(
        zhang, app, platform, number):
    supplement(app, number, "--part", "医保", "--file")
    url = page_url(number, asked(app, number).id)
    response = send(zhang, url, {"answer": "见附件"},
                    {"upload": (io.BytesIO(PDF_BYTES), "工作证明.pdf")})
    assert response.status_code == 302
    sent = asked(app, number).answer["file"]
    assert "stored" not in sent  # it names the platform's document, not the front's file
    assert platform.document_content(sent["document"]) == PDF_BYTES
    assert [(d["filename"], d["sha256"]) for d in platform.documents(number)
            if d["supplement_id"]] == [("工作证明.pdf", sent["sha256"])]
    assert app.extensions["uploads"].files.listing() == {}  # nothing left to prune


def test_nothing_sent_asks_for_an_answer_or_a_file(zhang, app, number):
    supplement(app, number, "--part", "医保")
    response = send(zhang, page_url(number, asked(app, number).id))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    message = say(app, "Write an answer or choose a file to upload")
    assert error_summary_links(html) == [("answer", message)]
    assert title(html).startswith(translate(app, "Error:"))
    assert asked(app, number).answered_at is None


def test_a_wrong_file_is_refused_beside_it_and_the_text_is_kept(zhang, app, number):
    supplement(app, number, "--part", "医保")
    response = send(zhang, page_url(number, asked(app, number).id), {"answer": "见附件"},
                    {"upload": (io.BytesIO(b"MZ\x90\x00"), "证明.exe")})
    html = response.get_data(as_text=True)
    message = translate(app, "The file must be a %(types)s", types="PDF / JPG / PNG")
    assert error_summary_links(html) == [("upload", message)]
    assert message in html.split('id="upload-error"')[1].split("</div>")[0]
    assert 'aria-invalid="true"' in html.split('id="upload"')[1].split(">")[0]
    assert input_value(html, "answer") == "见附件"
    assert asked(app, number).answered_at is None


def test_a_file_too_large_is_refused(zhang, app, number):
    supplement(app, number, "--part", "医保")
    big = PDF_BYTES + b"0" * (10 * 1024 * 1024)
    response = send(zhang, page_url(number, asked(app, number).id), {},
                    {"upload": (io.BytesIO(big), "scan.pdf")})
    assert error_summary_links(response.get_data(as_text=True)) == [
        ("upload", translate(app, "The file is %(size)s MB, more than the %(mb)d MB allowed. Make it smaller: take the photo again at a lower quality, or scan it in black and white.", size="10.0", mb=10))]


def test_when_a_file_is_asked_for_text_alone_is_not_enough(zhang, app, number):
    supplement(app, number, "--part", "医保", "--file")
    response = send(zhang, page_url(number, asked(app, number).id), {"answer": "我没有扫描仪"})
    assert error_summary_links(response.get_data(as_text=True)) == [
        ("upload", translate(app, "Choose a file to upload"))]


def test_a_good_file_sent_with_a_wrong_answer_is_kept(zhang, app, platform, number):
    supplement(app, number, "--part", "医保", "--file")
    url = page_url(number, asked(app, number).id)
    response = send(zhang, url, {"answer": "很长" * 501},
                    {"upload": (io.BytesIO(PNG_BYTES), "证明.png")})
    html = response.get_data(as_text=True)
    assert [target for target, _ in error_summary_links(html)] == ["answer"]
    assert say(app, "Already uploaded: %(name)s. Choose another file only to replace it.",
               name="证明.png") in text_of(html)
    response = send(zhang, url, {"answer": "见附件"})  # no need to choose the file again
    assert response.status_code == 302
    assert asked(app, number).answer["file"]["filename"] == "证明.png"


def test_an_answered_request_cannot_be_answered_again(zhang, app, platform, number):
    supplement(app, number, "--part", "医保")
    request = asked(app, number)
    url = page_url(number, request.id)
    send(zhang, url, {"answer": "第一次"})
    html = zhang.get(url).get_data(as_text=True)
    assert 'name="answer"' not in html
    assert translate(app, "Back to the application") in text_of(html)
    with pytest.raises(SupplementClosed):
        platform.answer_supplement(number, ZHANG.id, request.id, {"text": "第二次"})
    assert asked(app, number).answer == {"text": "第一次"}


def test_an_overdue_request_can_still_be_answered_and_says_so(zhang, app, number):
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    supplement(app, number, "--part", "医保", "--deadline", yesterday)
    html = zhang.get(page_url(number, asked(app, number).id)).get_data(as_text=True)
    assert say(app, "The date to answer by has passed") in text_of(html)
    assert 'name="answer"' in html


def test_someone_else_s_request_is_not_found(client, app, number):
    supplement(app, number, "--part", "医保")
    sign_in_as(client, WANG)
    assert client.get(page_url(number, asked(app, number).id)).status_code == 404


def test_an_unknown_request_is_not_found(zhang, number):
    assert zhang.get(page_url(number, 999)).status_code == 404


# ---- a helper answers for the citizen -----------------------------------------------------------
def act_for_wang(app, client, services=None):
    return act_for(app, client, WANG, ZHOU, services)


@pytest.fixture
def wang_number(app):
    wang = app.test_client()
    sign_in_as(wang, WANG)
    number = apply_and_submit(wang, app, "disability-card-renewal")
    assert supplement(app, number).exit_code == 0
    return number


def test_a_helper_answers_for_the_citizen_and_it_is_logged(app, client, platform, wang_number):
    helper = act_for_wang(app, client)
    request = asked(app, wang_number, WANG)
    response = send(helper, page_url(wang_number, request.id), {"answer": "照片已重新拍摄"},
                    {"upload": (io.BytesIO(PNG_BYTES), "photo.png")})
    assert response.status_code == 302
    request = asked(app, wang_number, WANG)
    assert request.answered_by == ZHOU.id
    actions = [e.action for e in app.extensions["consents"].access_log_of(WANG.id)]
    assert "supplement" in actions and "view_application" in actions
    # and the citizen's timeline says who did it
    assert platform.application(wang_number, WANG.id).timeline[-1].acted_by == ZHOU.id


def test_a_helper_outside_the_consent_s_scope_is_refused(app, client, wang_number):
    helper = act_for_wang(app, client, services=["retirement"])
    request = asked(app, wang_number, WANG)
    assert helper.get(page_url(wang_number, request.id)).status_code == 403


def test_the_message_of_the_request_tells_where_to_answer(zhang, app, number):
    supplement(app, number, "--part", "医保")
    centre = app.extensions["messages"]
    run_background_jobs(app)
    message = next(m for m in centre.messages_of(ZHANG.id) if m.kind == "supplement_requested")
    html = zhang.get(f"/my/messages/{message.id}").get_data(as_text=True)
    assert re.search(rf'href="{page_url(number, asked(app, number).id)}"', html)
    assert ASK in text_of(html)
