"""Offline entry, server side: what a device may keep holds nothing personal, and the
answers it saved are applied to the draft once each, through the question page's own
checks, only while the sign-in (and a helper's consent) still holds.
The journeys in the browser are in a11y_tests/test_offline.py."""
from __future__ import annotations

import io
import json
import re

import pytest

from app.forms.browser_rules import question_rules
from conftest import LIU, WANG, ZHOU, sign_in_as, sign_in_as_helper
from test_assisted import act, grant

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082")


def unvarying(html: str) -> str:
    """The page without what differs between any two renderings: the CSP nonce, form
    tokens, the speech script's id."""
    html = re.sub(r'nonce="[^"]+"', 'nonce=""', html)
    html = re.sub(r'name="csrf_token" value="[^"]+"', "csrf", html)
    return re.sub(r"/speech/[A-Za-z0-9_-]{12,}", "/speech/x", html)


def send(client, code, key, data, idem="k1", token=None, entry_for=""):
    token = token if token is not None else client.get("/offline/status").json["csrf_token"]
    return client.post(f"/offline/send/{code}/{key}", data=data,
                       content_type="multipart/form-data",
                       headers={"X-CSRFToken": token, "Idempotency-Key": idem,
                                "X-Offline-For": entry_for})


@pytest.fixture
def liu(app):
    client = app.test_client()
    sign_in_as(client, LIU)
    return client


def test_a_blank_question_page_is_the_same_for_a_signed_in_citizen_as_for_nobody(app, liu):
    # 刘洋 has answers and prefills: none of them may reach a page the device keeps.
    liu.get("/apply/remote-medical-filing")
    for path in ("/offline/page/remote-medical-filing/full_name",
                 "/offline/page/remote-medical-filing/mobile",
                 "/offline/page/remote-medical-filing/check",
                 "/offline/service/remote-medical-filing"):
        mine = liu.get(path)
        nobodys = app.test_client().get(path)
        assert mine.status_code == nobodys.status_code == 200
        assert "no-store" not in mine.headers["Cache-Control"]
        html = mine.get_data(as_text=True)
        assert unvarying(html) == unvarying(nobodys.get_data(as_text=True))
        for personal in (LIU.name, LIU.mobile, LIU.id_number, "data-offline-owner"):
            assert personal not in html


def body(html: str) -> dict:
    """The data-offline-* attributes of the page's <body>."""
    tag = re.search(r"<body[^>]*>", html).group(0)
    return {k: v.replace("&#34;", '"').replace("&quot;", '"')
            for k, v in re.findall(r'data-offline-([a-z-]+)="([^"]*)"', tag)}


def test_the_question_page_names_the_version_of_its_offline_copy_as_the_rules_etag(app, liu):
    """offline.js keeps an application's copy again only when this version changed."""
    page = body(liu.get("/apply/remote-medical-filing/full_name").get_data(as_text=True))
    rules = app.test_client().get(page["rules"])
    assert page["version"] and rules.headers["ETag"] == f'"{page["version"]}"'
    again = app.test_client().get(page["rules"], headers={"If-None-Match": rules.headers["ETag"]})
    assert again.status_code == 304


