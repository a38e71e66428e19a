"""Fuzzing every form and query parameter: Hypothesis sends overlong
text, malformed Unicode (lone surrogates, invalid UTF-8 bytes) in the body and the
query string, NUL and other control characters, right-to-left overrides, lists where
one value is expected, missing fields and missing or wrong CSRF tokens. Whatever comes,
the app never answers 5xx; a refused form comes back with the error summary in the
reader's language (or the translated "page had expired" page); nothing is stored that
should not be; and no `next=` leads to another site.

The routes come from the app's URL map: a route that is neither fuzzed here (FUZZED)
nor excluded with a reason (EXCLUDED) fails `test_every_route_is_fuzzed_or_excluded`,
and a query parameter the code reads (request.args / request.values, in app/ or the
templates) that QUERY_PARAMS does not fuzz fails `test_every_query_parameter_is_fuzzed`.

One app for the module (rate limits off, so the fuzzer is not told to wait); every
example is a fresh browser holding a copy of its role's session. Examples are
derandomized, so CI sees the same inputs on every run."""
from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import quote_from_bytes, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from app.display.preferences import CHOICES, COOKIE as DISPLAY_COOKIE, SWITCHES, DisplayPreferences
from conftest import (PDF_BYTES, PNG_BYTES, ROOT, WANG, ZHOU, _dispose, _make_app,
                      apply_and_submit, browser_with_copy_of, csrf_token, error_summary_links,
                      run_background_jobs, say, session_data, sign_in_as, sign_in_as_helper)
from test_authorisation import WANG_ANSWERS
from test_route_matrix import app_routes

# Real processes (or Hypothesis): in CI and ./test.sh, not in ./test.sh --quick.
pytestmark = pytest.mark.slow


EXAMPLES = 12  # per form; the whole module stays well under a minute on one core
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

# ---- what is fuzzed, and what is not --------------------------------------------------
# (endpoint, method) -> the test that fuzzes it. Every GET route is fuzzed by its query
# string (test_get_routes_survive_any_query_string); forms by their own tests.
FUZZED = {
    ("account.sign_in", "POST"): "test_sign_in_refuses_junk_and_never_leaves_the_site",
    ("assisted.sign_in", "POST"): "test_sign_in_refuses_junk_and_never_leaves_the_site",
    ("apply.question", "POST"): "test_question_keeps_junk_out_of_the_draft",
    ("apply.validate_field", "POST"): "test_inline_validation_stores_nothing",
    ("apply.check", "POST"): "test_check_answers_creates_no_application_from_junk",
    ("applications.withdraw", "POST"): "test_withdraw_needs_a_good_token",
    ("applications.supplement", "POST"): "test_supplement_answer_is_clean_or_refused",
    ("applications.rating", "POST"): "test_rating_is_clean_or_refused",
    ("consent.grant", "POST"): "test_grant_gives_nothing_for_junk",
    ("assisted.in_person", "POST"): "test_in_person_consent_gives_nothing_for_junk",
    ("display.save", "POST"): "test_display_settings_keep_only_known_values",
    ("display.elder", "POST"): "test_display_settings_keep_only_known_values",
    ("account.sign_out_page", "POST"): "test_buttons_without_fields_need_a_good_token",
    ("account.sign_out_everywhere_page", "POST"): "test_buttons_without_fields_need_a_good_token",
    ("applications.text_number", "POST"): "test_buttons_without_fields_need_a_good_token",
    ("account.language", "POST"): "test_buttons_without_fields_need_a_good_token",
    ("account.extend_session", "POST"): "test_buttons_without_fields_need_a_good_token",
    ("assisted.act", "POST"): "test_buttons_without_fields_need_a_good_token",
    ("assisted.leave", "POST"): "test_buttons_without_fields_need_a_good_token",
    ("consent.end", "POST"): "test_buttons_without_fields_need_a_good_token",
    ("messages.read_all", "POST"): "test_buttons_without_fields_need_a_good_token",
    ("catalogue.dismiss_suggestion", "POST"): "test_dismissing_a_suggestion_needs_a_real_key",
    ("offline.send", "POST"): "test_an_answer_sent_from_offline_keeps_junk_out_of_the_draft",
}
EXCLUDED = {
    ("speech.page_audio", "GET"): "synthesises audio (espeak-ng, seconds per example); its "
                                  "one parameter, rate, goes through the same _rate() as "
                                  "speech.script_json, which is fuzzed",
    ("speech.sentence_audio", "GET"): "as speech.page_audio",
    ("speech.page_audio_on_demand", "GET"): "as speech.page_audio; its page parameter goes "
                                            "through the same code as "
                                            "speech.script_json_on_demand, which is fuzzed",
}
# Query parameters the app reads, and the GET routes they are sent to (every GET route
# also gets them all, and junk names besides).
QUERY_PARAMS = ("next", "expired", "q", "return", "correct", "rate", "withdrawn",
                "answered", "rated", "page",
                "service", "helper")  # the helper form: its starting scope, and back from its confirm step


