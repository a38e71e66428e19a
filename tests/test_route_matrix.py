"""The authorisation matrix: every route of the app × every kind of visitor, against a
table of what each may get. The routes come from the app's URL map, so a new route
that is not in the table fails `test_every_route_is_in_the_table` ("new route not
classified") until someone decides who may use it.

The data belongs to 王秀英 (the citizen): a sent application, a draft, a reading
script, authorisations. The visitors: nobody signed in; 王秀英; another citizen
(张建国); a helper she never authorised (吴静) whose session still names her; and a
helper acting for her with her consent (周建华). (test_assisted.py goes deeper into the
states of consent: out of scope, expired, revoked.)"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import url_for

from app.assisted.acting import ACCESS_ACTIONS, NO_ENTRY, access_action
from app.forms.identifiers import mask_name
from conftest import (WANG, WU, ZHANG, ZHOU, _dispose, _make_app, apply_and_submit,
                      browser_with_copy_of, csrf_token, run_background_jobs, session_data,
                      sign_in_as, sign_in_as_helper)
from test_authorisation import WANG_ANSWERS, WANG_DATA
from test_security_headers import assert_security_headers

ROLES = ("anonymous", "citizen", "other_citizen", "helper_without_consent", "helper_acting")

# What a visitor gets.
OK = "200"
GO = "302 onwards"  # a redirect that is not one of the refusals below
ALLOWED = "200 or 302 onwards"  # depends on what earlier requests did (a draft sent …)
SIGN_IN = "302 to sign-in"
HELPER_SIGN_IN = "302 to helper sign-in"
WORKLIST = "302 to the helper's worklist"
UNAUTHORISED = "401"
FORBIDDEN = "403"
NOT_FOUND = "404"


def everyone(outcome):
    return dict.fromkeys(ROLES, outcome)


def each(anonymous, citizen, other_citizen, helper_without_consent, helper_acting):
    return dict(zip(ROLES, (anonymous, citizen, other_citizen, helper_without_consent,
                            helper_acting)))


CITIZEN_DATA = each(SIGN_IN, OK, NOT_FOUND, WORKLIST, OK)  # one of her applications
OWN_DATA = each(SIGN_IN, OK, OK, WORKLIST, OK)  # whoever is signed in sees their own
HELPERS_ONLY = each(HELPER_SIGN_IN, HELPER_SIGN_IN, HELPER_SIGN_IN, OK, OK)
CITIZENS_ONLY = each(SIGN_IN, OK, OK, FORBIDDEN, FORBIDDEN)  # consent and the access log
# The reading of a page she saw herself: hers alone (a helper acting for her has their own).
HER_SCRIPT = each(NOT_FOUND, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND)

# (endpoint, method) -> outcome per role. Every route of the URL map must be here.
TABLE = {
    ("catalogue.home", "GET"): everyone(OK),
    ("catalogue.search", "GET"): everyone(OK),
    ("catalogue.service", "GET"): everyone(OK),
    # 服务找人 "不再提示": the citizen themself only; never a helper, even with consent.
    ("catalogue.dismiss_suggestion", "POST"): each(SIGN_IN, GO, GO, FORBIDDEN, FORBIDDEN),
    ("account.sign_in", "GET"): everyone(OK),
    ("account.sign_in", "POST"): everyone(OK),  # blank: the form again, with errors
    ("account.sign_out_page", "POST"): everyone(GO),
    # Ends every sign-in of the account; nobody signed in: just the signed-out page.
    ("account.sign_out_everywhere_page", "POST"): everyone(GO),
    ("account.signed_out", "GET"): everyone(OK),
    ("account.language", "GET"): everyone(GO),  # this browser's cookie only
    ("account.language", "POST"): everyone(GO),  # a signed-in citizen's: kept with the account
    ("account.extend_session", "POST"): each(UNAUTHORISED, OK, OK, OK, OK),
    ("applications.index", "GET"): OWN_DATA,
    ("applications.detail", "GET"): CITIZEN_DATA,
    ("applications.confirmation", "GET"): CITIZEN_DATA,
    ("applications.submission", "GET"): CITIZEN_DATA,  # her submission, in the outbox
    ("applications.withdraw", "GET"): CITIZEN_DATA,
    ("applications.withdraw", "POST"): each(SIGN_IN, ALLOWED, NOT_FOUND, WORKLIST, ALLOWED),
    # Texts the number to her own mobile, then back to the confirmation.
    ("applications.text_number", "POST"): each(SIGN_IN, GO, NOT_FOUND, WORKLIST, GO),
    ("apply.start", "GET"): each(SIGN_IN, GO, GO, WORKLIST, GO),
    ("apply.question", "GET"): OWN_DATA,
    ("apply.question", "POST"): each(SIGN_IN, ALLOWED, ALLOWED, WORKLIST, ALLOWED),
    ("apply.validate_field", "POST"): each(UNAUTHORISED, OK, OK, UNAUTHORISED, OK),
    ("apply.check", "GET"): each(SIGN_IN, ALLOWED, ALLOWED, WORKLIST, ALLOWED),
    ("apply.check", "POST"): each(SIGN_IN, ALLOWED, ALLOWED, WORKLIST, ALLOWED),
    ("assisted.sign_in", "GET"): everyone(OK),
    ("assisted.sign_in", "POST"): everyone(OK),
    ("assisted.worklist", "GET"): HELPERS_ONLY,
    ("assisted.in_person", "GET"): HELPERS_ONLY,
    ("assisted.in_person", "POST"): HELPERS_ONLY,
    # Acting on 周建华's authorisation: only 周建华 may; 吴静 is told it has ended.
    ("assisted.act", "POST"): each(HELPER_SIGN_IN, HELPER_SIGN_IN, HELPER_SIGN_IN, WORKLIST, GO),
    ("assisted.leave", "POST"): each(HELPER_SIGN_IN, HELPER_SIGN_IN, HELPER_SIGN_IN, WORKLIST,
                                     WORKLIST),
    ("consent.authorisations", "GET"): CITIZENS_ONLY,
    ("consent.grant", "GET"): CITIZENS_ONLY,
    ("consent.grant", "POST"): CITIZENS_ONLY,
    ("consent.end", "POST"): each(SIGN_IN, GO, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    ("consent.access_log", "GET"): CITIZENS_ONLY,
    ("display.settings", "GET"): everyone(OK),
    ("display.save", "POST"): everyone(GO),
    ("display.elder", "POST"): everyone(GO),
    ("speech.help", "GET"): everyone(OK),
    # A page's reading made on first use: for whoever asks, of the page as they see it
    # (app/speech/on_demand.py); without a page named there is nothing to read.
    ("speech.page_audio_on_demand", "GET"): everyone(NOT_FOUND),
    ("speech.script_json_on_demand", "GET"): everyone(NOT_FOUND),
    # After sending: answering a request for more, rating a finished application, messages.
    ("applications.supplement", "GET"): CITIZEN_DATA,
    ("applications.supplement", "POST"): each(SIGN_IN, OK, NOT_FOUND, WORKLIST, OK),  # blank: errors
    ("applications.rating", "GET"): CITIZEN_DATA,
    ("applications.rating", "POST"): each(SIGN_IN, OK, NOT_FOUND, WORKLIST, OK),  # blank: errors
    ("messages.index", "GET"): OWN_DATA,
    ("messages.detail", "GET"): CITIZEN_DATA,
    ("messages.read_all", "POST"): each(SIGN_IN, GO, GO, WORKLIST, GO),
    ("speech.script_json", "GET"): HER_SCRIPT,
    ("speech.page_audio", "GET"): HER_SCRIPT,
    ("speech.sentence_audio", "GET"): HER_SCRIPT,
    # For the load balancer and Prometheus: no personal data (the proxy keeps /metrics in).
    ("operations.healthz", "GET"): everyone(OK),
    ("operations.readyz", "GET"): everyone(OK),
    ("operations.metrics", "GET"): everyone(OK),
    # Offline entry: what a device may keep is the same for everyone (nothing personal).
    ("offline.service_worker", "GET"): everyone(OK),
    ("offline.manifest", "GET"): everyone(OK),
    ("offline.rules", "GET"): everyone(OK),
    ("offline.blank_question", "GET"): everyone(OK),
    ("offline.blank_service", "GET"): everyone(OK),
    ("offline.page", "GET"): everyone(OK),
    ("offline.status", "GET"): everyone(OK),  # tags and a form token, nothing of hers
    # Sending a saved answer: 400 without its idempotency key (the matrix sends none);
    # a helper whose consent ended is told so (409), nothing stored.
    ("offline.send", "POST"): each(UNAUTHORISED, "400", "400", "409", "400"),
}


def app_routes(app) -> set[tuple[str, str]]:
    """(endpoint, method) of every route but static files."""
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            if rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def route_url(app, endpoint: str, args: dict) -> str:
    """The route's URL, its variables filled from `args` (only those it has)."""
    [rule] = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    with app.test_request_context():
        return url_for(endpoint, **{name: args[endpoint, name] if (endpoint, name) in args
                                    else args[name] for name in rule.arguments})


