"""Fixtures and helpers for the unit, route and journey tests.

Every test gets its own data folder (YIBAN_DATA_DIR = a fresh tmp_path), so its
databases, secret key and uploads are its own. CSRF stays on: the helpers read the
`csrf_token` hidden input of the page a form lives on and post it back, as a browser
would.
"""
from __future__ import annotations

import copy
import functools
import io
import os
import re
import secrets
import shutil
import time
from datetime import date, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jinja2
import pytest
from werkzeug.security import generate_password_hash

from app import create_app
from app.platform.embedded import seed as seed_module
from databases import database_of, drop_all, on_postgresql

# With YIBAN_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/7) every test app keeps its
# sessions and rate-limit counts in that Redis, as several instances do (.ci/run).
TEST_REDIS_URL = os.environ.get("YIBAN_TEST_REDIS_URL")

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LOCALE = "zh_Hans_CN"

BRAND = {"zh_Hans_CN": "易办", "en": "Yiban"}


class Citizen:
    def __init__(self, id, name, mobile, password, id_number):
        self.id, self.name, self.mobile = id, name, mobile
        self.password, self.id_number = password, id_number


ZHANG = Citizen("zhang-jianguo", "张建国", "13800000001", "yiban-demo-1", "110101196610129114")
WANG = Citizen("wang-xiuying", "王秀英", "13800000002", "yiban-demo-2", "430102195403089224")
LI = Citizen("li-na", "李娜", "13800000003", "yiban-demo-3", "110101199605209041")
ZHAO = Citizen("zhao-guilan", "赵桂兰", "13800000004", "yiban-demo-4", "430102194006219369")
CHEN = Citizen("chen-zhiming", "陈志明", "13800000005", "yiban-demo-5", "11010119810905957X")
LIU = Citizen("liu-yang", "刘洋", "13800000006", "yiban-demo-6", "430102199804169733")

# Demo helpers (people.yaml, `helpers:`).
ZHOU = Citizen("zhou-jianhua", "周建华", "13900000001", "yiban-helper-1", None)  # 网格员, code HB1001
WU = Citizen("wu-jing", "吴静", "13900000002", "yiban-helper-2", None)  # 窗口帮办, code HB1002

APPLICATION_NUMBER = re.compile(r"YB\d{8}\d{6}")

# A valid 1×1 PNG (uploaded images are decoded and re-encoded: app/core/uploads.py) and a
# tiny PDF.
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082")
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# ---- speed: the seed is the same for every test ----------------------------------
@pytest.fixture(scope="session", autouse=True)
def _fast_seed():
    """Seeding a fresh data folder parses two YAML files and hashes six passwords
    with scrypt; both cost far more than the rest of a test. Parse once and hash with
    a cheap (still salted, still checked) method. Seeding itself still runs."""
    mp = pytest.MonkeyPatch()
    cached = functools.lru_cache(maxsize=None)(seed_module.load_yaml)
    mp.setattr(seed_module, "load_yaml", lambda name: copy.deepcopy(cached(name)))
    mp.setattr(seed_module, "generate_password_hash",
               lambda password: generate_password_hash(password, "pbkdf2:sha256:1"))
    yield
    mp.undo()


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases():
    """PostgreSQL schemas made for data folders go when the session ends."""
    yield
    drop_all()


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once for the whole run rather than once per app. Buckets are
    checked against the template source, so an edited template is compiled again."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = _CompiledTemplates()