# ---- strategies -------------------------------------------------------------------------
CONTROL = "".join(map(chr, [*range(0, 32), 0x7F, *range(0x80, 0xA0)]))
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
AWKWARD = CONTROL + BIDI + "中文ئۇa1X٣１ -/\\<>&\"'%+=;#?\ufeff\ufffd\u0301"
SURROGATE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
INVALID_UTF8 = (b"\xff", b"\xfe", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80")
OPEN_REDIRECTS = ("//evil.example", "https://evil.example/", "/\\evil.example",
                  "\\\\evil.example", "/\t/evil.example", "/\r\n/evil.example",
                  "http:/evil.example", "javascript:alert(1)", " //evil.example",
                  "///evil.example", "/%2F/evil.example", "\x00//evil.example",
                  "/\r\nSet-Cookie: x=1", "/\u202e//evil.example", "https:evil.example")


class Raw(bytes):
    """Bytes sent as they are (percent-encoded): invalid UTF-8 on purpose."""


MISSING = object()

nasty_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.sampled_from(AWKWARD), max_size=30),
    st.lists(st.one_of(st.characters(), SURROGATE), max_size=8).map("".join),
    st.builds(lambda unit, n: unit * n, st.sampled_from(("a", "中", "\u202e", "\x00", "9", "/")),
              st.integers(10_000, 11_000)),
    st.sampled_from(("", " ", "0", "-1", "1e309", "NaN", "9" * 40, "[]", "{}", "None",
                     "true", "%s%n", "{{ 7*7 }}", "<script>x</script>", "../../etc/passwd")),
)
raw_bytes = st.lists(st.one_of(st.sampled_from(INVALID_UTF8), st.binary(max_size=4)),
                     min_size=1, max_size=4).map(lambda parts: Raw(b"".join(parts)))
scalar = st.one_of(nasty_text, raw_bytes)


def field(*valid: str):
    """A field's value: missing, junk, several values, or one of its valid values."""
    options = [st.just(MISSING), scalar, st.lists(scalar, min_size=2, max_size=3)]
    if valid:
        options.append(st.sampled_from(valid))
    return st.one_of(*options)


def junk_fields():
    """Fields nobody asked for."""
    return st.dictionaries(st.one_of(nasty_text, raw_bytes).filter(bool), scalar, max_size=2)


CSRF_MODES = st.sampled_from(("valid", "valid", "valid", "missing", "wrong", "twice"))
junk_next = st.one_of(st.sampled_from(OPEN_REDIRECTS), scalar)


# ---- sending ------------------------------------------------------------------------------
def _bytes(value) -> bytes:
    return bytes(value) if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def urlencode_raw(pairs) -> str:
    return "&".join(f"{quote_from_bytes(_bytes(k))}={quote_from_bytes(_bytes(v))}"
                    for k, v in pairs)


def pairs_of(fields: dict) -> list:
    pairs = []
    for name, value in fields.items():
        if value is MISSING:
            continue
        for one in (value if isinstance(value, list) else [value]):
            pairs.append((name, one))
    return pairs


def with_token(fields: dict, token: str, mode: str, draw) -> dict:
    fields = dict(fields)
    if mode == "valid":
        fields["csrf_token"] = token
    elif mode == "wrong":
        fields["csrf_token"] = draw(st.one_of(scalar, st.just(token[::-1])))
    elif mode == "twice":
        fields["csrf_token"] = [token, draw(scalar)]  # the first one counts
    return fields


def post_raw(client, url: str, fields: dict):
    """POST as application/x-www-form-urlencoded, bytes exactly as drawn."""
    return client.post(url, data=urlencode_raw(pairs_of(fields)),
                       content_type="application/x-www-form-urlencoded")


def printable(value):
    """Multipart bodies are built from str: no lone surrogates there (raw bytes become
    U+FFFD, as a browser would send them)."""
    if isinstance(value, list):
        return [printable(v) for v in value]
    if value is MISSING:
        return value
    return _bytes(value).decode("utf-8", "replace")