# ---- her data and the visitors' sessions, made once per module ------------------------
@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        app = (_make_app(mp, tmp_path_factory.mktemp("data")))
        consents = app.extensions["consents"]
        wang = app.test_client()
        sign_in_as(wang, WANG)
        number = apply_and_submit(wang, app, "retirement", WANG_ANSWERS)
        entry = app.extensions["outbox"].get(1)  # how it went to the platform
        assert entry.application_number == number
        # A department asks her for more; another application of hers is finished (to
        # rate); and she has messages about them.
        platform = app.extensions["platform"]
        asked = platform.raise_supplement(number, "人社", "请补充工作证明")
        finished = apply_and_submit(wang, app, "remote-medical-filing")
        while platform.advance(finished):
            pass
        run_background_jobs(app)
        message = next(m for m in app.extensions["messages"].messages_of(WANG.id)
                       if m.kind == "supplement_requested")
        wang.get("/apply/retirement")  # a new draft
        # The reading of a short page she saw (its audio is made once, for her).
        reading = re.search(r'data-script-url="([^"]+)"',
                            wang.get("/signed-out").get_data(as_text=True)).group(1)
        script = wang.get(reading.replace("&amp;", "&")).get_json()["id"]
        for_zhou = consents.grant(WANG.id, ZHOU.id, None, 24, "remote")
        to_end = consents.grant(WANG.id, "zheng-xiaodong", None, 24, "remote")

        zhang = app.test_client()
        sign_in_as(zhang, ZHANG)
        wu = app.test_client()
        sign_in_as_helper(wu, WU)
        with wu.session_transaction() as session:  # as if she had once let 吴静 act
            session["acting_for"] = WANG.id
        zhou = app.test_client()
        sign_in_as_helper(zhou, ZHOU)
        page = zhou.get("/helper/").get_data(as_text=True)
        zhou.post(f"/helper/act/{for_zhou.id}", data={"csrf_token": csrf_token(page)})

        clients = dict(zip(ROLES, (app.test_client(), wang, zhang, wu, zhou)))
        sessions = {}
        for role, client in clients.items():
            token = csrf_token(client.get("/sign-in").get_data(as_text=True))
            sessions[role] = (session_data(client), token)
        args = {"code": "retirement", "key": "full_name", "number": number, "entry_id": entry.id,
                "script_id": script, "n": 0, ("account.language", "code"): "en",
                ("assisted.act", "authorisation_id"): for_zhou.id,
                ("consent.end", "authorisation_id"): to_end.id,
                "supplement_id": asked.id, "message_id": message.id,
                ("applications.rating", "number"): finished}
        yield {"app": app, "sessions": sessions, "args": args}
        _dispose(app)


