"""What a page costs: platform calls counted on the real embedded platform, and static
files served without the app (no session, no database, no platform)."""
from __future__ import annotations

import re

from conftest import ZHANG, sign_in_as
from sqlalchemy import event

# Reads about a person (or for a person's page) as opposed to the shared catalogue.
PER_PERSON = {"person", "helper", "find_helper", "applications_of", "application",
              "authenticate", "authenticate_helper", "supplements_due"}


class CountingPlatform:
    """The real platform, with each call written down (not a mock: every call goes
    through to the embedded platform)."""

    def __init__(self, real):
        self._real = real
        self.calls: list[str] = []

    def __getattr__(self, name):
        attr = getattr(self._real, name)
        if not callable(attr):
            return attr

        def counted(*args, **kwargs):
            self.calls.append(name)
            return attr(*args, **kwargs)
        return counted


def count_sql(app) -> list[str]:
    statements: list[str] = []
    engines = [app.extensions["front_store"].db.engine, app.extensions["platform"].db.engine]
    for engine in engines:
        event.listen(engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *a: statements.append(statement))
    return statements


def test_a_signed_in_question_page_makes_at_most_one_platform_call_for_the_person(app, client):
    counting = app.extensions["platform"] = CountingPlatform(app.extensions["platform"])
    sign_in_as(client, ZHANG)
    client.get("/apply/retirement")
    url = "/apply/retirement/full_name"
    assert client.get(url).status_code == 200  # the catalogue is in memory after this
    for _ in range(3):
        counting.calls.clear()
        response = client.get(url)
        assert response.status_code == 200
        per_person = [c for c in counting.calls if c in PER_PERSON]
        assert len(per_person) <= 1, counting.calls
        # The catalogue comes from memory: at most its version is asked (and the
        # shared event feed, which the message centre reads before a signed-in page).
        assert set(counting.calls) - PER_PERSON <= {"catalogue_version", "feed"}, \
            counting.calls


def test_the_catalogue_is_asked_again_when_its_version_changes(app, client):
    from app.platform.embedded.models import ServiceRow

    name = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
    before = client.get("/services/retirement").get_data(as_text=True)
    platform = app.extensions["platform"]
    with platform.db.session() as s:
        row = s.get(ServiceRow, "retirement")
        row.doc = {**row.doc, "name": "退休一件事（新）"}
    after = client.get("/services/retirement").get_data(as_text=True)
    assert name.search(before).group(1) != name.search(after).group(1)
    assert "退休一件事（新）" in name.search(after).group(1)


def test_static_files_touch_no_session_database_or_platform(app, client):
    sign_in_as(client, ZHANG)
    page = client.get("/").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert len(assets) >= 3
    counting = app.extensions["platform"] = CountingPlatform(app.extensions["platform"])
    statements = count_sql(app)
    hooks = []
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: hooks.append(1))
    for asset in assets:
        response = client.get(asset, headers={"Accept-Encoding": "br, gzip"})
        assert response.status_code == 200, asset
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Cookie" not in response.headers.get("Vary", "")
        assert "Set-Cookie" not in response.headers
        assert response.headers.get("Content-Encoding") in ("br", "gzip")
        # Never revalidated, read by no other site: bytes not sent (page weight).
        for needless in ("ETag", "Last-Modified", "Access-Control-Allow-Origin"):
            assert needless not in response.headers, (asset, needless)
    assert counting.calls == [] and statements == [] and hooks == []


def test_a_signed_in_question_page_and_check_answers_read_the_draft_once(app, client):
    """The page's frame (offline.js's known answers) uses the draft the view read, and
    a question page asks the databases at most five things: the sign-out-everywhere
    mark, the person and their licences, the draft, the unread messages (the session
    store is another: SQL by default, Redis with several instances)."""
    sign_in_as(client, ZHANG)
    first = client.get("/apply/elderly-allowance").headers["Location"]
    for url in (first, "/apply/elderly-allowance/check", first):
        assert client.get(url).status_code == 200
    statements = count_sql(app)
    for url in (first, "/apply/elderly-allowance/check"):
        statements.clear()
        page = client.get(url).get_data(as_text=True)
        assert "data-offline-known=" in page
        drafts = [s for s in statements if s.lstrip().startswith("SELECT draft.")]
        assert len(drafts) == 1, statements
    statements.clear()
    client.get(first)
    # The catalogue's version is asked on every request in tests (every 5 s in production).
    statements[:] = [s for s in statements if "FROM meta" not in s]
    assert len(statements) <= 5, "\n".join(s.split("\n")[0][:50] for s in statements)