def post_multipart(client, url: str, fields: dict, file_name: str, upload):
    data = {printable(name): printable(value) for name, value in fields.items()
            if value is not MISSING}
    if upload is not None:
        filename, content = upload
        data[file_name] = (io.BytesIO(content), printable(filename))
    return client.post(url, data=data, content_type="multipart/form-data")


uploads = st.one_of(
    st.none(),
    st.tuples(st.one_of(nasty_text, st.sampled_from(("a.png", "a.PDF", "a.jpeg", ".png",
                                                     "a.png.exe", "a"))),
              st.one_of(st.binary(max_size=64),
                        st.sampled_from((PNG_BYTES, PDF_BYTES, PNG_BYTES[:20], b"%PDF-",
                                         b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)))),
)


# ---- what every answer must look like ----------------------------------------------------
CJK = re.compile(r"[\u4e00-\u9fff]")
GARBAGE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                     r"\ud800-\udfff]")


def browser(world, role: str):
    """A fresh browser with its own copy of the role's session."""
    return browser_with_copy_of(world["app"], world["sessions"][role][0])


def token_of(world, role: str) -> str:
    return world["sessions"][role][1]


def assert_no_server_error(response):
    assert response.status_code < 500, response.status_code


def assert_refusal_explained(world, response):
    """A form that comes back says what is wrong, in the reader's language (Chinese by
    default): the error summary, or the translated "this page had expired"."""
    html = response.get_data(as_text=True)
    if response.status_code == 400:
        assert say(world["app"], "This page had expired") in html, html[:300]
        return
    assert response.status_code == 200, response.status_code
    links = error_summary_links(html)
    assert links, "a refused form came back without an error summary"
    for _target, message in links:
        assert CJK.search(message), f"error message not in Chinese: {message!r}"


def assert_expired(world, response):
    assert response.status_code == 400, response.status_code
    assert say(world["app"], "This page had expired") in response.get_data(as_text=True)


def assert_refused(world, response, mode):
    """A refusal: "expired" when the token was missing or wrong, else explained."""
    if mode in ("missing", "wrong"):
        assert_expired(world, response)
    else:
        assert_refusal_explained(world, response)


def fuzz_post(world, data, role, url, fields):
    """POST the fields plus drawn junk fields as the role, with its CSRF token in a
    drawn state (CSRF_MODES). Never a server error; returns (response, token state)."""
    fields = {**fields, **data.draw(junk_fields())}
    mode = data.draw(CSRF_MODES)
    response = post_raw(browser(world, role), url,
                        with_token(fields, token_of(world, role), mode, data.draw))
    assert_no_server_error(response)
    return response, mode


def assert_stays_on_site(response):
    """A redirect goes to a path of this site, as any browser would read it."""
    location = response.headers.get("Location", "")
    assert not GARBAGE.search(location) and "\\" not in location, location
    seen = re.sub(r"[\t\n\r]", "", location)  # browsers drop these from URLs
    parts = urlsplit(seen)
    assert parts.scheme in ("", "http") and parts.netloc in ("", "localhost"), location
    assert (parts.path or "/").startswith("/") and not parts.path.startswith("//"), location


def assert_clean(value, max_length: int | None = None):
    """A stored answer: no control characters or direction overrides, and not overlong."""
    if isinstance(value, dict):
        for part in value.values():
            assert_clean(part, max_length)
    elif isinstance(value, list):
        for part in value:
            assert_clean(part, max_length)
    elif isinstance(value, str):
        assert not GARBAGE.search(value), f"stored with control characters: {value[:60]!r}"
        if max_length is not None:
            assert len(value) <= max_length, len(value)