def outcome_of(response) -> str:
    if response.status_code != 302:
        return {200: OK, 401: UNAUTHORISED, 403: FORBIDDEN, 404: NOT_FOUND}.get(
            response.status_code, str(response.status_code))
    path = urlsplit(response.location).path
    return {"/sign-in": SIGN_IN, "/helper/sign-in": HELPER_SIGN_IN,
            "/helper/": WORKLIST}.get(path, GO)


def visit(world, role: str, endpoint: str, method: str):
    """The route as the role's browser would ask for it: its own copy of the role's
    session (sessions live on the server: a copy of the cookie would be the same
    session), so nothing one case does (signing out, leaving) reaches the next."""
    app = world["app"]
    data, token = world["sessions"][role]
    client = browser_with_copy_of(app, data)
    url = route_url(app, endpoint, world["args"])
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": token})


# ---- the tests -------------------------------------------------------------------------
def test_every_route_is_in_the_table(world):
    routes = app_routes(world["app"])
    new = sorted(routes - TABLE.keys())
    gone = sorted(TABLE.keys() - routes)
    assert not new, ("new route not classified: add it to TABLE in tests/test_route_matrix.py "
                     f"with what each visitor may get: {new}")
    assert not gone, f"TABLE lists routes the app no longer has: {gone}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method", sorted(TABLE))
