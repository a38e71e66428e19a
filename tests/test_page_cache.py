"""Anonymous pages kept whole (app/core/page_cache.py): a repeated anonymous GET is
answered without running the view, and nothing of one visitor reaches another."""
from __future__ import annotations

import re

import brotli
import pytest

from conftest import ZHANG, csrf_token, h1s, html_lang, post_with_csrf, sign_in_as

NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{20,})'")
PAGES = ["/", "/services/retirement"]


@pytest.fixture
def views_run(app):
    """How many times the home and service views ran (a page from the cache runs none)."""
    runs = []
    for endpoint in ("catalogue.home", "catalogue.service", "speech.help"):
        view = app.view_functions[endpoint]
        app.view_functions[endpoint] = (
            lambda view=view, endpoint=endpoint, **kw: (runs.append(endpoint), view(**kw))[1])
    return runs


def visitor(app):
    """A new browser: no cookies at all."""
    return app.test_client()


def nonce_of(response) -> str:
    nonce = NONCE.search(response.headers["Content-Security-Policy"]).group(1)
    for tag in re.findall(r"<script\b[^>]*>", response.get_data(as_text=True)):
        assert f'nonce="{nonce}"' in tag, tag
    return nonce


def without_nonce(html: str) -> str:
    return re.sub(r'nonce="[^"]+"', 'nonce=""', html)


@pytest.mark.parametrize("url", [*PAGES, "/speech/help"])
def test_a_repeated_anonymous_page_is_answered_without_running_its_view(app, views_run, url):
    first = visitor(app).get(url)
    runs = len(views_run)
    second = visitor(app).get(url)
    assert runs == 1 and len(views_run) == 1
    assert second.status_code == 200
    assert without_nonce(second.get_data(as_text=True)) == \
        without_nonce(first.get_data(as_text=True))
    same = {"Content-Type", "Vary", "X-Frame-Options", "Referrer-Policy",
            "Permissions-Policy", "Cross-Origin-Opener-Policy", "X-Content-Type-Options"}
    assert {h: second.headers.get(h) for h in same} == {h: first.headers.get(h) for h in same}
    assert "Set-Cookie" not in second.headers


def test_two_visitors_never_share_a_nonce_or_a_request_id(app):
    answers = [visitor(app).get("/") for _ in range(3)]
    nonces = {nonce_of(answer) for answer in answers}
    assert len(nonces) == 3
    assert len({answer.headers["X-Request-ID"] for answer in answers}) == 3
    supplied = visitor(app).get("/", headers={"X-Request-ID": "proxy-42"})
    assert supplied.headers["X-Request-ID"] == "proxy-42"