# ---- the world: 王秀英's data and the visitors' sessions -----------------------------------
@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        app = _make_app(mp, tmp_path_factory.mktemp("data"), RATELIMIT_ENABLED=False)
        platform = app.extensions["platform"]
        consents = app.extensions["consents"]
        wang = app.test_client()
        sign_in_as(wang, WANG)
        number = apply_and_submit(wang, app, "retirement", WANG_ANSWERS)
        asked = platform.raise_supplement(number, "人社", "请补充工作证明")
        finished = apply_and_submit(wang, app, "remote-medical-filing")
        while platform.advance(finished):
            pass
        to_withdraw = apply_and_submit(wang, app, "remote-medical-filing")
        run_background_jobs(app)
        for code in ("retirement", "elderly-allowance", "flexible-employment",
                     "public-rental-housing"):
            wang.get(f"/apply/{code}")  # open drafts
        for_zhou = consents.grant(WANG.id, ZHOU.id, None, 24, "remote")
        reading = re.search(r'data-script-url="([^"]+)"',
                            wang.get("/signed-out").get_data(as_text=True)).group(1)
        script = wang.get(reading.replace("&amp;", "&")).get_json()["id"]
        message = app.extensions["messages"].messages_of(WANG.id)[0]
        zhou = app.test_client()
        sign_in_as_helper(zhou, ZHOU)
        clients = {"anonymous": app.test_client(), "citizen": wang, "helper": zhou}
        sessions = {}
        for role, client in clients.items():
            token = csrf_token(client.get("/sign-in" if role == "anonymous" else "/display").get_data(as_text=True))
            sessions[role] = (session_data(client), token)
        args = {"code": "retirement", "key": "full_name", "number": number,
                "entry_id": app.extensions["outbox"].get(1).id, "script_id": script, "n": 0,
                ("account.language", "code"): "en", "authorisation_id": for_zhou.id,
                "supplement_id": asked.id, "message_id": message.id,
                ("applications.rating", "number"): finished,
                ("applications.withdraw", "number"): to_withdraw}
        yield {"app": app, "sessions": sessions, "args": args, "platform": platform,
               "store": app.extensions["front_store"], "consents": consents,
               "number": number, "finished": finished, "to_withdraw": to_withdraw,
               "supplement": asked.id, "authorisation": for_zhou.id}
        _dispose(app)


def draft_answers(world, code: str) -> dict:
    draft = world["store"].open_draft(WANG.id, code)
    return dict(draft.answers) if draft else {}


def application_count(world) -> int:
    return len(world["platform"].applications_of(WANG.id))


def authorisation_count(world) -> int:
    return len(world["consents"].authorisations_of_citizen(WANG.id))


# ---- the map of routes ----------------------------------------------------------------------
def test_every_route_is_fuzzed_or_excluded(world):
    routes = app_routes(world["app"])
    gets = {route for route in routes if route[1] == "GET"}
    covered = set(FUZZED) | set(EXCLUDED) | gets
    assert not routes - covered, (
        "route not fuzzed: add it to FUZZED in tests/test_fuzz.py with the test that "
        f"fuzzes it, or to EXCLUDED with the reason: {sorted(routes - covered)}")
    assert not (set(FUZZED) | set(EXCLUDED)) - routes, "FUZZED/EXCLUDED name routes that are gone"
    for test_name in set(FUZZED.values()):
        assert callable(globals().get(test_name)), f"{test_name} does not exist"


def test_every_query_parameter_is_fuzzed():
    read = re.compile(r"request\.(?:args|values)\.get(?:list)?\(\s*[\"']([^\"']+)[\"']")
    names = set()
    # The platform's own HTTP service is another app, fuzzed by schemathesis against its
    # contract (tests/test_platform_over_http.py), not by the front's query strings.
    platform_service = Path(ROOT, "app", "platform", "http")
    for path in [*Path(ROOT, "app").rglob("*.py"), *Path(ROOT, "templates").rglob("*.html")]:
        if platform_service not in path.parents:
            names |= set(read.findall(path.read_text(encoding="utf-8")))
    assert names, "no query parameters found: has the pattern changed?"
    assert not names - set(QUERY_PARAMS), (
        f"query parameters not fuzzed: add them to QUERY_PARAMS: {sorted(names - set(QUERY_PARAMS))}")


# ---- query strings --------------------------------------------------------------------------
def route_url(world, endpoint: str) -> str:
    from flask import url_for
    app = world["app"]
    [rule] = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    args = world["args"]
    with app.test_request_context():
        return url_for(endpoint, **{name: args.get((endpoint, name), args.get(name))
                                    for name in rule.arguments})


