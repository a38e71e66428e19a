"""Security headers on every route (taken from the URL map), the CSP nonce on our
scripts, no inline script or style anywhere, and the flags of every cookie we set."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.core.security import CSP, HEADERS, HSTS, STATIC_CSP
from conftest import WANG, ZHANG, csrf_token, post_with_csrf, sign_in_as

ROOT = Path(__file__).resolve().parent.parent
NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{20,})'")


def assert_security_headers(response, static: bool = False) -> None:
    """What every response carries (over plain HTTP: no HSTS). A static file runs
    nothing, so its policy allows nothing to load or run."""
    policy = response.headers.get("Content-Security-Policy", "")
    if static:
        assert policy == STATIC_CSP
    else:
        nonce = NONCE.search(policy)
        assert nonce and policy == CSP.format(nonce=nonce.group(1)), policy
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name
    assert "Strict-Transport-Security" not in response.headers


def test_the_policy_allows_only_our_own_files_and_no_inline_code():
    policy = dict(part.strip().split(" ", 1) for part in CSP.split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self' 'nonce-{nonce}'"
    assert policy["style-src"] == "'self'"
    assert "unsafe" not in CSP and "*" not in CSP and "http" not in CSP
    for directive, value in {"frame-ancestors": "'none'", "form-action": "'self'",
                             "base-uri": "'none'", "object-src": "'none'",
                             "media-src": "'self'", "connect-src": "'self'"}.items():
        assert policy[directive] == value, directive


# ---- every route ------------------------------------------------------------------------
ARGS = {"code": "retirement", "key": "full_name", "number": "YB20200101999999",
        "authorisation_id": "1", "script_id": "0" * 32, "n": "0", "filename": "css/yiban.css",
        "entry_id": "1", "supplement_id": "1", "message_id": "1"}


def every_route(app):
    """(method, URL) of each route of the URL map: GET where it can be, else POST."""
    for rule in app.url_map.iter_rules():
        method = "GET" if "GET" in rule.methods else "POST"
        args = {**ARGS, "code": "en"} if rule.endpoint == "account.language" else ARGS
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:[a-z]+:)?{name}>", args[name], url)
        yield rule.endpoint, method, url


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed in"])
def test_every_route_sends_the_security_headers(app, client, signed_in):
    if signed_in:
        sign_in_as(client, ZHANG)
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    seen = set()
    # Signing out last, so the rest is asked for by whoever the test is.
    routes = sorted(every_route(app), key=lambda route: route[0] == "account.sign_out_page")
    for endpoint, method, url in routes:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        assert response.status_code < 500, (endpoint, response.status_code)
        assert_security_headers(response, static=endpoint == "static")
        seen.add(endpoint)
    assert {"static", "catalogue.home", "account.sign_out_page"} <= seen


def test_error_pages_send_the_security_headers(client):
    assert_security_headers(client.get("/no-such-page"))
    assert_security_headers(client.post("/sign-in", data={}))  # no CSRF token: 400


# ---- the nonce ------------------------------------------------------------------------------
def test_each_response_has_its_own_nonce_and_every_script_carries_it(client):
    nonces = set()
    for _ in range(2):
        response = client.get("/")
        nonce = NONCE.search(response.headers["Content-Security-Policy"]).group(1)
        scripts = re.findall(r"<script\b[^>]*>", response.get_data(as_text=True))
        assert scripts
        for tag in scripts:
            assert f'nonce="{nonce}"' in tag and " src=" in tag, tag
        nonces.add(nonce)
    assert len(nonces) == 2


PAGES = ["/", "/search?q=tx", "/services/retirement", "/sign-in", "/signed-out", "/display",
         "/helper/sign-in", "/my/", "/my/helpers", "/my/helpers/new", "/my/access-log",
         "/apply/retirement/full_name", "/no-such-page"]


def test_no_page_has_inline_script_or_style(client):
    sign_in_as(client, WANG)
    for url in PAGES:
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script\b(?![^>]*\ssrc=)", html), url
        assert not re.search(r"<style\b|\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url  # event-handler attributes
        assert "javascript:" not in html, url


def test_no_template_has_inline_script_or_style():
    for template in (ROOT / "templates").rglob("*.html"):
        source = template.read_text(encoding="utf-8")
        assert not re.search(r"<style\b|\sstyle=|<script\b(?![^>]*\ssrc=)", source), template


def test_htmx_is_told_to_inject_no_style_and_evaluate_no_code(client):
    html = client.get("/").get_data(as_text=True)
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', html).group(1)
    assert '"includeIndicatorStyles": false' in config and '"allowEval": false' in config


# ---- over HTTPS ---------------------------------------------------------------------------
def test_over_https_hsts_is_sent_and_every_cookie_is_secure(app):
    client = app.test_client()
    https = {"base_url": "https://localhost"}
    response = client.get("/sign-in", **https)  # a form: a session (and its cookie)
    assert response.headers["Strict-Transport-Security"] == HSTS
    cookies = [
        client.get("/language/en?next=/", **https).headers["Set-Cookie"],
        client.post("/display", data={"text_size": "large"},
                    headers={"Referer": "https://localhost/display"}, **https).headers["Set-Cookie"],
        response.headers["Set-Cookie"],
    ]
    for cookie in cookies:
        assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def test_behind_a_proxy_that_ends_https_the_setting_makes_cookies_secure(monkeypatch, tmp_path):
    from conftest import _dispose, _make_app
    app = _make_app(monkeypatch, tmp_path, SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/sign-in")  # a form: a session (and its cookie)
    assert response.headers["Strict-Transport-Security"] == HSTS
    assert "; Secure" in response.headers["Set-Cookie"]
    _dispose(app)


def test_over_plain_http_cookies_are_httponly_and_lax_but_not_secure(client):
    response = client.get("/language/en?next=/")
    cookie = response.headers["Set-Cookie"]
    assert "; HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


# ---- caching -------------------------------------------------------------------------------
def test_pages_for_someone_signed_in_are_never_stored(client):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    sign_in_as(client, WANG)
    for url in ("/", "/my/", "/my/access-log"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    assert "no-store" not in client.get("/static/css/yiban.css").headers["Cache-Control"]


def test_a_post_answered_with_a_redirect_carries_the_headers_too(client):
    sign_in_as(client, WANG)
    response = client.post("/display/elder", data={"on": "1"})
    assert response.status_code == 302
    assert_security_headers(response)
