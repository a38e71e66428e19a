"""Assisted mode (帮办): helpers apply for citizens who authorised them, within that
consent only, with both identities on the record and every look in the access log."""
from __future__ import annotations

import re
from html import unescape

import pytest

from app.forms.identifiers import mask_id_number, mask_name
from conftest import (WANG, WU, ZHANG, ZHOU, act_for, apply_and_submit, csrf_token,
                      error_summary_links, path_of, post_with_csrf, sign_in_as,
                      sign_in_as_helper, submit_check, text_of, title, translate, walk_service)
from test_authorisation import WANG_ANSWERS

WANG_MASKED = mask_name(WANG.name)


def joined(html: str) -> str:
    """Long numbers are shown in groups spaced by CSS (app/numbers.py): their digits."""
    return html.replace('</span><span class="digits__group">', "")


# ---- helpers of the tests ------------------------------------------------------------
def grant(app, helper=ZHOU, services=None, hours=24, citizen=WANG):
    return app.extensions["consents"].grant(citizen.id, helper.id, services, hours, "remote")


def act(helper_client, authorisation_id):
    page = helper_client.get("/helper/")
    return helper_client.post(f"/helper/act/{authorisation_id}",
                              data={"csrf_token": csrf_token(page.get_data(as_text=True))})


@pytest.fixture
def wang(app):
    client = app.test_client()
    sign_in_as(client, WANG)
    return client


@pytest.fixture
def zhou(app):
    client = app.test_client()
    sign_in_as_helper(client, ZHOU)
    return client


@pytest.fixture
def acting(app, zhou):
    """周建华 acting for 王秀英 with consent for every service."""
    authorisation = grant(app)
    assert path_of(act(zhou, authorisation.id).location) == "/my/"
    return zhou


def access_actions(app, citizen=WANG):
    return [e.action for e in app.extensions["consents"].access_log_of(citizen.id)]


# ---- signing in as a helper ----------------------------------------------------------
@pytest.mark.parametrize("login", [ZHOU.mobile, "HB1001", " hb 1001 "])
def test_a_helper_signs_in_with_code_or_mobile_and_lands_on_the_worklist(client, login):
    page = client.get("/helper/sign-in")
    response = client.post("/helper/sign-in", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "login": login,
        "password": ZHOU.password})
    assert path_of(response.location) == "/helper/"
    html = client.get("/helper/").get_data(as_text=True)
    assert ZHOU.name in html.split("</header>")[0]


def test_a_wrong_helper_password_is_refused_with_a_message_beside_the_field(client):
    response = post_with_csrf(client, "/helper/sign-in", {"login": "HB1001", "password": "nope"})
    assert response.status_code == 200
    [(target, message)] = error_summary_links(response.get_data(as_text=True))
    assert target == "password"
    assert message == translate(client.application, "The helper code, mobile number or password is not right. Check them and try again.")


def test_a_citizen_password_does_not_sign_in_as_a_helper(client):
    response = post_with_csrf(client, "/helper/sign-in", {"login": WANG.mobile, "password": WANG.password})
    assert response.status_code == 200


def test_the_helper_pages_need_a_helper_sign_in(client, wang):
    for url in ("/helper/", "/helper/in-person"):
        assert path_of(client.get(url).location).startswith("/helper/sign-in")
        assert path_of(wang.get(url).location).startswith("/helper/sign-in")


# ---- consent from the citizen's account ---------------------------------------------
def test_two_authorisations_of_one_helper_are_ended_by_buttons_of_different_names(app, wang):
    """Each "end" form is named by its button: with the same helper twice (say, for
    different services) a screen reader must still tell the two apart."""
    for services in (["retirement"], None):
        grant(app, services=services)
    html = wang.get("/my/helpers").get_data(as_text=True)
    names = [text_of(button) for button in
             re.findall(r'<button[^>]*id="post-[^"]*"[^>]*>(.*?)</button>', html, re.S)]
    ending = [name for name in names if ZHOU.name in name]
    assert len(ending) == 2 and len(set(ending)) == 2, ending


def test_a_citizen_authorises_a_helper_who_then_sees_them_on_the_worklist(wang, zhou):
    response = post_with_csrf(wang, "/my/helpers/new",
                              {"helper": "HB1001", "scope": "all", "hours": "168", "confirm": "1"})
    assert path_of(response.location) == "/my/helpers"
    listing = text_of(wang.get("/my/helpers").get_data(as_text=True))
    assert ZHOU.name in listing
    worklist = zhou.get("/helper/").get_data(as_text=True)
    assert WANG_MASKED in worklist and WANG.name not in worklist
    assert mask_id_number(WANG.id_number) in joined(worklist) and WANG.id_number not in worklist