@FUZZ
@given(data=st.data())
def test_get_routes_survive_any_query_string(world, data):
    """Each example sends one drawn query string to every GET route of the URL map."""
    role = data.draw(st.sampled_from(("citizen", "citizen", "anonymous", "helper")))
    params = data.draw(st.dictionaries(st.sampled_from(QUERY_PARAMS), field("1", "check", "en"),
                                       max_size=4))
    params.update(data.draw(junk_fields()))
    if data.draw(st.booleans()):
        params["next"] = data.draw(junk_next)
    query = urlencode_raw(pairs_of(params))
    gets = sorted(endpoint for endpoint, method in app_routes(world["app"])
                  if method == "GET" and (endpoint, method) not in EXCLUDED)
    for endpoint in gets:
        response = browser(world, role).get(route_url(world, endpoint) + "?" + query)
        assert response.status_code < 500, (endpoint, response.status_code)
        if response.status_code in (301, 302, 303, 307, 308):
            assert_stays_on_site(response)


@FUZZ
@given(q=st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3)))
def test_search_answers_any_query(world, q):
    response = browser(world, "anonymous").get("/search?" + urlencode_raw(pairs_of({"q": q})))
    assert response.status_code == 200, response.status_code


@FUZZ
@given(code=st.one_of(scalar, st.sampled_from(("en", "ug", "zh_Hant", "zh_Hans_CN"))),
       next_=junk_next)
@example(code="en", next_="/\r\nSet-Cookie: x=1")  # a line break in Location: once a 500
@example(code="en", next_="/\t/evil.example")
def test_language_switch_never_leaves_the_site(world, code, next_):
    path = "/language/" + quote_from_bytes(_bytes(code or "x"), safe="")
    response = browser(world, "anonymous").get(path + "?" + urlencode_raw([("next", next_)]))
    assert response.status_code in (302, 404), response.status_code
    if response.status_code == 302:
        assert_stays_on_site(response)


# ---- sign-in (citizen and helper) -----------------------------------------------------------
@pytest.mark.parametrize("url", ["/sign-in", "/helper/sign-in"])
@FUZZ
@given(data=st.data())
def test_sign_in_refuses_junk_and_never_leaves_the_site(world, url, data):
    good = (WANG.mobile, WANG.password) if url == "/sign-in" else (ZHOU.mobile, ZHOU.password)
    login, password = data.draw(st.one_of(
        st.tuples(field(), field()), st.just(good), st.tuples(st.just(good[0]), field())))
    response, mode = fuzz_post(world, data, "anonymous", url,
                               {"login": login, "password": password,
                                "next": data.draw(junk_next)})
    if response.status_code == 302 and mode not in ("missing", "wrong"):
        assert (login, password) == good, "signed in with junk"
        assert_stays_on_site(response)
    else:
        assert_refused(world, response, mode)


# ---- questions ------------------------------------------------------------------------------
# (service, question key, type) of the fuzzed questions: one of each field type.
QUESTIONS = [
    ("retirement", "matters", "checkboxes"),
    ("retirement", "full_name", "name"),
    ("retirement", "id_number", "id_number"),
    ("retirement", "mobile", "mobile"),
    ("retirement", "retire_kind", "radio"),
    ("retirement", "bank_account", "bank_account"),
    ("retirement", "home_address", "address"),
    ("retirement", "only_child_certificate", "file"),
    ("elderly-allowance", "birth_date", "date"),
    ("flexible-employment", "insurances", "checkboxes"),
    ("flexible-employment", "work_type", "text"),
    ("public-rental-housing", "housing_situation", "textarea"),
    ("public-rental-housing", "owns_home", "yesno"),
]
MAX_LENGTH = {"name": 50, "text": 200, "textarea": 500, "address": 120}
VALID = {"name": ("王秀英",), "id_number": (WANG.id_number,), "mobile": ("13912345678",),
         "bank_account": ("6200000000000000101",), "text": ("快递员",),
         "textarea": ("没有其他需要说明的情况。",), "yesno": ("yes", "no")}


def question_fields(world, code, key, kind):
    """The strategies for every input of the question's form."""
    if kind == "date":
        return {f"{key}-{part}": field(valid, "0", "99999999999999999999")
                for part, valid in (("year", "1940"), ("month", "6"), ("day", "21"))}
    if kind == "address":
        return {f"{key}-region": field("湖南省长沙市芙蓉区"), f"{key}-detail": field("示例路 1 号")}
    if kind in ("radio", "checkboxes"):
        with world["app"].test_request_context():
            from conftest import question_of
            q = question_of(world["app"], code, key)
        return {key: field(*(o.value for o in q.options))}
    return {key: field(*VALID.get(kind, ()))}