def _make_app(monkeypatch, data_dir: Path, **overrides):
    """An app on its own data folder; its stores are SQLite files there, or fresh
    PostgreSQL schemas when YIBAN_TEST_DATABASE_URL is set (tests/databases.py), and
    its sessions in Redis when YIBAN_TEST_REDIS_URL is."""
    monkeypatch.setenv("YIBAN_DATA_DIR", str(data_dir))
    for name in ("SECRET_KEY", "YIBAN_PLATFORM_DATABASE_URL", "YIBAN_DATABASE_URL",
                 "YIBAN_SESSION_IDLE_MINUTES", "YIBAN_SECURE_COOKIES", "YIBAN_DATA_KEYS",
                 "YIBAN_LOOKUP_KEY", "YIBAN_WORKER", "YIBAN_AUTO_MIGRATE",
                 "YIBAN_REDIS_URL", "YIBAN_SINGLE_INSTANCE", "YIBAN_LOG_JSON",
                 "YIBAN_ACCESS_LOG_KEYS", "YIBAN_ACCESS_LOG_CHECKPOINTS", "YIBAN_FILE_STORE",
                 "YIBAN_S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    if on_postgresql():
        monkeypatch.setenv("YIBAN_DATABASE_URL", database_of(data_dir, "front"))
        monkeypatch.setenv("YIBAN_PLATFORM_DATABASE_URL", database_of(data_dir, "platform"))
        monkeypatch.setenv("YIBAN_AUTO_MIGRATE", "1")
        monkeypatch.setenv("YIBAN_SINGLE_INSTANCE", "1")  # keys in the test's folder
    if TEST_REDIS_URL:
        # Sessions and rate limits in Redis; each app its own key prefix, so one test's
        # counts never reach another's.
        monkeypatch.setenv("YIBAN_REDIS_URL", TEST_REDIS_URL)
        monkeypatch.setenv("YIBAN_SINGLE_INSTANCE", "1")
        overrides.setdefault("RATELIMIT_KEY_PREFIX", secrets.token_hex(6))
    # The catalogue's version and who is signed in are asked on every request, so a test
    # that edits the catalogue or a person's licences on the platform sees the change at
    # once (app/core/platform_cache.py, app/core/account_copies.py).
    application = create_app({"TESTING": True, "CATALOGUE_CHECK_SECONDS": 0,
                              "ACCOUNT_FRESH_SECONDS": 0, **overrides})
    application.jinja_env.bytecode_cache = _COMPILED_TEMPLATES
    return application


def _dispose(app):
    if "worker" in app.extensions:  # a test that asked for the background thread
        thread, stop = app.extensions["worker"]
        stop.set()
        thread.join(5)
    platform_db = getattr(app.extensions["platform"], "db", None)  # none over HTTP
    if platform_db is not None:
        platform_db.engine.dispose()
    app.extensions["front_store"].db.engine.dispose()
    sessions_db = app.extensions.get("sqlalchemy")  # the session store (app/core/sessions.py)
    if sessions_db is not None:
        with app.app_context():
            for engine in sessions_db.engines.values():
                engine.dispose()


@pytest.fixture(scope="session")
def _seeded_data(tmp_path_factory):
    """A data folder made and seeded once per session (per xdist worker): each test
    gets a copy, which costs less than creating and seeding the databases again."""
    folder = tmp_path_factory.mktemp("seeded-data")
    with pytest.MonkeyPatch.context() as mp:
        _dispose(_make_app(mp, folder))
    return folder


@pytest.fixture
def app(monkeypatch, tmp_path, _seeded_data):
    """The app on a fresh data folder (a copy of the seeded one), CSRF on."""
    shutil.copytree(_seeded_data, tmp_path, dirs_exist_ok=True)
    application = _make_app(monkeypatch, tmp_path)
    yield application
    _dispose(application)


@pytest.fixture
def zhang(client):
    """张建国, signed in."""
    sign_in_as(client, ZHANG)
    return client


@pytest.fixture(scope="module")
def module_app_no_csrf(tmp_path_factory):
    """For building and validating forms outside a request: CSRF off. Building forms
    changes nothing, so one app serves a whole module."""
    with pytest.MonkeyPatch.context() as mp:
        application = _make_app(mp, tmp_path_factory.mktemp("data"), WTF_CSRF_ENABLED=False)
        yield application
        _dispose(application)


@pytest.fixture(scope="module")
def module_app(tmp_path_factory):
    """One app (CSRF on) shared by a module's read-only page checks."""
    with pytest.MonkeyPatch.context() as mp:
        application = _make_app(mp, tmp_path_factory.mktemp("data"))
        yield application
        _dispose(application)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def platform(app):
    return app.extensions["platform"]


@pytest.fixture
def store(app):
    return app.extensions["front_store"]


class Clock:
    """A replaceable clock: starts at the real now and moves when told."""

    def __init__(self, start: datetime | None = None):
        from app.core.clock import utcnow
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(app, platform):
    """The platform's and the consent records' clock, under the test's control."""
    platform.clock = app.extensions["consents"].clock = Clock()
    return platform.clock


# ---- HTML reading ------------------------------------------------------------------
class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs: list[dict] = []
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input":
            self.inputs.append(attrs)
        elif tag == "textarea":
            self._textarea = {**attrs, "type": "textarea", "value": ""}
            self.inputs.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def inputs(html: str) -> list[dict]:
    """Every <input> and <textarea> of a page, as attribute dicts."""
    parser = _Inputs()
    parser.feed(html)
    return parser.inputs


def input_value(html: str, name: str) -> str | None:
    """The value a text input (or textarea) of that name shows."""
    for attrs in inputs(html):
        if attrs.get("name") == name and attrs.get("type") not in ("radio", "checkbox"):
            return attrs.get("value", "")
    return None


def checked_values(html: str, name: str) -> list[str]:
    return [a["value"] for a in inputs(html)
            if a.get("name") == name and "checked" in a]


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html) or \
        re.search(r'"X-CSRFToken": "([^"]+)"', html)  # htmx's, on <body> with a session
    assert match, "the page has no csrf_token input"
    return match.group(1)