def test_after_the_code_the_citizen_sees_who_that_is_and_nothing_is_granted_yet(wang, app):
    response = post_with_csrf(wang, "/my/helpers/new",
                              {"helper": "hb1001", "scope": "all", "hours": "168"})
    html = response.get_data(as_text=True)
    page = text_of(html)
    assert response.status_code == 200
    assert title(html).startswith(translate(app, "Is this your helper?"))
    for fact in (ZHOU.name, "长沙市芙蓉区示例街道示例社区", translate(app, "community grid worker"),
                 translate(app, "All services"), translate(app, "7 days")):
        assert fact in page
    assert app.extensions["consents"].authorisations_of_citizen(WANG.id) == []
    # A plain form confirms it (no script needed); the back link changes the code.
    confirm = re.search(r'<form method="post".*?</form>', html, re.S).group(0)
    assert re.search(r'<button[^>]*name="confirm" value="1"', confirm)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', confirm))
    response = wang.post("/my/helpers/new", data=fields | {"confirm": "1", "csrf_token": csrf_token(html)})
    assert path_of(response.location) == "/my/helpers"
    [authorisation] = app.extensions["consents"].authorisations_of_citizen(WANG.id)
    assert (authorisation.helper_id, authorisation.services) == (ZHOU.id, None)
    back = re.search(r'<a class="back-link" href="([^"]+)"', html).group(1)
    form = wang.get(unescape(back)).get_data(as_text=True)
    assert 'value="hb1001"' in form and re.search(r'value="168"[^>]*checked', form)


def test_coming_from_a_service_the_scope_is_that_service_not_all(wang, app):
    service_page = wang.get("/services/retirement").get_data(as_text=True)
    link = re.search(r'href="(/my/helpers/new\?service=retirement)"', service_page).group(1)
    form = wang.get(link).get_data(as_text=True)
    assert re.search(r'value="chosen"[^>]*checked', form)
    assert re.search(r'value="retirement"[^>]*checked', form)
    assert not re.search(r'value="all"[^>]*checked', form)
    confirm = post_with_csrf(wang, "/my/helpers/new", {
        "helper": "HB1001", "scope": "chosen", "services": ["retirement"], "hours": "24"},
        page=link).get_data(as_text=True)
    assert "退休一件事" in text_of(confirm)
    assert '<input type="hidden" name="services" value="retirement">' in confirm
    assert translate(app, "All services") not in text_of(confirm)
    # Without a service nothing is chosen for the citizen: never all services by default.
    assert not re.search(r'value="(all|chosen)"[^>]*checked', wang.get("/my/helpers/new").get_data(as_text=True))