@pytest.mark.parametrize("code,key,kind", QUESTIONS)
@FUZZ
@given(data=st.data())
def test_question_keeps_junk_out_of_the_draft(world, code, key, kind, data):
    fields = {name: data.draw(strategy)
              for name, strategy in question_fields(world, code, key, kind).items()}
    fields["yiban_language"] = data.draw(st.one_of(st.just(MISSING), st.just(MISSING), scalar,
                                                   st.just("en")))
    fields.update(data.draw(junk_fields()))
    mode = data.draw(CSRF_MODES)
    fields = with_token(fields, token_of(world, "citizen"), mode, data.draw)
    query = data.draw(st.sampled_from(("", "?return=check", "?correct=1")))
    url = f"/apply/{code}/{key}{query}"
    before = draft_answers(world, code)
    client = browser(world, "citizen")
    if kind == "file":
        response = post_multipart(client, url, fields, key, data.draw(uploads))
    else:
        response = post_raw(client, url, fields)
    assert_no_server_error(response)
    after = draft_answers(world, code)
    saved = (response.status_code == 302
             and urlsplit(response.location).path != f"/apply/{code}/{key}")
    if saved:
        assert mode in ("valid", "twice")
        assert {k: v for k, v in after.items() if k != key} == \
            {k: v for k, v in before.items() if k != key}
        assert_clean(after[key], MAX_LENGTH.get(kind))
    else:
        assert after == before, "a refused answer changed the draft"
        if response.status_code != 302:
            assert_refusal_explained(world, response)
    # Whatever was kept unvalidated (a stale token, a language switch) shows again safely.
    page = client.get(f"/apply/{code}/{key}")
    assert page.status_code == 200, page.status_code


@pytest.mark.parametrize("code,key,kind", [q for q in QUESTIONS if q[2] != "file"])
@FUZZ
@given(data=st.data())
def test_an_answer_sent_from_offline_keeps_junk_out_of_the_draft(world, code, key, kind, data):
    """The offline sending endpoint (static/js/offline.js) with the question's fields as
    junk, any idempotency key: the draft gets a clean answer or nothing, never a 5xx."""
    fields = {name: data.draw(strategy)
              for name, strategy in question_fields(world, code, key, kind).items()}
    fields.update(data.draw(junk_fields()))
    mode = data.draw(CSRF_MODES)
    fields = with_token(fields, token_of(world, "citizen"), mode, data.draw)
    key_header = data.draw(st.text(alphabet="abcdef0123456789-", max_size=80))
    before = draft_answers(world, code)
    response = browser(world, "citizen").post(
        f"/offline/send/{code}/{key}", data=urlencode_raw(pairs_of(fields)),
        content_type="application/x-www-form-urlencoded",
        headers={"Idempotency-Key": key_header})
    assert_no_server_error(response)
    after = draft_answers(world, code)
    if response.status_code == 201:
        assert mode in ("valid", "twice") and 0 < len(key_header) <= 64
        assert {k: v for k, v in after.items() if k != key} == \
            {k: v for k, v in before.items() if k != key}
        assert_clean(after[key], MAX_LENGTH.get(kind))
    elif response.status_code != 200:  # 200: that key was applied before
        assert after == before, "a refused answer changed the draft"


@pytest.mark.parametrize("code,key,kind", [q for q in QUESTIONS if q[2] != "file"])
@FUZZ
@given(data=st.data())
def test_inline_validation_stores_nothing(world, code, key, kind, data):
    fields = {name: data.draw(strategy)
              for name, strategy in question_fields(world, code, key, kind).items()}
    fields = with_token(fields, token_of(world, "citizen"), data.draw(CSRF_MODES), data.draw)
    draft = world["store"].open_draft(WANG.id, code)
    before = (dict(draft.answers), dict(draft.pending))
    response = post_raw(browser(world, "citizen"), f"/apply/{code}/{key}/validate", fields)
    assert response.status_code in (200, 400), response.status_code
    draft = world["store"].open_draft(WANG.id, code)
    assert (dict(draft.answers), dict(draft.pending)) == before


@FUZZ
@given(data=st.data())
def test_check_answers_creates_no_application_from_junk(world, data):
    # 张… no: 王秀英's flexible-employment draft is unfinished, so it cannot be sent.
    before = application_count(world)
    response, mode = fuzz_post(world, data, "citizen", "/apply/flexible-employment/check",
                               {"submission_key": data.draw(field())})
    assert application_count(world) == before
    assert_refused(world, response, mode)