def test_a_kept_page_is_compressed_for_a_browser_that_accepts_it(app):
    plain = visitor(app).get("/")
    packed = visitor(app).get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "br"
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)
    html = brotli.decompress(packed.data).decode()
    nonce = NONCE.search(packed.headers["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}"' in html
    assert without_nonce(html) == without_nonce(plain.get_data(as_text=True))


def test_a_visitor_with_a_session_never_gets_a_kept_page_nor_leaves_their_token(
        app, views_run):
    visitor(app).get("/")  # kept
    # This visitor has a session (a form token from the sign-in page): htmx's header on
    # the home page carries their token.
    holder = visitor(app)
    token = csrf_token(holder.get("/sign-in").get_data(as_text=True))
    own = holder.get("/").get_data(as_text=True)
    assert len(views_run) == 2
    assert "X-CSRFToken" in own
    for _ in range(2):
        other = visitor(app).get("/").get_data(as_text=True)
        assert "X-CSRFToken" not in other and token not in other


def test_a_flash_message_is_shown_to_its_visitor_only(app):
    """长辈版's button leaves a message for the next page: only in that browser."""
    elder_cookie = None
    presser = visitor(app)
    presser.post("/display/elder", data={"on": "1", "next": "/"})
    elder_cookie = presser.get_cookie("yiban_display").value
    own = presser.get("/").get_data(as_text=True)
    assert 'role="status"' in own
    for _ in range(2):  # the same display cookie, no session: the kept page, no message
        other = visitor(app)
        other.set_cookie("yiban_display", elder_cookie)
        page = other.get("/").get_data(as_text=True)
        assert 'role="status"' not in page and "site-menu" in page
    assert 'role="status"' not in presser.get("/").get_data(as_text=True)  # shown once


def test_a_signed_in_citizen_never_gets_the_anonymous_page(app, views_run):
    for _ in range(2):
        visitor(app).get("/")
    citizen = visitor(app)
    sign_in_as(citizen, ZHANG)
    for url in PAGES:
        page = citizen.get(url)
        assert ZHANG.name in page.get_data(as_text=True), url
        assert page.headers["Cache-Control"] == "no-store"
    # … nor leaves their page for anyone after them.
    for url in PAGES:
        assert ZHANG.name not in visitor(app).get(url).get_data(as_text=True)


@pytest.mark.parametrize("headers, cookie, lang", [
    ({}, None, "zh-Hans-CN"),
    ({"Accept-Language": "zh-TW"}, None, "zh-Hant"),
    ({"Accept-Language": "en"}, None, "en"),
    ({}, "ug", "ug"),
    ({"Accept-Language": "zh-TW"}, "en", "en"),
])
def test_each_language_gets_its_own_page(app, headers, cookie, lang):
    for _ in range(2):  # the second from the cache
        browser = visitor(app)
        if cookie:
            browser.set_cookie("yiban_lang", cookie)
        for url in PAGES:
            assert html_lang(browser.get(url, headers=headers).get_data(as_text=True)) == lang


def test_the_language_switch_gives_the_new_language_at_once(app):
    browser = visitor(app)
    assert html_lang(browser.get("/").get_data(as_text=True)) == "zh-Hans-CN"
    browser.get("/language/en?next=/")
    assert html_lang(browser.get("/").get_data(as_text=True)) == "en"
    assert html_lang(visitor(app).get("/").get_data(as_text=True)) == "zh-Hans-CN"


def test_each_display_mode_gets_its_own_page(app):
    standard = visitor(app).get("/").get_data(as_text=True)
    elder = visitor(app)
    elder.set_cookie("yiban_display", "elder=1")
    for _ in range(2):
        page = elder.get("/").get_data(as_text=True)
        assert "site-menu" in page
    assert "site-menu" not in standard
    assert "site-menu" not in visitor(app).get("/").get_data(as_text=True)


def test_an_htmx_request_is_kept_apart_from_a_page_load(app):
    visitor(app).get("/")
    htmx = visitor(app).get("/", headers={"HX-Request": "true"})
    plain = visitor(app).get("/")
    assert htmx.status_code == plain.status_code == 200


def test_a_catalogue_change_shows_at_once(app, platform):
    from app.platform.embedded.models import ServiceRow

    for _ in range(2):
        assert "退休一件事（新）" not in visitor(app).get("/services/retirement").get_data(as_text=True)
        visitor(app).get("/")
    with platform.db.session() as s:
        row = s.get(ServiceRow, "retirement")
        row.doc = {**row.doc, "name": "退休一件事（新）"}
    assert "退休一件事（新）" in h1s(visitor(app).get("/services/retirement").get_data(as_text=True))[0]
    assert "退休一件事（新）" in visitor(app).get("/").get_data(as_text=True)


def test_with_speech_on_each_visitor_gets_their_own_reading_script(app):
    scripts = set()
    for _ in range(2):
        browser = visitor(app)
        browser.set_cookie("yiban_display", "speech=1")
        page = browser.get("/services/retirement").get_data(as_text=True)
        scripts |= set(re.findall(r"/speech/([0-9a-f]{32})[./]", page))
    assert len(scripts) == 2


def test_error_pages_and_other_methods_are_not_kept(app, views_run):
    for _ in range(2):
        assert visitor(app).get("/services/no-such-service").status_code == 404
        assert visitor(app).head("/").status_code == 200
    assert views_run.count("catalogue.service") == 2


def test_the_cache_is_bounded(app, views_run):
    cache = app.extensions["page_cache"]
    cache.pages = type(cache.pages)(maxsize=30_000, getsizeof=cache.pages.getsizeof)
    urls = ["/services/retirement", "/services/elderly-allowance", "/", "/services/retirement"]
    for url in urls:
        visitor(app).get(url)
    assert cache.pages.currsize <= 30_000
    assert views_run.count("catalogue.service") == 3  # retirement was let go, rendered again


def test_it_can_be_turned_off(monkeypatch, tmp_path, _seeded_data):
    from conftest import _make_app
    off = _make_app(monkeypatch, tmp_path, PAGE_CACHE_MB=0)
    runs = []
    view = off.view_functions["catalogue.home"]
    off.view_functions["catalogue.home"] = lambda: (runs.append(1), view())[1]
    for _ in range(2):
        off.test_client().get("/")
    assert len(runs) == 2
