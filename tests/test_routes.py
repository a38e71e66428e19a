"""Every route through the test client: what it answers, where it sends you, and that
every page is well formed (one <h1>, a branded <title>, the right `lang`)."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest

import app.account.sign_in as sign_in_module
import app.core.front_store as front_store_module
from conftest import (BRAND, CHEN, DEFAULT_LOCALE, WANG, ZHANG, Clock, apply_and_submit,
                      csrf_token, error_summary_links, h1s, html_lang, input_value, path_of,
                      post_with_csrf, seed_catalogue, seed_prefill, sign_in, sign_in_as,
                      text_of, title, translate)

CATALOGUE = seed_catalogue()
SERVICE_CODES = [code for code, _questions in CATALOGUE]
IDENTIFIER_TYPES = ("id_number", "mobile", "bank_account")
WAIT = ("Too many tries. Wait %(num)d second, then try again.",
        "Too many tries. Wait %(num)d seconds, then try again.")


def assert_well_formed(html: str, locale: str = DEFAULT_LOCALE) -> None:
    """One <h1>, `lang` on <html>, and a <title> ending with the brand."""
    assert len(h1s(html)) == 1, h1s(html)
    assert html_lang(html) == locale.replace("_", "-")
    assert title(html).endswith(f" – {BRAND[locale]}"), title(html)


def card_links(html: str) -> list[str]:
    """The service codes a list of result cards links to, in order."""
    return re.findall(r'class="card__title"><a href="/services/([^"]+)"', html)


# ---- a site with something in it, shared by the read-only page checks --------------
@pytest.fixture(scope="module")
def site(module_app):
    """张建国 signed in, with a fresh application, one sent 11 minutes ago (too late to
    withdraw) and an unfinished draft."""
    app = module_app
    platform = app.extensions["platform"]
    client = app.test_client()
    sign_in_as(client, ZHANG)
    real_clock = platform.clock
    platform.clock = Clock(real_clock() - timedelta(minutes=11))
    old = apply_and_submit(client, app, "elderly-allowance")
    platform.clock = real_clock
    recent = apply_and_submit(client, app, "retirement")
    client.get("/apply/remote-medical-filing")  # starts a draft
    return {"app": app, "client": client, "recent": recent, "old": old,
            "anonymous": app.test_client()}


SIGNED_IN_PAGES = {
    "home": "/",
    "search form": "/search",
    "search results": "/search?q=退休",
    "search without results": "/search?q=火星",
    **{f"service {code}": f"/services/{code}" for code in SERVICE_CODES},
    "sign-in": "/sign-in",
    "signed out": "/signed-out",
    "my applications": "/my/",
    "check answers": "/apply/remote-medical-filing/check",
    "confirmation": "/my/applications/{recent}/confirmation",
    "application detail": "/my/applications/{recent}",
    "withdraw": "/my/applications/{recent}/withdraw",
    "withdraw refused": "/my/applications/{old}/withdraw",
    "old application detail": "/my/applications/{old}",
}


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_signed_in_page_is_well_formed(site, name):
    url = SIGNED_IN_PAGES[name].format(**site)
    response = site["client"].get(url)
    assert response.status_code == 200
    assert_well_formed(response.get_data(as_text=True))


@pytest.mark.parametrize("url", ["/", "/search?q=tx", "/services/retirement", "/sign-in",
                                 "/sign-in?expired=1&next=/my/", "/signed-out"])
def test_signed_out_page_is_well_formed(site, url):
    response = site["anonymous"].get(url)
    assert response.status_code == 200
    assert_well_formed(response.get_data(as_text=True))


QUESTION_PAGES = [pytest.param(code, q["key"], id=f"{code}/{q['key']}")
                  for code, questions in CATALOGUE for q in questions]


@pytest.mark.parametrize("code, key", QUESTION_PAGES)
def test_every_question_page_opens_with_its_question_as_the_h1(site, code, key):
    response = site["client"].get(f"/apply/{code}/{key}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_well_formed(html)
    label = site["app"].extensions["platform"].form_schema(code, DEFAULT_LOCALE)
    label = next(q.label for q in label if q.key == key)
    assert label in h1s(html)[0]
    assert title(html).startswith(f"{label} – ")


def test_question_page_with_errors_has_the_error_prefix_in_its_title(site):
    client = site["client"]
    response = post_with_csrf(client, "/apply/retirement/mobile", {"mobile": "123"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert_well_formed(html)
    assert title(html).startswith("错误：")
    assert title(html).startswith(translate(site["app"], "Error:"))


@pytest.mark.parametrize("code, key", [
    (code, q["key"]) for code, questions in CATALOGUE for q in questions
    if q["type"] in IDENTIFIER_TYPES and seed_prefill(ZHANG.id, q.get("prefill")) is None])
def test_identifier_question_with_nothing_to_prefill_opens_empty(site, code, key):
    # e.g. the child's ID number: nothing the platform knows about 张建国 fills it
    response = site["client"].get(f"/apply/{code}/{key}")
    assert response.status_code == 200
    assert input_value(response.get_data(as_text=True), key) == ""


def test_question_page_without_errors_has_no_error_prefix(site):
    html = site["client"].get("/apply/retirement/mobile").get_data(as_text=True)
    assert not title(html).startswith("错误")


def test_check_answers_with_missing_answers_has_the_error_prefix(site):
    client = site["client"]
    html = client.get("/apply/remote-medical-filing/check").get_data(as_text=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', html).group(1)
    response = client.post("/apply/remote-medical-filing/check",
                           data={"csrf_token": csrf_token(html), "submission_key": key})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert_well_formed(html)
    assert title(html).startswith("错误：")


def test_sign_in_with_errors_has_the_error_prefix(site):
    client = site["app"].test_client()
    html = sign_in(client, ZHANG.mobile, "not-the-password").get_data(as_text=True)
    assert_well_formed(html)
    assert title(html).startswith("错误：")


def test_not_found_page_is_well_formed(site):
    response = site["client"].get("/services/no-such-service")
    assert response.status_code == 404
    assert_well_formed(response.get_data(as_text=True))


def test_expired_form_page_is_well_formed(site):
    client = site["app"].test_client()
    response = client.post("/sign-in", data={"csrf_token": "stale", "login": ZHANG.mobile,
                                             "password": ZHANG.password})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert_well_formed(html)
    assert translate(site["app"], "This page had expired") in text_of(html)


def test_too_large_upload_page_is_well_formed(client, app):
    sign_in_as(client, ZHANG)
    page = client.get("/apply/retirement/only_child_certificate").get_data(as_text=True)
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = client.post("/apply/retirement/only_child_certificate", data={
        "csrf_token": csrf_token(page),
        "only_child_certificate": (io.BytesIO(b"\0" * 5000), "big.png")})
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert_well_formed(html)
    assert translate(app, "The file is too large") in h1s(html)[0]


@pytest.mark.parametrize("url", ["/", "/services/retirement", "/sign-in", "/search?q=tx"])
def test_english_page_is_well_formed_with_the_english_brand(site, url):
    client = site["app"].test_client()
    client.set_cookie("yiban_lang", "en")
    response = client.get(url)
    assert response.status_code == 200
    assert_well_formed(response.get_data(as_text=True), "en")


# ---- catalogue ---------------------------------------------------------------------
def test_home_lists_every_service_of_the_catalogue(client):
    html = client.get("/").get_data(as_text=True)
    for code in SERVICE_CODES:
        assert f'href="/services/{code}"' in html


def test_home_shows_the_bundles_first(client, platform):
    html = client.get("/").get_data(as_text=True)
    bundles = [s.code for s in platform.services(DEFAULT_LOCALE) if s.is_bundle]
    assert card_links(html) == bundles


@pytest.mark.parametrize("query", ["tx", "tuixiu", "退休", "TuiXiu"],
                         ids=["initials", "pinyin", "hanzi", "mixed-case-pinyin"])
def test_search_finds_retirement_first(client, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert card_links(response.get_data(as_text=True))[0] == "retirement"


def test_search_by_keyword_finds_the_service(client):
    html = client.get("/search", query_string={"q": "改手机号"}).get_data(as_text=True)
    assert card_links(html) == ["resident-info-change"]


def test_search_without_matches_says_so_and_links_to_all_services(client, app):
    html = client.get("/search", query_string={"q": "火星"}).get_data(as_text=True)
    assert card_links(html) == []
    assert translate(app, "See all services") in text_of(html)


def test_search_query_is_shown_escaped(client):
    html = client.get("/search", query_string={"q": "<script>x</script>"}).get_data(as_text=True)
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


@pytest.mark.parametrize("code", SERVICE_CODES)
def test_service_page_shows_the_service_and_a_start_link(client, platform, code):
    response = client.get(f"/services/{code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    service = platform.service(code, DEFAULT_LOCALE)
    assert service.name in h1s(html)[0]
    assert service.summary in html
    assert f'href="/apply/{code}"' in html


def test_unknown_service_page_is_not_found(client, app):
    response = client.get("/services/no-such-service")
    assert response.status_code == 404
    assert translate(app, "Page not found") in h1s(response.get_data(as_text=True))[0]


def test_static_stylesheet_is_served(client):
    response = client.get("/static/css/yiban.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    response.close()


# ---- sign in and out ---------------------------------------------------------------
def test_sign_in_page_offers_login_and_password_and_no_puzzle(client):
    html = client.get("/sign-in").get_data(as_text=True)
    assert input_value(html, "login") == ""
    assert 'type="password"' in html
    assert "captcha" not in html.lower()


def test_sign_in_with_mobile_goes_to_next_and_shows_who_is_signed_in(client, app):
    response = sign_in(client, ZHANG.mobile, ZHANG.password, next="/my/")
    assert response.status_code == 302
    assert path_of(response.location) == "/my/"
    html = client.get("/my/").get_data(as_text=True)
    assert translate(app, "Signed in as %(name)s", name=ZHANG.name) in text_of(html)


def test_sign_in_with_id_number_in_lower_case_works(client):
    response = sign_in(client, CHEN.id_number.lower(), CHEN.password)
    assert response.status_code == 302
    assert client.get("/my/").status_code == 200


def test_wrong_password_says_so_and_keeps_the_login_but_not_the_password(client, app):
    response = sign_in(client, ZHANG.mobile, "yiban-demo-2")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    message = translate(app, "The mobile number, ID number or password is not right. "
                             "Check them and try again.")
    assert error_summary_links(html) == [("password", message)]
    assert input_value(html, "login") == ZHANG.mobile
    assert input_value(html, "password") in ("", None)
    assert "yiban-demo-2" not in html
    assert client.get("/my/").status_code == 302


def test_blank_sign_in_asks_for_both_fields(client, app):
    html = post_with_csrf(client, "/sign-in", {"login": "", "password": ""}).get_data(as_text=True)
    assert error_summary_links(html) == [
        ("login", translate(app, "Enter your mobile number or ID number")),
        ("password", translate(app, "Enter your password"))]


def test_sign_in_without_csrf_token_is_refused(client):
    response = client.post("/sign-in", data={"login": ZHANG.mobile, "password": ZHANG.password})
    assert response.status_code == 400
    assert client.get("/my/").status_code == 302


@pytest.fixture
def front_clock(monkeypatch):
    """The front's clock (sign-in throttling), under the test's control."""
    clock = Clock()
    monkeypatch.setattr(sign_in_module, "utcnow", clock)
    monkeypatch.setattr(front_store_module, "utcnow", clock)
    return clock


def test_three_wrong_passwords_make_the_next_try_wait_even_with_the_right_one(client, app,
                                                                             front_clock):
    for _ in range(3):
        sign_in(client, ZHANG.mobile, "wrong")
    response = sign_in(client, ZHANG.mobile, ZHANG.password)
    assert response.status_code == 200
    assert error_summary_links(response.get_data(as_text=True)) == [
        ("login", translate(app, *WAIT, 5))]
    assert client.get("/my/").status_code == 302


def test_after_the_wait_the_right_password_signs_in(client, front_clock):
    for _ in range(3):
        sign_in(client, ZHANG.mobile, "wrong")
    front_clock.advance(seconds=6)
    response = sign_in(client, ZHANG.mobile, ZHANG.password)
    assert response.status_code == 302
    assert client.get("/my/").status_code == 200


def test_many_failures_never_lock_out_the_wait_is_at_most_five_minutes(client, app,
                                                                      front_clock):
    for _ in range(12):
        sign_in(client, ZHANG.mobile, "wrong")
        front_clock.advance(seconds=400)  # let every try count
    sign_in(client, ZHANG.mobile, "wrong")
    html = sign_in(client, ZHANG.mobile, ZHANG.password).get_data(as_text=True)
    assert translate(app, *WAIT, 300) in text_of(html)
    front_clock.advance(seconds=301)
    assert sign_in(client, ZHANG.mobile, ZHANG.password).status_code == 302


def test_failures_for_one_login_do_not_slow_down_another(client, front_clock):
    for _ in range(5):
        sign_in(client, ZHANG.mobile, "wrong")
    assert sign_in(client, WANG.mobile, WANG.password).status_code == 302


def test_a_successful_sign_in_starts_the_count_again(client, app, front_clock):
    for _ in range(2):
        sign_in(client, ZHANG.mobile, "wrong")
    assert sign_in(client, ZHANG.mobile, ZHANG.password).status_code == 302
    wrong = translate(app, "The mobile number, ID number or password is not right. "
                           "Check them and try again.")
    for _ in range(2):
        html = sign_in(client, ZHANG.mobile, "wrong").get_data(as_text=True)
        assert error_summary_links(html) == [("password", wrong)]  # no wait
    assert sign_in(client, ZHANG.mobile, ZHANG.password).status_code == 302


def test_sign_out_ends_the_session_and_says_so(client, app):
    sign_in_as(client, ZHANG)
    response = post_with_csrf(client, "/sign-out", page="/")
    assert response.status_code == 302
    assert path_of(response.location) == "/signed-out"
    html = client.get("/signed-out").get_data(as_text=True)
    assert translate(app, "You have signed out") in h1s(html)[0]
    assert client.get("/my/").status_code == 302


def test_sign_out_is_not_a_get(client):
    sign_in_as(client, ZHANG)
    assert client.get("/sign-out").status_code == 405
    assert client.get("/my/").status_code == 200


def test_sign_out_with_a_stale_token_shows_the_expired_page_and_stays_signed_in(client, app):
    sign_in_as(client, ZHANG)
    response = client.post("/sign-out", data={"csrf_token": "stale"})
    assert response.status_code == 400
    assert translate(app, "This page had expired") in h1s(response.get_data(as_text=True))[0]
    assert client.get("/my/").status_code == 200


# ---- language ----------------------------------------------------------------------
def test_language_switch_sets_a_cookie_and_returns_to_the_same_page(client):
    response = client.get("/language/en?next=/services/retirement")
    assert response.status_code == 302
    assert path_of(response.location) == "/services/retirement"
    assert "yiban_lang=en" in response.headers["Set-Cookie"]
    html = client.get("/services/retirement").get_data(as_text=True)
    assert html_lang(html) == "en"
    assert "Retirement" in h1s(html)[0]


def test_switching_back_to_chinese(client):
    client.get("/language/en?next=/")
    client.get("/language/zh_Hans_CN?next=/")
    assert html_lang(client.get("/").get_data(as_text=True)) == "zh-Hans-CN"


def test_language_link_on_a_page_returns_to_that_page_with_its_query(client):
    html = client.get("/search", query_string={"q": "退休"}).get_data(as_text=True)
    href = re.search(r'href="(/language/en\?[^"]+)"', html).group(1)
    response = client.get(unescape_href(href))
    assert unquote(path_of(response.location)) == "/search?q=退休"
    assert html_lang(client.get(response.location).get_data(as_text=True)) == "en"


def unescape_href(href: str) -> str:
    return href.replace("&amp;", "&")


def test_english_page_marks_chinese_only_content_with_its_language(client):
    client.set_cookie("yiban_lang", "en")
    html = client.get("/services/retirement").get_data(as_text=True)
    assert '<span lang="zh-Hans-CN">企业职工基本养老保险待遇申领</span>' in html
    assert '<h1>Retirement</h1>' in html


def test_chinese_page_does_not_mark_chinese_content(client):
    html = client.get("/services/retirement").get_data(as_text=True)
    assert "<span>企业职工基本养老保险待遇申领</span>" in html
    assert 'lang="zh-Hans-CN">企业' not in html


def test_unknown_language_is_not_found(client):
    assert client.get("/language/fr?next=/").status_code == 404


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/"])
def test_language_switch_never_leaves_the_site(client, target):
    response = client.get("/language/en", query_string={"next": target})
    assert response.status_code == 302
    assert path_of(response.location) == "/"


@pytest.mark.parametrize("header, lang", [
    ("en-GB,en;q=0.9", "en"), ("en", "en"), ("zh-CN,zh;q=0.9,en;q=0.5", "zh-Hans-CN"),
    ("fr-FR", "zh-Hans-CN"),
])
def test_accept_language_is_honoured_without_a_cookie(client, header, lang):
    html = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert html_lang(html) == lang


def test_chosen_language_beats_accept_language(client):
    client.set_cookie("yiban_lang", "zh_Hans_CN")
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_lang(html) == "zh-Hans-CN"


# ---- applying needs a sign-in ------------------------------------------------------
def test_start_redirects_signed_out_user_to_sign_in_and_back(client):
    response = client.get("/apply/retirement")
    assert response.status_code == 302
    assert path_of(response.location) == "/sign-in?next=/apply/retirement"
    response = sign_in(client, ZHANG.mobile, ZHANG.password, next="/apply/retirement")
    assert path_of(response.location) == "/apply/retirement"
    response = client.get("/apply/retirement")
    # A bundle starts with the page that chooses its optional matters.
    assert path_of(response.location) == "/apply/retirement/matters"


def test_start_link_of_the_service_page_leads_to_the_first_question(client):
    sign_in_as(client, ZHANG)
    response = client.get("/apply/elderly-allowance")
    assert path_of(response.location) == "/apply/elderly-allowance/full_name"


@pytest.mark.parametrize("url", ["/apply/no-such-service", "/apply/no-such-service/full_name",
                                 "/apply/retirement/no_such_question",
                                 "/apply/no-such-service/check",
                                 "/my/applications/YB20261126000001",
                                 "/my/applications/YB20261126000001/confirmation",
                                 "/my/applications/YB20261126000001/withdraw"])
def test_unknown_service_question_or_application_is_not_found(client, app, url):
    sign_in_as(client, ZHANG)
    response = client.get(url)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert translate(app, "Page not found") in h1s(html)[0]
    assert_well_formed(html)


# ---- inline validation (htmx) --------------------------------------------------------
def test_inline_validation_returns_the_same_message_as_on_submit(client, app):
    sign_in_as(client, ZHANG)
    token = csrf_token(client.get("/apply/retirement/mobile").get_data(as_text=True))
    response = client.post("/apply/retirement/mobile/validate", data={"mobile": "123"},
                           headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert translate(app, "A mobile number has 11 digits") in fragment
    assert "<html" not in fragment


@pytest.mark.parametrize("data", [{"mobile": ""}, {"mobile": "13800000001"}])
def test_inline_validation_is_silent_for_blank_or_valid_answers(client, app, data):
    sign_in_as(client, ZHANG)
    token = csrf_token(client.get("/apply/retirement/mobile").get_data(as_text=True))
    response = client.post("/apply/retirement/mobile/validate", data=data,
                           headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 200
    assert "error-message" not in response.get_data(as_text=True)


def test_inline_validation_needs_a_sign_in_and_a_token(client):
    assert client.post("/apply/retirement/mobile/validate", data={"mobile": "1"}).status_code == 400
    sign_in_as(client, ZHANG)
    token = csrf_token(client.get("/my/").get_data(as_text=True))
    post_with_csrf(client, "/sign-out", page="/")
    response = client.post("/apply/retirement/mobile/validate", data={"mobile": "1"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 401