# ---- 我的办件: withdraw, 补正, 好差评 ------------------------------------------------------------
@FUZZ
@given(data=st.data())
def test_withdraw_needs_a_good_token(world, data):
    number = world["to_withdraw"]
    was = world["platform"].application(number, WANG.id).status
    response, mode = fuzz_post(world, data, "citizen", f"/my/applications/{number}/withdraw", {})
    now = world["platform"].application(number, WANG.id).status
    if mode in ("missing", "wrong"):
        assert_expired(world, response)
        assert now == was
    else:
        assert response.status_code in (200, 302)


@FUZZ
@given(data=st.data())
def test_supplement_answer_is_clean_or_refused(world, data):
    number, supplement_id = world["number"], world["supplement"]
    fields = {"answer": data.draw(field("工作证明已上传。"))}
    fields.update(data.draw(junk_fields()))
    mode = data.draw(CSRF_MODES)
    fields = with_token(fields, token_of(world, "citizen"), mode, data.draw)
    url = f"/my/applications/{number}/supplements/{supplement_id}"
    upload = data.draw(uploads)
    client = browser(world, "citizen")
    response = (post_multipart(client, url, fields, "upload", upload) if data.draw(st.booleans())
                else post_raw(client, url, fields))
    assert_no_server_error(response)
    asked = next(s for s in world["platform"].application(number, WANG.id).supplements
                 if s.id == supplement_id)
    if response.status_code == 302:
        assert mode in ("valid", "twice")
        assert asked.answered_at is not None
        assert_clean(asked.answer.get("text"), 1000)
        # Answered: ask again, so the next example has something to answer.
        world["supplement"] = world["platform"].raise_supplement(number, "人社", "再补充").id
    elif mode in ("missing", "wrong"):
        assert_expired(world, response)
        assert asked.answered_at is None
    else:
        assert response.status_code == 200


@FUZZ
@given(data=st.data())
def test_rating_is_clean_or_refused(world, data):
    number = world["finished"]
    before = world["platform"].application(number, WANG.id).rating
    response, mode = fuzz_post(world, data, "citizen", f"/my/applications/{number}/rating",
                               {"level": data.draw(field("1", "3", "5")),
                                "comment": data.draw(field("很好"))})
    after = world["platform"].application(number, WANG.id).rating
    if response.status_code == 302 and "rated=1" in response.location:
        assert after.level in (1, 2, 3, 4, 5)
        assert_clean(after.comment, 500)
    else:
        assert after == before
        if mode in ("missing", "wrong") or response.status_code == 200:
            assert_refused(world, response, mode)


# ---- consent --------------------------------------------------------------------------------
@FUZZ
@given(data=st.data())
def test_grant_gives_nothing_for_junk(world, data):
    fields = {"helper": data.draw(field("HB1002")), "scope": data.draw(field("all", "chosen")),
              "services": data.draw(field("retirement")), "hours": data.draw(field("4", "720")),
              "confirm": data.draw(field("1"))}
    before = authorisation_count(world)
    response, mode = fuzz_post(world, data, "citizen", "/my/helpers/new", fields)
    if response.status_code == 302:
        assert mode in ("valid", "twice") and authorisation_count(world) == before + 1
        assert fields["confirm"] == "1", "granted without the confirm step"
        newest = world["consents"].authorisations_of_citizen(WANG.id)
        assert all(set(a.services or ()) <= {"retirement"} for a in newest)
        assert {a.helper_id for a in newest} <= {ZHOU.id, "wu-jing"}
    else:
        assert authorisation_count(world) == before
        html = response.get_data(as_text=True)
        if mode in ("valid", "twice") and 'name="confirm" value="1"' in html:
            assert not error_summary_links(html)  # the confirm step: who the helper is
        else:
            assert_refused(world, response, mode)


@FUZZ
@given(data=st.data())
def test_in_person_consent_gives_nothing_for_junk(world, data):
    login, password = data.draw(st.one_of(st.tuples(field(), field()),
                                          st.just((WANG.mobile, WANG.password))))
    before = authorisation_count(world)
    response, mode = fuzz_post(world, data, "helper", "/helper/in-person",
                               {"login": login, "password": password,
                                "hours": data.draw(field("4", "168"))})
    if response.status_code == 302:
        assert (login, password) == (WANG.mobile, WANG.password), "consent from junk"
    else:
        assert authorisation_count(world) == before
        assert_refused(world, response, mode)