def seed_catalogue() -> list[tuple[str, list[dict]]]:
    """(service code, resolved question definitions) straight from the seed files, for
    parametrizing tests at collection time."""
    catalogue = _seed_yaml("services.yaml")
    library = catalogue.get("fields", {})
    return [(svc["code"], seed_module.resolve_questions(svc.get("questions", []), library))
            for svc in catalogue["services"]]


def seed_prefill(citizen_id: str, prefill: str | None):
    """What the seed says `prefill` resolves to for a citizen (None if nothing)."""
    if not prefill:
        return None
    person = next(p for p in _seed_yaml("people.yaml")["citizens"] if p["id"] == citizen_id)
    parts = prefill.split(".")
    if parts[0] == "person":
        return person.get(parts[1])
    licence = next((lic for lic in person.get("licences", []) if lic["type"] == parts[1]), None)
    if licence is None:
        return None
    return licence.get(parts[2]) or licence.get("data", {}).get(parts[2])


@functools.cache
def _seed_yaml(name: str) -> dict:
    return seed_module.load_yaml(name)


def h1s(html: str) -> list[str]:
    return re.findall(r"<h1[\s>].*?</h1>", html, flags=re.S)


def title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, flags=re.S)
    assert match, "the page has no <title>"
    return " ".join(match.group(1).split())


def html_lang(html: str) -> str | None:
    match = re.search(r"<html[^>]*\slang=\"([^\"]+)\"", html)
    return match.group(1) if match else None


def text_of(html: str) -> str:
    """The visible text of the body, whitespace collapsed (markup removed)."""
    body = html.split("<body", 1)[-1].split(">", 1)[-1]
    # A long number's display groups are spaced by CSS only: its text is the bare digits.
    body = body.replace('</span><span class="digits__group">', "").replace(
        '<span class="digits__group">', "")
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _render(app, locale: str, msgid: str, plural: str | None, num: int | None,
            variables: dict) -> str:
    from flask_babel import force_locale, gettext, ngettext
    with app.test_request_context("/"), force_locale(locale):
        if plural is not None:
            return ngettext(msgid, plural, num, **variables)
        return gettext(msgid, **variables)


def translate(app, msgid: str, plural: str | None = None, num: int | None = None,
              locale: str = DEFAULT_LOCALE, **variables) -> str:
    """A message as the app says it in `locale` (ngettext when `plural` is given).

    Expected messages are named by their msgid rather than copied from the catalogue,
    so a translator may reword them; in the default locale the message must be
    translated, i.e. differ from the English."""
    text = _render(app, locale, msgid, plural, num, variables)
    if locale == DEFAULT_LOCALE:
        english = _render(app, "en", msgid, plural, num, variables)
        assert text != english, f"not translated into {locale}: {english!r}"
    return text


def say(app, msgid: str, plural: str | None = None, num: int | None = None,
        locale: str = DEFAULT_LOCALE, **variables) -> str:
    """A message as the app says it in `locale`, whether or not it is translated yet.
    For messages whose translation may still be on its way: test_catalogues.py is what
    insists that every message is translated."""
    return _render(app, locale, msgid, plural, num, variables)


def error_summary_links(html: str) -> list[tuple[str, str]]:
    """(href target, message) of each link in the error summary."""
    match = re.search(r'<div class="error-summary".*?</ul>', html, flags=re.S)
    if not match:
        return []
    return [(target, " ".join(message.split())) for target, message in
            re.findall(r'<a href="#([^"]+)">(.*?)</a>', match.group(0), flags=re.S)]