def _fragment_calls():
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent / "templates"
    for path in root.rglob("*.html"):
        for name, args in re.findall(r'per_language\("([^"]+)"((?:, *\w+=[^,)]+)*)\)',
                                     path.read_text(encoding="utf-8")):
            yield name, set(re.findall(r"(\w+)=", args))


def test_language_fragments_use_only_words_urls_and_the_constants_they_are_given(app):
    """A fragment is cached per language for everyone: nothing of a request, a session
    or a person may reach it."""
    from jinja2 import meta
    from app.core.fragments import ALLOWED_NAMES

    calls = list(_fragment_calls())
    assert {name for name, _ in calls} >= {"offline/_status.html", "speech/_controls.html",
                                           "_footer.html", "account/_session_sentences.html"}
    env = app.jinja_env
    for name, constants in calls:
        source = env.loader.get_source(env, name)[0]
        used = meta.find_undeclared_variables(env.parse(source))
        assert used <= ALLOWED_NAMES | constants, (name, used - ALLOWED_NAMES - constants)


def test_a_language_fragment_that_reads_the_session_fails_rather_than_being_cached(app):
    import jinja2
    from app.core.fragments import per_language

    app.jinja_env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({
        "reads_session.html": "{{ session.get('person_id') }}",
        "reads_person.html": "{{ current_user.name }}"}), app.jinja_env.loader])
    with app.test_request_context("/"):
        for name in ("reads_session.html", "reads_person.html"):
            try:
                per_language(name)
            except jinja2.UndefinedError:
                continue
            raise AssertionError(f"{name} rendered")
        assert app.extensions.get("language_fragments", {}) == {}


def test_language_fragments_and_remembered_urls_follow_the_language_and_script_root(app, client):
    """Cached per language and per script root: each page still gets its own words and
    links under the prefix it is served at."""
    words = {"en": "Keyboard shortcuts", "zh_Hans_CN": "键盘快捷键"}
    for lang in ("en", "zh_Hans_CN", "en"):
        client.set_cookie("yiban_lang", lang)
        page = client.get("/").get_data(as_text=True)
        assert words[lang] in page
        assert words["zh_Hans_CN" if lang == "en" else "en"] not in page
    prefixed = client.get("/", environ_overrides={"SCRIPT_NAME": "/yiban"}).get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/[^"]*)"', prefixed)
    assert links and all(link.startswith("/yiban/") for link in links), links[:5]
    plain = client.get("/").get_data(as_text=True)
    assert not re.findall(r'(?:href|src)="/yiban/', plain)


def test_template_urls_are_built_once_per_process(app, client, monkeypatch):
    from werkzeug.routing import MapAdapter

    built = []
    real_build = MapAdapter.build
    monkeypatch.setattr(MapAdapter, "build",
                        lambda self, *a, **k: built.append(a[0]) or real_build(self, *a, **k))
    client.get("/")
    assert len(built) >= 20  # every service card, header link and static file
    built.clear()
    client.get("/")
    # Left: the speech player's links, which name the page itself.
    assert set(built) <= {"speech.page_audio_on_demand", "speech.script_json_on_demand"}, built


def test_template_words_follow_a_forced_locale_within_a_request(app):
    """The catalogue found once per request is found again under force_locale (texts
    sent in Chinese from an English page)."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/", headers={"Cookie": "yiban_lang=en"}):
        assert render_template_string("{{ _('Continue') }}") == "Continue"
        with force_locale("zh_Hans_CN"):
            assert render_template_string("{{ _('Continue') }}") == "继续"
        assert render_template_string("{{ _('Continue') }}") == "Continue"