def test_authorising_an_unknown_helper_says_so_and_keeps_the_answers(wang):
    response = post_with_csrf(wang, "/my/helpers/new",
                              {"helper": "HB9999", "scope": "chosen", "services": ["retirement"],
                               "hours": "24"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert [t for t, _m in error_summary_links(html)] == ["helper"]
    assert 'value="HB9999"' in html
    assert re.search(r'value="retirement"[^>]*checked', html)


def test_only_chosen_services_needs_at_least_one_service(wang):
    response = post_with_csrf(wang, "/my/helpers/new",
                              {"helper": "HB1001", "scope": "chosen", "hours": "24"})
    assert [t for t, _m in error_summary_links(response.get_data(as_text=True))] == ["services-1"]


def test_a_duration_longer_than_30_days_cannot_be_posted(wang, app):
    response = post_with_csrf(wang, "/my/helpers/new",
                              {"helper": "HB1001", "scope": "all", "hours": "9999"})
    assert response.status_code == 200
    assert app.extensions["consents"].authorisations_of_citizen(WANG.id) == []


# ---- consent given in person ---------------------------------------------------------
def test_in_person_consent_needs_the_citizens_own_password(zhou, app):
    response = post_with_csrf(zhou, "/helper/in-person",
                              {"login": WANG.mobile, "password": "wrong", "hours": "4"})
    assert response.status_code == 200
    assert app.extensions["consents"].authorisations_of_citizen(WANG.id) == []


def test_in_person_consent_starts_acting_and_is_on_the_citizens_record(zhou, wang, app):
    response = post_with_csrf(zhou, "/helper/in-person",
                              {"login": WANG.mobile, "password": WANG.password, "hours": "4"})
    assert path_of(response.location) == "/my/"
    [authorisation] = app.extensions["consents"].authorisations_of_citizen(WANG.id)
    assert authorisation.method == "in_person"
    assert WANG_MASKED in zhou.get("/my/").get_data(as_text=True)
    assert ZHOU.name in text_of(wang.get("/my/helpers").get_data(as_text=True))


def test_the_in_person_form_does_not_let_the_browser_keep_the_citizens_password(zhou):
    html = zhou.get("/helper/in-person").get_data(as_text=True)
    assert 'type="password"' in html and 'autocomplete="current-password"' not in html


# ---- acting for a citizen ------------------------------------------------------------
@pytest.mark.parametrize("url", ["/my/", "/", "/services/retirement", "/apply/retirement/full_name",
                                 "/display"])
def test_every_page_says_whom_the_helper_acts_for_in_a_labelled_region(acting, app, url):
    html = acting.get(url).get_data(as_text=True)
    banner = re.search(r'<section class="assisted-banner" aria-labelledby="([^"]+)">(.*?)</section>',
                       html, re.S)
    assert banner, url
    assert f'id="{banner.group(1)}"' in banner.group(2)
    text = text_of(banner.group(2))
    # the full name and the ID's last four digits: two citizens called 王 never look alike
    assert translate(app, "You are applying for %(citizen)s (ID ending in %(digits)s)",
                     citizen=WANG.name, digits=WANG.id_number[-4:]) in text
    assert f"{WANG.name}（身份证尾号{WANG.id_number[-4:]}）" in title(html)
    assert ZHOU.name in text
    assert 'action="/helper/leave"' in banner.group(2) and 'href="/helper/"' in banner.group(2)


def test_leaving_assisted_mode_shows_nothing_of_the_citizen(acting):
    post_with_csrf(acting, "/helper/leave", page="/my/")
    response = acting.get("/my/")
    assert path_of(response.location) == "/helper/"
    assert "assisted-banner" not in acting.get("/").get_data(as_text=True)


def test_a_helper_applies_and_both_identities_are_on_the_record(acting, app, wang):
    number = apply_and_submit(acting, app, "retirement", WANG_ANSWERS)
    application = app.extensions["platform"].application(number, WANG.id)
    assert application.owner_id == WANG.id and application.submitted_by == ZHOU.id
    assert application.timeline[0].acted_by == ZHOU.id
    confirmation = text_of(acting.get(f"/my/applications/{number}/confirmation").get_data(as_text=True))
    assert ZHOU.name in confirmation
    # The citizen sees in her own account who sent it for her.
    timeline = text_of(wang.get(f"/my/applications/{number}").get_data(as_text=True))
    helper = app.extensions["platform"].helper(ZHOU.id)
    with app.test_request_context():
        from app.core.templating import helper_label
        label = helper_label(helper)
    assert translate(app, "Done on the citizen's behalf by %(helper)s", helper=label) in timeline


def test_the_draft_records_the_helper_who_worked_on_it(acting, app):
    walk_service(acting, app, "retirement", WANG_ANSWERS)
    draft = app.extensions["front_store"].open_draft(WANG.id, "retirement")
    assert draft.acted_by == ZHOU.id and draft.owner_id == WANG.id


def test_the_helper_sees_identifiers_masked_on_check_answers_the_citizen_in_full(acting, app, wang):
    walk_service(acting, app, "retirement", WANG_ANSWERS)
    helper_view = acting.get("/apply/retirement/check").get_data(as_text=True)
    assert mask_id_number(WANG.id_number) in joined(helper_view) and WANG.id_number not in helper_view
    citizen_view = wang.get("/apply/retirement/check").get_data(as_text=True)
    assert WANG.id_number in joined(citizen_view)


def test_a_helper_withdraws_and_the_withdrawal_names_them(acting, app, clock):
    number = apply_and_submit(acting, app, "retirement", WANG_ANSWERS)
    response = post_with_csrf(acting, f"/my/applications/{number}/withdraw")
    assert response.status_code == 302
    application = app.extensions["platform"].application(number, WANG.id)
    assert application.status == "withdrawn" and application.timeline[-1].acted_by == ZHOU.id


def test_everything_the_helper_saw_or_did_is_in_the_citizens_access_log(acting, app, wang):
    number = apply_and_submit(acting, app, "retirement", WANG_ANSWERS)
    acting.get(f"/my/applications/{number}")
    actions = access_actions(app)
    for action in ("view_profile", "start_draft", "view_draft", "save_answer", "submit",
                   "view_application"):
        assert action in actions, action
    page = text_of(wang.get("/my/access-log").get_data(as_text=True))
    assert ZHOU.name in page and number in page
    assert translate(app, "Sent an application for you") in page
    assert app.extensions["consents"].verify_chain().ok


def test_a_new_page_nobody_classified_is_logged_all_the_same(app, client):
    """A route added without a word in app/assisted/acting.py is not missed: a helper
    acting for her who gets it leaves a general entry (the route matrix test then asks
    for it to be classified)."""
    app.add_url_rule("/my/new-page", "new_page", lambda: "her data")
    act_for(app, client, WANG, ZHOU)
    assert client.get("/my/new-page").status_code == 200
    newest = app.extensions["consents"].access_log_of(WANG.id)[0]
    assert (newest.actor_id, newest.action) == (ZHOU.id, "view_page")


def visits_on_the_page(html: str) -> list[str]:
    return re.findall(r'<li class="visit">(.*?)</li>', html, re.S)


def test_the_access_log_shows_one_line_per_visit_listing_what_was_done(acting, app, wang):
    """A helper who views 5 pages and saves 2 answers is one visit, whose
    line names them and the actions; opened, it lists every one."""
    for _ in range(3):
        acting.get("/apply/retirement/full_name")
    for _ in range(2):  # each: the page, then the answer sent
        post_with_csrf(acting, "/apply/retirement/full_name", {"full_name": WANG.name})
    html = wang.get("/my/access-log").get_data(as_text=True)
    helper_visits = [v for v in visits_on_the_page(html) if ZHOU.name in v]
    assert len(helper_visits) == 1, helper_visits
    [visit] = helper_visits
    summary = text_of("<body>" + visit.split("</summary>")[0])
    for action, count in (("Looked at an unfinished application", 5),
                          ("Answered a question of an application", 2)):
        assert translate(app, "%(what)s (%(count)s times)", what=translate(app, action),
                         count=count) in summary, summary
    assert translate(app, "Started helping you") in summary
    rows = re.findall(r"<tr>", visit.split("<tbody>")[1])
    assert len(rows) == 1 + 1 + 5 + 2  # the worklist, acting for her, 5 pages, 2 answers
    assert "<details>" in visit and "<summary " in visit  # opens without JavaScript


def test_a_pause_of_more_than_half_an_hour_starts_a_new_visit():
    from datetime import datetime, timedelta

    from app.assisted.consent import AccessEntry
    from app.assisted.visits import visits
    start = datetime(2026, 12, 2, 6, 0)

    def entry(n, minutes, actor=ZHOU.id):
        return AccessEntry(n, WANG.id, actor, "helper", "view_draft", None,
                           start + timedelta(minutes=minutes))
    log = [entry(1, 0), entry(2, 29), entry(3, 58), entry(4, 89), entry(5, 90, WU.id),
           entry(6, 91)]
    grouped = visits(list(reversed(log)))  # the log is read newest first
    assert [[e.id for e in v.entries] for v in grouped] == [[6], [5], [4], [1, 2, 3]]


def test_the_citizen_looking_at_her_own_data_is_not_logged(wang, app):
    apply_and_submit(wang, app, "retirement", WANG_ANSWERS)
    wang.get("/my/")
    assert [a for a in access_actions(app) if a not in ("grant", "revoke")] == []


def test_ending_the_authorisation_takes_effect_on_the_helpers_next_request(acting, app, wang):
    [authorisation] = app.extensions["consents"].authorisations_of_citizen(WANG.id)
    post_with_csrf(wang, f"/my/helpers/{authorisation.id}/end", page="/my/helpers")
    response = acting.get("/my/")
    assert path_of(response.location) == "/helper/"
    worklist = acting.get("/helper/").get_data(as_text=True)
    assert WANG_MASKED not in worklist


def test_a_citizen_cannot_end_another_citizens_authorisation(app, wang):
    authorisation = grant(app, citizen=ZHANG)
    response = post_with_csrf(wang, f"/my/helpers/{authorisation.id}/end", page="/my/helpers")
    assert response.status_code == 404
    assert app.extensions["consents"].active(ZHOU.id, ZHANG.id) is not None


def test_a_helper_cannot_act_on_an_authorisation_given_to_another_helper(app, zhou):
    authorisation = grant(app, helper=WU)
    response = act(zhou, authorisation.id)
    assert path_of(response.location) == "/helper/"
    assert path_of(zhou.get("/my/").location) == "/helper/"


def test_answers_posted_after_consent_ended_are_not_parked_for_the_next_sign_in(acting, app, wang):
    [authorisation] = app.extensions["consents"].authorisations_of_citizen(WANG.id)
    page = acting.get("/apply/retirement/full_name").get_data(as_text=True)
    post_with_csrf(wang, f"/my/helpers/{authorisation.id}/end", page="/my/helpers")
    response = acting.post("/apply/retirement/full_name",
                           data={"csrf_token": csrf_token(page), "full_name": "代填的名字"})
    assert path_of(response.location) == "/helper/"
    with acting.session_transaction() as session:
        assert "parked" not in session


# ---- the authorisation matrix: every citizen-data route × every state of consent ----
STATES = ("none", "out_of_scope", "expired", "revoked", "valid")


@pytest.fixture
def matrix(app, clock, wang, zhou):
    """王秀英 has a sent retirement application and a new retirement draft."""
    number = apply_and_submit(wang, app, "retirement", WANG_ANSWERS)
    wang.get("/apply/retirement")
    return number


def put_in_state(app, zhou, wang, clock, state):
    consents = app.extensions["consents"]
    if state == "none":
        with zhou.session_transaction() as session:  # as if acting with no consent at all
            session["acting_for"] = WANG.id
        return
    services = ["childcare-subsidy"] if state == "out_of_scope" else None
    authorisation = grant(app, services=services, hours=1)
    assert path_of(act(zhou, authorisation.id).location) == "/my/"
    if state == "expired":
        clock.advance(hours=1)
    elif state == "revoked":
        consents.revoke(authorisation.id, WANG.id)


ROUTES = [  # (method, path, form data)
    ("GET", "/my/", None),
    ("GET", "/my/applications/{number}", None),
    ("GET", "/my/applications/{number}/confirmation", None),
    ("GET", "/my/applications/{number}/withdraw", None),
    ("POST", "/my/applications/{number}/withdraw", {}),
    ("GET", "/apply/retirement", None),
    ("GET", "/apply/retirement/full_name", None),
    ("POST", "/apply/retirement/full_name", {"full_name": "王秀英"}),
    ("GET", "/apply/retirement/check", None),
    ("POST", "/apply/retirement/check", {}),
]
CITIZEN_ONLY = ["/my/helpers", "/my/helpers/new", "/my/access-log"]


def request_as(client, method, path, data):
    if method == "GET":
        return client.get(path)
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("method,path,data", ROUTES)
def test_helper_route_answers_exactly_as_consent_allows(app, matrix, zhou, wang, clock,
                                                        state, method, path, data):
    put_in_state(app, zhou, wang, clock, state)
    before = len(access_actions(app))
    response = request_as(zhou, method, path.format(number=matrix), data)
    html = response.get_data(as_text=True)
    if state == "valid":
        assert response.status_code in (200, 302)
        assert not (response.location or "").endswith("/helper/")
        assert len(access_actions(app)) > before  # looked at: on her record
        return
    if state == "out_of_scope" and path != "/my/":
        assert response.status_code == 403
    elif state == "out_of_scope":
        assert response.status_code == 200  # her list, without the retirement service
    else:
        assert response.status_code == 302 and path_of(response.location) == "/helper/"
    for secret in (matrix, WANG.id_number, mask_id_number(WANG.id_number)):
        assert secret not in joined(html)
    if state != "out_of_scope":  # out of scope, she still has consent: the banner names Wang
        assert WANG_MASKED not in html and WANG.name not in html
    assert app.extensions["platform"].application(matrix, WANG.id).status == "submitted"


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("path", CITIZEN_ONLY)
def test_a_helper_never_reaches_the_citizens_consent_pages(app, matrix, zhou, wang, clock,
                                                           state, path):
    put_in_state(app, zhou, wang, clock, state)
    response = zhou.get(path)
    assert response.status_code == 403
    assert WANG.name not in response.get_data(as_text=True)
