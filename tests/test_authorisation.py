"""A citizen sees only their own applications and drafts; signed-out users are sent to
sign in; sign-in never sends anyone to another site."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from app.forms.identifiers import mask_id_number, mask_mobile
from conftest import (WANG, ZHANG, apply_and_submit, csrf_token, input_value, path_of,
                      post_with_csrf, query_of, sign_in, sign_in_as, text_of)

# 王秀英 (the owner) answers with her own details, so they are recognisable.
WANG_ANSWERS = {
    "full_name": {"full_name": WANG.name},
    "id_number": {"id_number": WANG.id_number},
    "mobile": {"mobile": "13912345678"},
    "is_only_child_parent": {"is_only_child_parent": "no"},
}
WANG_DATA = [WANG.name, WANG.id_number, mask_id_number(WANG.id_number), "13912345678",
             mask_mobile("13912345678")]
NEVER_SENT = "YB20200101999999"


@pytest.fixture
def wang_number(app):
    owner = app.test_client()
    sign_in_as(owner, WANG)
    return apply_and_submit(owner, app, "retirement", WANG_ANSWERS)


def without_tokens(html: str) -> str:
    """The page with what changes on every request (CSRF tokens, the CSP nonce, the
    seconds left before an idle sign-in ends) blanked out, for comparing pages."""
    html = re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", html)
    html = re.sub(r'( nonce=")[^"]+', r"\1", html)
    html = re.sub(r'( data-session-expires-in=")[^"]+', r"\1", html)
    return re.sub(r'("X-CSRFToken": ")[^"]+', r"\1", html)


OTHERS_PAGES = ["/my/applications/{}", "/my/applications/{}/confirmation",
                "/my/applications/{}/withdraw"]


@pytest.mark.parametrize("page", OTHERS_PAGES)
def test_another_citizens_application_page_is_not_found_and_shows_none_of_their_data(
        zhang, wang_number, page):
    response = zhang.get(page.format(wang_number))
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    for value in WANG_DATA:
        assert value not in html
    assert wang_number not in text_of(html)


@pytest.mark.parametrize("page", OTHERS_PAGES)
def test_another_citizens_application_looks_exactly_like_one_that_does_not_exist(
        zhang, wang_number, page):
    real = zhang.get(page.format(wang_number)).get_data(as_text=True)
    fake = zhang.get(page.format(NEVER_SENT)).get_data(as_text=True)
    assert without_tokens(real).replace(wang_number, "N") == \
        without_tokens(fake).replace(NEVER_SENT, "N")


def test_another_citizen_cannot_withdraw_an_application(zhang, wang_number, platform):
    token = csrf_token(zhang.get("/my/").get_data(as_text=True))
    response = zhang.post(f"/my/applications/{wang_number}/withdraw",
                          data={"csrf_token": token})
    assert response.status_code == 404
    for value in WANG_DATA:
        assert value not in response.get_data(as_text=True)
    assert platform.application(wang_number, WANG.id).status == "submitted"


def test_my_applications_lists_only_my_own(zhang, wang_number, app):
    own = apply_and_submit(zhang, app, "retirement", {"is_only_child_parent":
                                                      {"is_only_child_parent": "no"}})
    html = zhang.get("/my/").get_data(as_text=True)
    assert own in html
    assert wang_number not in html
    for value in WANG_DATA:
        assert value not in html


def test_another_citizens_draft_is_never_shown(zhang, app):
    owner = app.test_client()
    sign_in_as(owner, WANG)
    for key in ("full_name", "id_number", "mobile"):
        post_with_csrf(owner, f"/apply/retirement/{key}", WANG_ANSWERS[key])
    # and an answer kept after a stale form token
    owner.post("/apply/retirement/retire_kind", data={"retire_kind": "flexible_late"})

    html = zhang.get("/my/").get_data(as_text=True)
    assert 'href="/apply/retirement"' not in html
    for key, own_value in (("full_name", ZHANG.name), ("id_number", ZHANG.id_number),
                           ("mobile", ZHANG.mobile)):
        page = zhang.get(f"/apply/retirement/{key}").get_data(as_text=True)
        assert input_value(page, key) == own_value
    page = zhang.get("/apply/retirement/retire_kind").get_data(as_text=True)
    assert 'value="flexible_late" checked' not in page
    response = zhang.get("/apply/retirement/check")
    for value in WANG_DATA:
        assert value not in response.get_data(as_text=True)


def test_answers_parked_by_one_citizen_are_not_given_to_the_next_one_to_sign_in(client):
    sign_in_as(client, WANG)
    page = client.get("/apply/retirement/mobile").get_data(as_text=True)
    with client.session_transaction() as session:
        session["seen"] = 0  # 王秀英's sign-in has expired …
    client.post("/apply/retirement/mobile",
                data={"mobile": "13912345678", "csrf_token": csrf_token(page)})
    sign_in(client, ZHANG.mobile, ZHANG.password)  # … and 张建国 signs in at the same computer
    html = client.get("/apply/retirement/mobile").get_data(as_text=True)
    assert "13912345678" not in html


# ---- signed out ----------------------------------------------------------------------
@pytest.mark.parametrize("page", ["/my/", "/my/applications/{}", "/my/applications/{}/confirmation",
                                  "/my/applications/{}/withdraw", "/apply/retirement",
                                  "/apply/retirement/full_name", "/apply/retirement/check"])
def test_signed_out_user_is_sent_to_sign_in_and_back(client, wang_number, page):
    url = page.format(wang_number)
    response = client.get(url)
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/sign-in"
    assert query_of(response.location) == {"next": url}


def test_signed_out_withdraw_post_is_sent_to_sign_in_and_withdraws_nothing(client, wang_number,
                                                                           platform):
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    response = client.post(f"/my/applications/{wang_number}/withdraw", data={"csrf_token": token})
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/sign-in"
    assert platform.application(wang_number, WANG.id).status == "submitted"


def test_signed_out_answer_is_not_saved_to_anyones_draft(client, store):
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/apply/retirement/mobile",
                           data={"mobile": "13912345678", "csrf_token": token})
    assert urlsplit(response.location).path == "/sign-in"
    assert store.open_draft(ZHANG.id, "retirement") is None
    assert store.open_draft(WANG.id, "retirement") is None


# ---- no open redirect ------------------------------------------------------------------
OFF_SITE = ["//evil.example", "https://evil.example", "http://evil.example/path",
            "///evil.example", "/\\evil.example", "/\t/evil.example", "javascript:alert(1)",
            "evil.example", "https:evil.example"]


def assert_stays_on_site(location: str) -> None:
    parts = urlsplit(location)
    assert parts.scheme in ("", "http") and parts.netloc in ("", "localhost"), location
    assert not parts.path.startswith("//") and "\\" not in location, location
    assert "evil.example" not in parts.netloc


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_next_cannot_redirect_off_site(client, target):
    response = sign_in(client, ZHANG.mobile, ZHANG.password, next=target)
    assert response.status_code == 302
    assert_stays_on_site(response.location)


@pytest.mark.parametrize("target", [t for t in OFF_SITE if "\\" not in t])
def test_sign_in_with_an_off_site_next_goes_home(client, target):
    response = sign_in(client, ZHANG.mobile, ZHANG.password, next=target)
    assert path_of(response.location) == "/"
    html = client.get("/sign-in", query_string={"next": target}).get_data(as_text=True)
    assert input_value(html.split("<main", 1)[1], "next") == "/"


def test_sign_in_next_to_a_local_page_is_followed(client):
    response = sign_in(client, ZHANG.mobile, ZHANG.password, next="/services/retirement?x=1")
    assert path_of(response.location) == "/services/retirement?x=1"


def test_next_shown_back_on_the_sign_in_page_is_escaped(client):
    html = client.get("/sign-in", query_string={"next": '/"><script>alert(1)</script>'}
                      ).get_data(as_text=True)
    assert "<script>alert(1)" not in html