# ---- display settings and 长辈版 ----------------------------------------------------------
@pytest.mark.parametrize("url", ["/display", "/display/elder"])
@FUZZ
@given(data=st.data())
def test_display_settings_keep_only_known_values(world, url, data):
    fields = {key: data.draw(field(*allowed)) for key, allowed in CHOICES.items()}
    fields["aids"] = data.draw(st.one_of(field(*SWITCHES), st.just(list(SWITCHES))))
    fields["on"] = data.draw(field("1", "0"))
    fields["next"] = data.draw(junk_next)
    fields.update(data.draw(junk_fields()))
    # No form token (they change only the browser's own cookie); another site's post
    # is refused and sets nothing.
    cross_site = data.draw(st.booleans())
    client = browser(world, "anonymous")
    headers = {"HX-Request": "true"} if data.draw(st.booleans()) else {}
    if cross_site:
        headers["Sec-Fetch-Site"] = "cross-site"
    response = client.post(url, data=urlencode_raw(pairs_of(fields)), headers=headers,
                           content_type="application/x-www-form-urlencoded")
    assert_no_server_error(response)
    if cross_site:
        assert response.status_code == 400
        assert client.get_cookie(DISPLAY_COOKIE) is None
        return
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert_stays_on_site(response)
    cookie = client.get_cookie(DISPLAY_COOKIE)
    assert cookie is not None and not GARBAGE.search(cookie.value)
    prefs = DisplayPreferences.from_cookie(cookie.value)
    for key, allowed in CHOICES.items():
        assert getattr(prefs, key) in allowed


# ---- buttons with nothing but a token -------------------------------------------------------
BUTTONS = [("citizen", "/sign-out"), ("citizen", "/sign-out-everywhere"),
           ("citizen", "/language/en"), ("citizen", "/session/extend"),
           ("helper", "/helper/act/{authorisation}"), ("helper", "/helper/leave"),
           ("citizen", "/my/helpers/{authorisation}/end"), ("citizen", "/my/messages/read"),
           ("citizen", "/my/applications/{number}/text-number")]


@pytest.mark.parametrize("role,url", BUTTONS)
@FUZZ
@given(data=st.data())
def test_buttons_without_fields_need_a_good_token(world, role, url, data):
    mode = data.draw(st.sampled_from(("missing", "wrong", "twice")))
    fields = with_token(data.draw(junk_fields()), token_of(world, role), mode, data.draw)
    messages = world["app"].extensions["messages"]
    before = (authorisation_count(world), [m.read_at for m in messages.messages_of(WANG.id)],
              len(messages.sender.sent(1000)))  # texts of the application number sent
    response = post_raw(browser(world, role), url.format(**world), fields)
    assert_no_server_error(response)
    if mode != "twice":
        assert_expired(world, response)
        after = (authorisation_count(world), [m.read_at for m in messages.messages_of(WANG.id)],
                 len(messages.sender.sent(1000)))
        assert after == before


@FUZZ
@given(data=st.data())
def test_dismissing_a_suggestion_needs_a_real_key(world, data):
    response, mode = fuzz_post(world, data, "citizen", "/suggestions/dismiss",
                               {"key": data.draw(field())})
    assert world["store"].dismissed_suggestions(WANG.id) == set(), "junk dismissed something"
    if mode in ("missing", "wrong"):
        assert_expired(world, response)
    else:
        assert response.status_code == 302
        assert_stays_on_site(response)


# ---- numbers too large for a date ------------------------------------------------------------
@pytest.mark.parametrize("parts", [
    {"year": "1940", "month": "9" * 20, "day": "21"},
    {"year": "1940", "month": "6", "day": "9" * 30},
    {"year": "９９９９", "month": "１２", "day": "３１"},
    {"year": "١٩٤٠", "month": "٦", "day": "٢١"},
    {"year": "1940", "month": "²", "day": "1"},
    {"year": "0000", "month": "0", "day": "0"},
])
def test_a_date_of_impossible_numbers_is_refused_with_a_message(world, parts):
    fields = {f"birth_date-{part}": value for part, value in parts.items()}
    fields["csrf_token"] = token_of(world, "citizen")
    before = draft_answers(world, "elderly-allowance")
    response = post_raw(browser(world, "citizen"), "/apply/elderly-allowance/birth_date", fields)
    assert_no_server_error(response)
    if response.status_code == 302:  # digits of another script are still digits
        assert draft_answers(world, "elderly-allowance")["birth_date"] == "1940-06-21"
    else:
        assert_refusal_explained(world, response)
        assert draft_answers(world, "elderly-allowance") == before
