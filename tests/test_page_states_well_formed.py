"""Every page state of bundles, licence facts, department parts, supplements,
messages and ratings is well formed: one <h1>, the branded title (with "错误：" when the
page shows errors), no inline script or style, and nothing of the citizen's answered
by the page is lost. The same URLs are the states the browser audit should cover."""
from __future__ import annotations

import io
import re

import pytest

from conftest import (BRAND, DEFAULT_LOCALE, PNG_BYTES, ZHANG, apply_and_submit, csrf_token, h1s,
                      html_lang, run_background_jobs, sign_in_as, title, translate)


@pytest.fixture(scope="module")
def site(module_app):
    """张建国 with a bundle in progress (parts moved, one refused, a request for more
    open, one answered), a finished application, messages, and a draft at check answers."""
    app = module_app
    platform = app.extensions["platform"]
    client = app.test_client()
    sign_in_as(client, ZHANG)
    every = {"matters": {"matters": ["housing_fund", "only_child_reward"]}}
    number = apply_and_submit(client, app, "retirement", every)
    platform.advance(number)
    platform.advance(number, part="医保")
    platform.advance(number, "未查到独生子女登记记录", part="卫健")
    open_ = platform.raise_supplement(number, "医保", "请补充工作证明", None, True)
    answered = platform.raise_supplement(number, "公安", "请确认户籍地址")
    platform.answer_supplement(number, ZHANG.id, answered.id, {"text": "地址无误"})
    finished = apply_and_submit(client, app, "remote-medical-filing")
    while platform.advance(finished):
        pass
    from conftest import walk_service
    walk_service(client, app, "retirement", every)  # a draft at check answers
    run_background_jobs(app)
    message = app.extensions["messages"].messages_of(ZHANG.id)[0]
    return {"app": app, "client": client, "number": number, "open": open_.id,
            "answered": answered.id, "finished": finished, "message": message.id}


PAGES = {
    "matters page": "/apply/retirement/matters",
    "licence fact: name": "/apply/retirement/full_name",
    "licence fact: bank card": "/apply/retirement/bank_account",
    "correcting a licence fact": "/apply/retirement/bank_account?correct=1",
    "check answers by topic": "/apply/retirement/check",
    "disability: what the card is for": "/apply/disability/card_need",
    "service page naming own licences": "/services/retirement",
    "my applications with a request": "/my/",
    "detail with parts and a request": "/my/applications/{number}",
    "detail after answering": "/my/applications/{number}?answered={answered}",
    "supplement to answer": "/my/applications/{number}/supplements/{open}",
    "supplement answered": "/my/applications/{number}/supplements/{answered}",
    "rating": "/my/applications/{finished}/rating",
    "detail asking for a rating": "/my/applications/{finished}",
    "messages": "/my/messages/",
    "one message": "/my/messages/{message}",
}


def assert_well_formed(html: str, errors: bool = False) -> None:
    assert len(h1s(html)) == 1, h1s(html)
    assert html_lang(html) == DEFAULT_LOCALE.replace("_", "-")
    assert title(html).endswith(f" – {BRAND[DEFAULT_LOCALE]}"), title(html)
    assert title(html).startswith("错误：") is errors, title(html)
    assert not re.search(r"<style\b|\sstyle=|<script(?![^>]*\bsrc=)", html)


@pytest.mark.parametrize("name", PAGES)
def test_page_state_is_well_formed(site, name):
    response = site["client"].get(PAGES[name].format(**site))
    assert response.status_code == 200, response.status_code
    assert_well_formed(response.get_data(as_text=True))


def post(site, url, data):
    client = site["client"]
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token(page), **data},
                       content_type="multipart/form-data")


ERROR_STATES = {
    "supplement: nothing sent": ("/my/applications/{number}/supplements/{open}", {}),
    "supplement: wrong file": ("/my/applications/{number}/supplements/{open}",
                               {"answer": "见附件", "upload": (b"MZ\x90", "a.exe")}),
    "rating: no level": ("/my/applications/{finished}/rating", {"comment": "还行"}),
    "correction: wrong card number": ("/apply/retirement/bank_account?correct=1",
                                      {"bank_account": "62220"}),
}


@pytest.mark.parametrize("name", ERROR_STATES)
def test_error_state_is_well_formed(site, name):
    url, data = ERROR_STATES[name]
    data = {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in data.items()}
    response = post(site, url.format(**site), data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_well_formed(html, errors=True)
    assert 'class="error-summary"' in html and "autofocus" in html


def test_a_kept_file_state_is_well_formed(site):
    url = PAGES["supplement to answer"].format(**site)
    response = post(site, url, {"answer": "长" * 1001, "upload": (io.BytesIO(PNG_BYTES), "a.png")})
    html = response.get_data(as_text=True)
    assert_well_formed(html, errors=True)
    assert 'class="stored-file"' in html


def test_the_header_count_is_on_every_page_for_the_citizen(site):
    html = site["client"].get("/").get_data(as_text=True)
    assert re.search(r'href="/my/messages/"[^>]*>[^<]*\d', html)
    assert translate(site["app"], "Sign out") in html