def test_the_question_page_carries_the_answers_that_decide_the_order(app):
    """No request of its own: the page says which matters were chosen (show_if)."""
    client = app.test_client()
    sign_in_as(client, WANG)
    first = client.get("/apply/retirement", follow_redirects=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', first.get_data(as_text=True)).group(1)
    client.post(first.request.path, data={"csrf_token": token, "matters": "only_child_reward"})
    page = body(client.get(first.request.path).get_data(as_text=True))
    assert json.loads(page["known"]) == {"matters": ["only_child_reward"]}
    assert "known" not in body(app.test_client().get(
        "/offline/page/retirement/matters").get_data(as_text=True))


def test_a_page_signed_out_by_the_idle_time_out_says_so_to_the_device(app, liu):
    from datetime import timedelta
    liu.get("/apply/remote-medical-filing/full_name")
    with liu.session_transaction() as session:
        session["seen"] -= app.config["SESSION_IDLE_TIMEOUT"].total_seconds() + timedelta(
            minutes=1).total_seconds()
    assert body(liu.get("/services/remote-medical-filing").get_data(as_text=True))["wipe"] == "idle"
    assert body(liu.get("/").get_data(as_text=True))["wipe"] == "idle"  # until someone signs in
    sign_in_as(liu, LIU)
    assert "wipe" not in body(liu.get("/").get_data(as_text=True))
    assert "wipe" not in body(app.test_client().get("/").get_data(as_text=True))


def test_offline_entry_is_within_its_8_kb_budget():
    from bench.offline_weight import BUDGET, OFFLINE, gzipped
    assert sum(gzipped(p) for p in OFFLINE) <= BUDGET


def test_the_signed_in_question_page_stays_no_store(liu):
    page = liu.get("/apply/remote-medical-filing/full_name")
    assert page.headers["Cache-Control"] == "no-store"
    assert 'data-offline-owner="' in page.get_data(as_text=True)


def test_the_rules_the_browser_gets_are_the_form_builders(app):
    rules = app.test_client().get("/offline/rules/retirement.json").json
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        from app.apply.journey import load_service
        _service, questions = load_service("retirement")
        assert rules["questions"] == json.loads(json.dumps(
            [question_rules(q) for q in questions]))


def test_a_saved_answer_is_applied_once_through_the_question_checks(app, liu):
    store = app.extensions["front_store"]
    first = send(liu, "remote-medical-filing", "residence_proof",
                 {"residence_proof": (io.BytesIO(PNG), "证明.png")}, idem="upload-1")
    assert first.status_code == 201 and first.json["status"] == "ok"
    stored = store.open_draft(LIU.id, "remote-medical-filing").answers["residence_proof"]
    # The reply was lost; the device sends the same answer again with the same key.
    again = send(liu, "remote-medical-filing", "residence_proof",
                 {"residence_proof": (io.BytesIO(PNG), "证明.png")}, idem="upload-1")
    assert again.status_code == 200 and again.json == {"status": "ok", "repeated": True}
    assert store.open_draft(LIU.id, "remote-medical-filing").answers["residence_proof"] == stored
    assert len(list((app.config["UPLOAD_DIR"]).iterdir())) == 1


def test_an_answer_the_server_refuses_comes_back_to_its_question_with_the_message(app, liu):
    store = app.extensions["front_store"]
    refused = send(liu, "remote-medical-filing", "mobile", {"mobile": "23800000001"})
    assert refused.status_code == 422
    assert refused.json["message"] == "手机号码以13至19开头"
    assert refused.json["url"] == "/apply/remote-medical-filing/mobile"
    draft = store.open_draft(LIU.id, "remote-medical-filing")
    assert "mobile" not in draft.answers
    page = liu.get(refused.json["url"]).get_data(as_text=True)
    assert 'value="23800000001"' in page  # what was typed, kept on the draft


def test_nothing_is_applied_without_a_valid_form_token(app, liu):
    refused = send(liu, "remote-medical-filing", "destination", {"destination": "深圳"},
                   token="not-a-token")
    assert refused.status_code == 400
    assert app.extensions["front_store"].open_draft(LIU.id, "remote-medical-filing") is None


def test_signed_out_nothing_is_applied_and_the_device_is_told(app):
    client = app.test_client()
    refused = send(client, "remote-medical-filing", "destination", {"destination": "深圳"})
    assert refused.status_code == 401 and refused.json["status"] == "signed_out"
    assert "重新登录" in refused.json["message"]


def test_a_helper_whose_consent_ended_stores_nothing_and_is_told_why(app):
    helper = app.test_client()
    sign_in_as_helper(helper, ZHOU)
    authorisation = grant(app, services=["remote-medical-filing"])
    act(helper, authorisation.id)
    entry_for = re.search(r'data-offline-for="([^"]+)"',
                          helper.get("/my/").get_data(as_text=True)).group(1)
    applied = send(helper, "remote-medical-filing", "destination", {"destination": "深圳"},
                   idem="h1", entry_for=entry_for)
    assert applied.status_code == 201
    # Outside the consent's services: refused, nothing stored.
    outside = send(helper, "childcare-subsidy", "mobile", {"mobile": "13800000002"},
                   idem="h2", entry_for=entry_for)
    assert outside.status_code == 409 and outside.json["status"] == "consent_ended"
    assert app.extensions["front_store"].open_draft(WANG.id, "childcare-subsidy") is None
    app.extensions["consents"].revoke(authorisation.id, WANG.id)
    ended = send(helper, "remote-medical-filing", "destination", {"destination": "广州"},
                 idem="h3", entry_for=entry_for)
    assert ended.status_code == 409 and ended.json["status"] == "consent_ended"
    assert "授权已结束" in ended.json["message"]
    draft = app.extensions["front_store"].open_draft(WANG.id, "remote-medical-filing")
    assert draft.answers["destination"] == "深圳"


def test_an_entry_made_for_another_citizen_is_not_applied_to_this_one(app, liu):
    refused = send(liu, "remote-medical-filing", "destination", {"destination": "深圳"},
                   entry_for="someone-else")
    assert refused.status_code == 409 and refused.json["status"] == "other_person"


def test_the_manifest_names_the_app_and_its_icons_exist(app):
    client = app.test_client()
    manifest = client.get("/manifest.webmanifest").json
    assert manifest["name"] == "易办" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_keeping_pages_for_offline_use_does_not_take_the_message_meant_for_the_next_page(
        app, liu):
    # offline.js fetches the blank pages in the background; a 长辈版 press meanwhile must
    # still be confirmed in words on the page the person lands on.
    token = liu.get("/offline/status").json["csrf_token"]
    pressed = liu.post("/display/elder", data={"csrf_token": token, "on": "1",
                                               "next": "/services/retirement"})
    assert pressed.status_code in (302, 303)
    kept = liu.get("/offline/page/remote-medical-filing/full_name")
    assert "notification--status" not in kept.get_data(as_text=True)
    landed = liu.get(pressed.headers["Location"]).get_data(as_text=True)
    assert 'class="notification notification--status"' in landed


def test_switching_to_elder_mode_makes_a_new_offline_copy_in_elder_mode(app, liu):
    """The blank pages a device keeps are rendered in the person's display settings: a
    change of settings changes the copy's version, so offline.js keeps it again and the
    pages shown offline look as the person chose."""
    page = "/apply/remote-medical-filing/full_name"
    standard = body(liu.get(page).get_data(as_text=True))["version"]
    liu.post("/display/elder", data={"on": "1", "next": page})
    elder = body(liu.get(page).get_data(as_text=True))["version"]
    assert elder != standard
    rules = liu.get("/offline/rules/remote-medical-filing.json")
    assert rules.headers["ETag"].strip('"') == elder
    blank = liu.get("/offline/page/remote-medical-filing/full_name").get_data(as_text=True)
    assert 'data-elder="on"' in blank


@pytest.mark.parametrize("path", ["/offline/page/remote-medical-filing/full_name",
                                  "/offline/service/remote-medical-filing",
                                  "/offline/rules/remote-medical-filing.json", "/offline"])
def test_keeping_the_offline_copy_never_writes_the_session(app, liu, path):
    # These requests run beside the page's own: one that wrote back the session it had
    # read (here: "seen" due for its minute's refresh) could undo what another request
    # wrote meanwhile, as a 长辈版 press's confirmation was once lost in CI.
    with liu.session_transaction() as s:
        s["seen"] = s["seen"] - 120
        before = dict(s)
    response = liu.get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    with liu.session_transaction() as s:
        assert dict(s) == before