def path_of(location: str) -> str:
    """The local path (with query) of a redirect Location."""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def query_of(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


# ---- forms -------------------------------------------------------------------------
def post_with_csrf(client, url: str, data: dict | None = None, page: str | None = None,
                   **kwargs):
    """GET the page the form lives on (default: the same URL), then POST the form with
    that page's CSRF token, as a browser would."""
    page_response = client.get(page or url)
    assert page_response.status_code == 200, (page or url, page_response.status_code)
    body = {**(data or {}), "csrf_token": csrf_token(page_response.get_data(as_text=True))}
    return client.post(url, data=body, **kwargs)


def sign_in(client, mobile: str, password: str, next: str | None = None):
    """Sign in through the sign-in page; returns the POST response (a redirect on
    success)."""
    url = "/sign-in" + (f"?next={next}" if next else "")
    page = client.get(url)
    token = csrf_token(page.get_data(as_text=True))
    data = {"csrf_token": token, "login": mobile, "password": password}
    if next:
        data["next"] = next
    return client.post("/sign-in", data=data)


def sign_in_as(client, citizen: Citizen, next: str | None = None):
    response = sign_in(client, citizen.mobile, citizen.password, next)
    assert response.status_code == 302, "sign-in failed"
    return response


def session_data(client) -> dict:
    """What a browser's session holds (sessions live on the server), to open copies."""
    with client.session_transaction() as session:
        return dict(session)


def browser_with_copy_of(app, data: dict):
    """A new browser with its own server-side copy of a session (a copy of the cookie
    would be the same session: one case signing out would end it for the next). The
    copy counts as a sign-in of its own, made after any "sign out everywhere"."""
    client = app.test_client()
    if data:
        with client.session_transaction() as session:
            session.update(data)
            if "signed_in_at" in data:
                session["signed_in_at"] = time.time()
    return client


def stale_token(client, citizen: Citizen, url: str) -> str:
    """A token this browser was given on `url` before its sign-in was renewed (in
    another tab): stale, but this browser's own, so what it posts is kept."""
    token = csrf_token(client.get(url).get_data(as_text=True))
    sign_in_as(client, citizen)
    return token


# The words every signed-in page shows while the platform cannot be reached.
PLATFORM_DOWN = ("The government service platform cannot be reached just now. You can go "
                 "on answering; what you send is kept and sent when it is back.")


def wait_for(condition, failure: str, seconds: float = 20, every: float = 0.05) -> None:
    """Wait until `condition()` holds; fail with `failure` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(every)


def run_background_jobs(app) -> dict:
    """One round of every background job, as `flask worker` runs them (the thread
    does not run in tests): submissions delivered, the platform's events read into
    messages and texts, reminders made."""
    from app.core import background
    return background.run_due(app, everything=True)


def sign_in_as_helper(client, helper: Citizen):
    page = client.get("/helper/sign-in")
    response = client.post("/helper/sign-in", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "login": helper.mobile, "password": helper.password})
    assert response.status_code == 302, "helper sign-in failed"
    return response


def act_for(app, client, citizen: Citizen, helper: Citizen, services=None):
    """The citizen authorises the helper (remotely, for a day); the helper signs in on
    this client and starts acting for the citizen."""
    consent = app.extensions["consents"].grant(citizen.id, helper.id, services, 24, "remote")
    sign_in_as_helper(client, helper)
    page = client.get("/helper/").get_data(as_text=True)
    client.post(f"/helper/act/{consent.id}", data={"csrf_token": csrf_token(page)})
    return client


# ---- answering questions ---------------------------------------------------------
def _past_date() -> dict:
    return {"year": "1944", "month": "5", "day": "6"}


def _future_date() -> dict:
    later = date.today() + timedelta(days=40)
    return {"year": str(later.year), "month": str(later.month), "day": str(later.day)}


# Valid answers by field type (text answers as typed; compound answers by part).
VALID_ANSWERS = {
    "text": "示例市人民医院",
    "name": "张建国",
    "id_number": "110101196610129114",
    "mobile": "13800000001",
    "bank_account": "6200000000000000101",
    "textarea": "没有其他需要说明的情况。",
    "address": {"region": "北京市东城区", "detail": "示例路 1 号"},
}


def _child_id_number() -> str:
    """A valid ID number of a child born a year ago (the childcare subsidy is for
    children under 3, and the child's birth date must agree with it)."""
    from app.forms.identifiers import id_number_check_digit
    first17 = f"110101{date.today() - timedelta(days=365):%Y%m%d}002"
    return first17 + id_number_check_digit(first17)


# Answers by question key, where any answer of the type would not do.
VALID_BY_KEY = {"child_id_number": _child_id_number()}


def valid_answer(question, html: str) -> dict:
    """Form data answering `question` validly, using the input names on its page.
    Radios and checkboxes pick their first option; a file question uploads a PNG."""
    key, kind = question.key, question.type
    if 'class="licence-fact"' in html:
        # What the citizen's electronic licence says, shown to confirm: press Continue.
        return {a["name"]: a.get("value", "") for a in inputs(html)
                if a.get("type") == "hidden" and a.get("name") not in ("csrf_token", None)}
    names = {a.get("name") for a in inputs(html)}
    if kind in ("radio", "yesno", "checkboxes"):
        first = next(a["value"] for a in inputs(html) if a.get("name") == key
                     and a.get("type") in ("radio", "checkbox"))
        return {key: first}
    if kind == "date":
        parts = _future_date() if question.validation.get("date") == "future" else _past_date()
        if question.validation.get("birth_date_of") in VALID_BY_KEY:
            from app.forms.identifiers import id_number_birth_date
            born = id_number_birth_date(VALID_BY_KEY[question.validation["birth_date_of"]])
            parts = {"year": str(born.year), "month": str(born.month), "day": str(born.day)}
        data = {f"{key}-{part}": value for part, value in parts.items()}
    elif kind == "address":
        data = {f"{key}-{part}": value for part, value in VALID_ANSWERS["address"].items()}
    elif kind == "file":
        data = {key: (io.BytesIO(PNG_BYTES), "photo.png")}
    else:
        data = {key: VALID_BY_KEY.get(key, VALID_ANSWERS[kind])}
    missing = set(data) - names
    assert not missing, f"question {key} has no inputs named {missing}"
    return data


def journey_of(app, code: str) -> list:
    """The questions of a service as the front asks them (a bundle's matters page first)."""
    from app.apply.bundles import journey
    from app.core.deps import platform
    with app.test_request_context("/"):  # through the front's catalogue, as pages read it
        return journey(platform().service(code, DEFAULT_LOCALE),
                       platform().form_schema(code, DEFAULT_LOCALE))


def question_of(app, code: str, key: str):
    return next(q for q in journey_of(app, code) if q.key == key)


def answer_question(client, app, url: str, data: dict | None = None):
    """Open a question page and answer it (validly unless `data` is given)."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    html = page.get_data(as_text=True)
    code, key = urlsplit(url).path.split("/")[2:4]
    if data is None:
        data = valid_answer(question_of(app, code, key), html)
    return client.post(url, data={**data, "csrf_token": csrf_token(html)})


def walk_service(client, app, code: str, answers: dict | None = None,
                 max_steps: int = 30) -> list[str]:
    """Start a service and answer every question it asks until check answers.

    `answers` maps a question key to the form data to post for it (else a valid
    answer is used). Returns the keys of the questions asked, in order."""
    answers = answers or {}
    response = client.get(f"/apply/{code}")
    assert response.status_code == 302, response.status_code
    location = path_of(response.location)
    asked = []
    for _step in range(max_steps):
        if urlsplit(location).path == f"/apply/{code}/check":
            return asked
        key = urlsplit(location).path.split("/")[3]
        asked.append(key)
        response = answer_question(client, app, location, answers.get(key))
        assert response.status_code == 302, (
            f"answer to {key} was refused: {error_summary_links(response.get_data(as_text=True))}")
        location = path_of(response.location)
    raise AssertionError(f"{code}: no check-answers page after {max_steps} questions")


def submit_check(client, code: str):
    """Send the application from its check-answers page; returns the POST response."""
    page = client.get(f"/apply/{code}/check")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', html).group(1)
    return client.post(f"/apply/{code}/check",
                       data={"csrf_token": csrf_token(html), "submission_key": key})


def apply_and_submit(client, app, code: str, answers: dict | None = None) -> str:
    """Answer every question, submit, and return the application number."""
    walk_service(client, app, code, answers)
    response = submit_check(client, code)
    assert response.status_code == 302
    match = APPLICATION_NUMBER.search(response.location)
    assert match, response.location
    return match.group(0)