def test_route_answers_each_visitor_as_the_table_says(world, endpoint, method, role):
    response = visit(world, role, endpoint, method)
    expected = TABLE[endpoint, method][role]
    got = outcome_of(response)
    if expected == ALLOWED:
        assert got in (OK, GO), (response.status_code, response.location)
    else:
        assert got == expected, (response.status_code, response.location)
    assert_security_headers(response)
    if role not in ("citizen", "helper_acting") and response.status_code == 200:
        body = response.get_data(as_text=True)
        for value in (*WANG_DATA, mask_name(WANG.name)):
            assert value not in body, f"{role} sees {value!r}"


# ---- what a helper acting for her gets is in her access log -----------------------
REFUSALS = (SIGN_IN, HELPER_SIGN_IN, WORKLIST, UNAUTHORISED, FORBIDDEN, NOT_FOUND)
ACTING_REACHES = sorted(route for route, outcome in TABLE.items()
                        if outcome["helper_acting"] not in REFUSALS)
LOGGED_IN_THE_VIEW = {endpoint for endpoint, why in NO_ENTRY.items() if why.startswith("logged")}


def test_every_route_a_helper_acting_reaches_is_logged_or_shows_nothing_of_hers(world):
    unclassified = [route for route in ACTING_REACHES
                    if route not in ACCESS_ACTIONS and route[0] not in NO_ENTRY]
    assert not unclassified, (
        "a helper acting for a citizen reaches these routes: say in app/assisted/acting.py "
        "what the access log records for each (ACCESS_ACTIONS) or why it shows and changes "
        f"nothing of hers (NO_ENTRY): {unclassified}")
    endpoints = {rule.endpoint for rule in world["app"].url_map.iter_rules()}
    assert not NO_ENTRY.keys() - endpoints, "NO_ENTRY names endpoints the app no longer has"
    assert not {e for e, _m in ACCESS_ACTIONS} - endpoints
    assert not {e for e, _m in ACCESS_ACTIONS} & NO_ENTRY.keys()


@pytest.mark.parametrize("endpoint,method", ACTING_REACHES)
def test_what_a_helper_acting_for_her_gets_is_in_her_access_log(world, endpoint, method):
    consents = world["app"].extensions["consents"]
    before = len(consents.access_log_of(WANG.id))
    response = visit(world, "helper_acting", endpoint, method)
    log = consents.access_log_of(WANG.id)
    new = [(e.actor_id, e.action) for e in log[:len(log) - before]]
    if endpoint in LOGGED_IN_THE_VIEW:
        return  # once per citizen shown: test_assisted.py
    expected = access_action(endpoint, method, response.status_code)
    assert new == ([(ZHOU.id, expected)] if expected else []), response.status_code
    if endpoint not in NO_ENTRY and response.status_code < 400:
        assert expected in {ACCESS_ACTIONS.get((endpoint, "GET")), ACCESS_ACTIONS[endpoint, method]}
