"""Every page of the journey in each of its states, as recipes that bring a page there.

Each state is reached the way a person reaches it (links, the real forms) and is
idempotent: it never depends on another test having run first. States that need
history (answers already saved, applications sent and moved on) read it from the
per-session seed (`Seed`, made once per JavaScript mode in conftest).

`who` says whose browser the page is opened in:
  anon       nobody signed in
  newcomer   a citizen who never saved the questions below (empty and error pages)
  applicant  a citizen with saved answers, drafts and sent applications (the seed)
  helper     a helper (帮办人) whom the applicant authorised in the seed, not acting
  acting     that helper, acting for the applicant (the assisted-mode banner)
  fresh      a brand-new browser (for signing out, and for consent given in person)
(seeding.sign_in_as signs a browser in as helper or acting.)
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

from .support import (CHILD_ID, HELPER_BESIDE, KEYBOARD, NEWCOMER, PNG_BYTES,
                      clear_text_inputs, complete_answers, fill, open_messages_when_there,
                      send_application, sign_in, sign_in_helper, submit)


@dataclass(frozen=True)
class State:
    id: str
    who: str
    # Where the page ends up; may name a seeded application ("{seed.retirement}").
    url: str
    # How to get there: reach(page, seed); None means just open `url`.
    reach: Callable | None = None
    errors: bool = False  # the page must show an error summary
    # What proves the page really is in this state: CSS selector -> (least, most) count.
    shows: tuple = ()
    modes: tuple = ("on", "off")  # the JavaScript modes in which the state exists
    # False: reaching the state changes the display settings themselves (saving them,
    # pressing 长辈版), so the page is not in the display mode it was opened in.
    keeps_display_mode: bool = True
    # The government platform cannot be reached while the state is reached and audited
    # in every mode (the local app only: audit.platform_down).
    platform_down: bool = False

    def __str__(self):
        return self.id

    def url_for(self, seed) -> str:
        return self.url.format(seed=seed)

    def open(self, page, seed) -> None:
        if self.reach is None:
            page.goto(self.url_for(seed))
        else:
            self.reach(page, seed)


# ---- 我的办件 ----------------------------------------------------------------------------
def withdraw_within_the_window(page, seed):
    # Withdrawing is open for 10 minutes after sending (MIIT); a long audit outlives
    # that, so the open application is sent afresh once its window has passed.
    page.goto(f"/my/applications/{seed.open}/withdraw")
    if not page.locator("main form button").count():
        seed.open = send_application(page, "remote-medical-filing")
        page.goto(f"/my/applications/{seed.open}/withdraw")


# ---- sign-in ------------------------------------------------------------------------
_wrong_logins = itertools.count(1)


def sign_in_blank(page, seed):
    page.goto("/sign-in")
    submit(page)


def sign_in_wrong_password(page, seed):
    # A new unknown login each time: repeated failures on one login would slow it down
    # ("wait 5 seconds") and this state would turn into another one.
    page.goto("/sign-in")
    fill(page, {"login": f"139{next(_wrong_logins):08d}", "password": "not-the-password"})
    submit(page)


def make_token_stale(page):
    """As if the form had been left open in an old tab (not something a user can do)."""
    page.locator("main form input[name=csrf_token]").evaluate("input => { input.value = 'x'; }")


def expired_form(page, seed):
    """A form whose security token no longer matches (e.g. sent from an old tab)."""
    page.goto("/sign-in")
    make_token_stale(page)
    fill(page, {"login": "13800000001", "password": "x"})
    submit(page)


def signed_out(page, seed):
    citizen = NEWCOMER[seed.js]
    sign_in(page, citizen.mobile, citizen.password)
    submit(page, "header form button[type=submit]")


# ---- display settings -----------------------------------------------------------------
def save_display_settings(page, seed):
    """Save the settings as they stand (htmx with JavaScript, a plain POST without)."""
    page.goto("/display")
    save = page.locator("main form.display-form button[type=submit]")
    if seed.js == "on":
        save.click()
        page.locator("#display-status .display-form__saved").wait_for()
    else:
        with page.expect_navigation():
            save.click()


def press_elder_mode(page, seed):
    """The 长辈版 button in the header: on (or off, if it was on), back on the same page."""
    page.goto("/services/retirement")
    with page.expect_navigation():
        page.locator("header .elder-toggle__button").click()


# ---- one question per page ----------------------------------------------------------
@dataclass(frozen=True)
class FieldCase:
    """One question of each field type, with an invalid and a valid answer."""
    type: str
    code: str
    key: str
    valid: dict
    invalid: dict | None = None  # None: the type has no invalid answer but blank
    # "?correct=1": the question is a fact from the citizen's licence, opened to correct.
    query: str = ""


FIELD_CASES = [
    FieldCase("name", "childcare-subsidy", "child_name",
              valid={"child_name": "张小明"}, invalid={"child_name": "张小明2"}),
    FieldCase("id_number", "childcare-subsidy", "child_id_number",
              valid={"child_id_number": CHILD_ID},
              invalid={"child_id_number": CHILD_ID[:-1] + ("0" if CHILD_ID[-1] != "0" else "1")}),
    FieldCase("date", "childcare-subsidy", "child_birth_date",
              valid={"child_birth_date-year": "2025", "child_birth_date-month": "3",
                     "child_birth_date-day": "1"},
              invalid={"child_birth_date-year": "2025", "child_birth_date-month": "13",
                       "child_birth_date-day": "1"}),
    FieldCase("radio", "childcare-subsidy", "guardian_relation",
              valid={"guardian_relation-1": True}),
    # The card number is a fact from the social security card: "这不对？" opens the field.
    FieldCase("bank_account", "childcare-subsidy", "bank_account",
              valid={"bank_account": "6222020200112233445"}, invalid={"bank_account": "62220"},
              query="?correct=1"),
    FieldCase("mobile", "resident-info-change", "new_mobile",
              valid={"new_mobile": "13912345678"}, invalid={"new_mobile": "12912345678"}),
    FieldCase("address", "resident-info-change", "new_address",
              valid={"new_address-region": "北京市东城区",
                     "new_address-detail": "示例路 2 号 3 单元 401 室"},
              invalid={"new_address-region": "北京市东城区", "new_address-detail": ""}),
    FieldCase("checkboxes", "flexible-employment", "insurances",
              valid={"insurances-1": True, "insurances-2": True}),
    FieldCase("text", "flexible-employment", "work_type",
              valid={"work_type": "外卖骑手"}, invalid={"work_type": "外卖骑手" * 11}),
    FieldCase("textarea", "public-rental-housing", "housing_situation",
              valid={"housing_situation": "一家三口租房住，房租占收入一半。"},
              invalid={"housing_situation": "租房" * 151}),
    FieldCase("yesno", "public-rental-housing", "owns_home",
              valid={"owns_home-2": True}),
    FieldCase("file", "disability-card-renewal", "photo",
              valid={"photo": ("photo.png", PNG_BYTES, "image/png")},
              invalid={"photo": ("notes.txt", b"not a photo", "text/plain")}),
]


def question_path(case: FieldCase) -> str:
    return f"/apply/{case.code}/{case.key}{case.query}"


def answer_blank(case):
    def reach(page, seed):
        page.goto(question_path(case))
        clear_text_inputs(page)
        submit(page)
    return reach


def answer_invalid(case):
    def reach(page, seed):
        page.goto(question_path(case))
        fill(page, case.invalid)
        submit(page)
    return reach


def restored_answer(page, seed):
    """The sign-in or form expired while answering: the typed answer is kept."""
    page.goto("/apply/newborn/birth_hospital")
    # Signed in again in another tab: this page's token is now stale, but this
    # browser's own, so what it sends is kept (a foreign or missing token is refused).
    other_tab = page.context.new_page()
    citizen = NEWCOMER[seed.js]
    sign_in(other_tab, citizen.mobile, citizen.password)
    other_tab.close()
    fill(page, {"birth_hospital": "示例市妇幼保健院"})
    submit(page)


def inline_error(page, seed):
    """With JavaScript, a wrong answer is pointed out when focus leaves the field."""
    page.goto("/apply/childcare-subsidy/child_name")
    page.fill("#child_name", "张小明2")
    page.keyboard.press("Tab")
    page.locator("#child_name-error .error-message").wait_for()


def check_with_missing_answers(page, seed):
    page.goto("/apply/public-rental-housing/check")
    submit(page)


# A saved answer shows: a typed value, a checked choice, or the stored file.
FILLED = ("main form :is(input[type=text][value]:not([value='']), input:checked, "
          "input[type=tel][value]:not([value='']), textarea:not(:empty)), .stored-file")
DRAFT_CARDS = "main h2 + .card-list > .card:not(:has(a[href^='/my/applications/']))"
SENT_CARDS = "main .card:has(a[href^='/my/applications/'])"


def _question_states():
    for case in FIELD_CASES:
        path = question_path(case)
        yield State(f"question-{case.type}-empty", "newcomer", path)
        yield State(f"question-{case.type}-blank", "newcomer", path, answer_blank(case),
                    errors=True)
        if case.invalid:
            yield State(f"question-{case.type}-invalid", "newcomer", path,
                        answer_invalid(case), errors=True)
        yield State(f"question-{case.type}-filled", "applicant", path,
                    shows=((FILLED, (1, 9)),))


STATES = [
    State("home", "anon", "/"),
    State("search-results", "anon", "/search?q=tx", shows=(("main .card", (1, 99)),)),
    State("search-no-results", "anon", "/search?q=xyz", shows=(("main .card", (0, 0)),)),
    State("service-bundle", "anon", "/services/retirement"),
    State("service-matter", "anon", "/services/elderly-allowance"),
    State("sign-in", "anon", "/sign-in"),
    State("sign-in-blank", "anon", "/sign-in", sign_in_blank, errors=True),
    State("sign-in-wrong-password", "anon", "/sign-in", sign_in_wrong_password, errors=True),
    State("sign-in-after-expiry", "anon", "/sign-in?expired=1",
          shows=(("main [role=status]", (1, 1)),)),
    State("expired-form", "anon", "/sign-in", expired_form),
    State("not-found", "anon", "/no-such-page"),
    State("signed-out", "fresh", "/signed-out"),
    State("display-settings", "anon", "/display", shows=(("main form.display-form", (1, 1)),)),
    State("display-settings-saved", "fresh", "/display", save_display_settings,
          shows=((".display-form__saved, .notification--status", (1, 1)),),
          keeps_display_mode=False),
    State("elder-mode-pressed", "fresh", "/services/retirement", press_elder_mode,
          shows=((".notification--status", (1, 1)),), keeps_display_mode=False),
    State("question-prefilled", "newcomer", "/apply/retirement/mobile",
          shows=((".inset", (1, 1)),)),
    State("question-licence-fact", "newcomer", "/apply/retirement/full_name",
          shows=((".licence-fact", (1, 1)),)),
    State("question-licence-correcting", "newcomer", "/apply/retirement/full_name?correct=1",
          shows=(("#full_name", (1, 1)), (".inset", (1, 1)))),
    State("question-restored", "newcomer", "/apply/newborn/birth_hospital", restored_answer,
          shows=(("main [role=status]", (1, 1)),)),
    *_question_states(),
    State("question-inline-error", "newcomer", "/apply/childcare-subsidy/child_name",
          inline_error, shows=(("#child_name[aria-invalid=true]", (1, 1)),), modes=("on",)),
    State("check-answers-complete", "applicant", "/apply/medical-reimbursement/check",
          shows=((".summary-list__missing", (0, 0)),)),
    State("check-answers-incomplete", "applicant", "/apply/public-rental-housing/check",
          shows=((".summary-list__missing", (1, 99)),)),
    State("check-answers-missing", "applicant", "/apply/public-rental-housing/check",
          check_with_missing_answers, errors=True),
    State("confirmation", "applicant", "/my/applications/{seed.retirement}/confirmation"),
    State("my-applications", "applicant", "/my/",
          shows=((DRAFT_CARDS, (1, 99)), (SENT_CARDS, (3, 99)))),
    State("application-timeline", "applicant", "/my/applications/{seed.retirement}",
          shows=((".timeline__item", (3, 3)),)),
    State("application-withdrawn", "applicant", "/my/applications/{seed.withdrawn}?withdrawn=1",
          shows=(("main [role=status]", (1, 1)), (".timeline__item", (2, 2)))),
    State("withdraw-confirm", "applicant", "/my/applications/{seed.open}/withdraw",
          withdraw_within_the_window, shows=(("main form button", (1, 1)),)),
    State("withdraw-refused", "applicant", "/my/applications/{seed.withdrawn}/withdraw",
          shows=(("main form", (0, 0)),)),
]


# ---- 我的办件 after sending: a bundle's parts, 补正, 好差评, messages -------------
# The seed's bundles (seeding.py): `bundle` has parts accepted, in review and done and
# one waiting for the citizen's answer (`supplement`); `finished` had a part refused, a
# request for more answered (`answered`) and is done, not rated; `rated` is a finished
# single matter that the "rating-sent" state rates (again).
SUPPLEMENT = "/my/applications/{seed.bundle}/supplements/{seed.supplement}"
PLATFORM_DOWN = ("main [data-platform-down][role=status]", (1, 1))
BANNER = (".assisted-banner", (1, 1))
STATUS = ("main [role=status]", (1, 1))


def supplement_blank(page, seed):
    page.goto(SUPPLEMENT.format(seed=seed))
    clear_text_inputs(page)
    submit(page)


def supplement_wrong_file(page, seed):
    page.goto(SUPPLEMENT.format(seed=seed))
    fill(page, {"upload": ("notes.txt", b"not a photo", "text/plain")})
    submit(page)


def rating_blank(page, seed):
    page.goto(f"/my/applications/{seed.finished}/rating")
    submit(page)


def rate(page, seed):
    """Rate (or, after the first time, change the rating of) the finished application."""
    page.goto(f"/my/applications/{seed.rated}/rating")
    fill(page, {"level-2": True, "comment": "办得很快，谢谢。"})
    submit(page)


def messages_with_one_unread(page, seed):
    # Opening a message marks it read (the crawl opens them all): when none is left
    # unread, sending an application brings a new one ("received").
    page.goto("/my/messages/")
    if not page.locator(".message-list__item--unread").count():
        send_application(page, "remote-medical-filing")
        open_messages_when_there(page, ".message-list__item--unread")


# ---- assisted mode (帮办): the helper's side ---------------------------------------------
def helper_sign_in_blank(page, seed):
    page.goto("/helper/sign-in")
    submit(page)


def in_person_blank(page, seed):
    page.goto("/helper/in-person")
    submit(page)


def consent_in_person(page, seed):
    """A helper's own device: the citizen beside them signs in to give consent."""
    sign_in_helper(page, HELPER_BESIDE[seed.js])
    page.goto("/helper/in-person")
    citizen = KEYBOARD[seed.js]
    fill(page, {"login": citizen.mobile, "password": citizen.password})
    submit(page)


# ---- the citizen's side: 谁可以为我办理 and the access log --------------------------------
def grant_blank(page, seed):
    page.goto("/my/helpers/new")
    submit(page)


def grant_unknown_helper(page, seed):
    page.goto("/my/helpers/new")
    fill(page, {"helper": "HB9999"})
    submit(page)


def grant_helper_confirm(page, seed):
    """The confirm step: who the helper is, before anything is granted."""
    page.goto("/my/helpers/new")
    fill(page, {"helper": HELPER_BESIDE[seed.js].code})
    page.locator("input[name=scope][value=all]").check()
    submit(page)


def open_first_visit(page, seed):
    page.goto("/my/access-log")
    page.locator("main .visit summary").first.click()


def grant_helper_beside(page, seed):
    grant_helper_confirm(page, seed)
    submit(page, "main form button[name=confirm]")


def end_helper_beside(page, seed):
    """End an authorisation of the helper who never acts for this citizen (given first
    if there is none), so that the acting helper's consent stays."""
    helper = HELPER_BESIDE[seed.js]
    ends = page.locator("main .card form button[type=submit]").filter(has_text=helper.name)
    page.goto("/my/helpers")
    if not ends.count():
        grant_helper_beside(page, seed)
    submit(page, f"main .card form button[type=submit]:has-text('{helper.name}')")


STATES += [
    State("question-matters-empty", "newcomer", "/apply/retirement/matters",
          shows=(("main form input[type=checkbox]", (1, 9)),
                 ("main form input[type=checkbox]:checked", (0, 0)))),
    State("application-bundle-parts", "applicant", "/my/applications/{seed.bundle}",
          shows=((".part", (3, 9)), (".part .tag--in_review", (1, 9)),
                 (".part .tag--done", (1, 9)), (".part .tag--supplement", (1, 1)),
                 (".action-needed", (1, 1)))),
    State("application-part-refused", "applicant", "/my/applications/{seed.finished}",
          shows=((".part .tag--rejected", (1, 1)), (".part .tag--done", (1, 9)),
                 ("main a[href$='/rating']", (1, 1)))),
    State("supplement", "applicant", SUPPLEMENT,
          shows=(("main form textarea", (1, 1)), ("main form input[type=file]", (1, 1)))),
    State("supplement-blank", "applicant", SUPPLEMENT, supplement_blank, errors=True),
    State("supplement-wrong-file", "applicant", SUPPLEMENT, supplement_wrong_file,
          errors=True, shows=(("#upload[aria-invalid=true]", (1, 1)),)),
    State("supplement-answered", "applicant",
          "/my/applications/{seed.finished}/supplements/{seed.answered}",
          shows=(("main form[enctype]", (0, 0)),)),
    State("application-supplement-answered", "applicant",
          "/my/applications/{seed.finished}?answered={seed.answered}", shows=(STATUS,)),
    State("rating", "applicant", "/my/applications/{seed.finished}/rating",
          shows=(("main form input[type=radio]", (5, 5)),
                 ("main form input[type=radio]:checked", (0, 0)))),
    State("rating-blank", "applicant", "/my/applications/{seed.finished}/rating", rating_blank,
          errors=True),
    State("rating-sent", "applicant", "/my/applications/{seed.rated}", rate,
          shows=(STATUS, ("main a[href$='/rating']", (1, 1)))),
    State("messages", "applicant", "/my/messages/", messages_with_one_unread,
          shows=((".message-list__item--unread", (1, 999)),)),
    State("message", "applicant", "/my/messages/{seed.message}"),
    State("helper-sign-in", "anon", "/helper/sign-in"),
    State("helper-sign-in-blank", "anon", "/helper/sign-in", helper_sign_in_blank,
          errors=True),
    State("helper-worklist", "helper", "/helper/",
          shows=(("main .card form button", (1, 99)), (".assisted-banner", (0, 0)))),
    State("helper-in-person", "helper", "/helper/in-person"),
    State("helper-in-person-blank", "helper", "/helper/in-person", in_person_blank,
          errors=True),
    State("helper-in-person-given", "fresh", "/my/", consent_in_person,
          shows=(BANNER, STATUS)),
    State("acting-my-applications", "acting", "/my/",
          shows=(BANNER, (SENT_CARDS, (3, 99)))),
    State("acting-question", "acting", "/apply/childcare-subsidy/child_name",
          shows=(BANNER, (FILLED, (1, 9)))),
    State("acting-application", "acting", "/my/applications/{seed.bundle}",
          shows=(BANNER, (".part", (3, 9)))),
    State("acting-supplement", "acting", SUPPLEMENT,
          shows=(BANNER, ("main form textarea", (1, 1)))),
    State("acting-messages", "acting", "/my/messages/", shows=(BANNER,)),
    State("acting-worklist", "acting", "/helper/", shows=(BANNER,)),
    State("helpers", "applicant", "/my/helpers", shows=(("main .card", (1, 999)),)),
    State("helpers-authorise", "applicant", "/my/helpers/new"),
    State("helpers-authorise-blank", "applicant", "/my/helpers/new", grant_blank,
          errors=True),
    State("helpers-authorise-unknown", "applicant", "/my/helpers/new", grant_unknown_helper,
          errors=True),
    State("helpers-authorise-confirm", "applicant", "/my/helpers/new", grant_helper_confirm,
          shows=(("main button[name=confirm]", (1, 1)),)),
    State("helpers-authorised", "applicant", "/my/helpers", grant_helper_beside,
          shows=(STATUS,)),
    State("helpers-ended", "applicant", "/my/helpers", end_helper_beside, shows=(STATUS,)),
    # One line per visit, each a <details> (closed); opened, the visit's entries.
    State("access-log", "applicant", "/my/access-log",
          shows=(("main .visit-list > li", (1, 999)),)),
    State("access-log-visit-open", "applicant", "/my/access-log", open_first_visit,
          shows=(("main details[open] table tbody tr", (1, 999)),)),
]


# ---- offline entry (static/js/offline.js; JavaScript only) --------------------------------
# Each in a fresh browser (its network is cut, which must not reach the shared ones).
OFFLINE_QUESTION = "/apply/remote-medical-filing/destination"
OFFLINE_STATUS = ("#offline-status:not(:empty)", (1, 1))


def _kept_for_offline(page):
    page.wait_for_function("() => document.documentElement.dataset.offlineReady === '1'")


def offline_banner(page, seed):
    """The network drops on a question page: the status region says so in words."""
    citizen = NEWCOMER[seed.js]
    sign_in(page, citizen.mobile, citizen.password)
    page.goto(OFFLINE_QUESTION)
    _kept_for_offline(page)
    page.context.set_offline(True)
    page.locator("#offline-status:not(:empty)").wait_for()


def offline_saved_question(page, seed):
    """An answer kept on the device, shown on its question (marked as not sent)."""
    offline_banner(page, seed)
    page.fill("#destination", "广东省深圳市")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    page.goto(OFFLINE_QUESTION)
    page.locator("main .notification").wait_for()
    # offline.js makes its status region on load and says "offline" a moment later.
    page.locator("#offline-status:not(:empty)").wait_for()


def offline_ready_to_send(page, seed):
    """The network is back: 一键提交 appears."""
    offline_saved_question(page, seed)
    page.context.set_offline(False)
    page.locator("#offline-send").wait_for()


def offline_send_failed(page, seed):
    """The network drops again while sending: nothing lost, press again later."""
    offline_ready_to_send(page, seed)
    page.route("**/offline/send/**", lambda route: route.abort("internetdisconnected"))
    page.locator("#offline-send").click()
    page.locator("#offline-send:not([disabled])").wait_for()
    page.unroute("**/offline/send/**")


def offline_consent_ended(page, seed):
    """A helper's entry when they no longer act for the citizen: nothing sent, told why,
    offered to delete it."""
    consent_in_person(page, seed)
    page.goto(OFFLINE_QUESTION)
    _kept_for_offline(page)
    page.context.set_offline(True)
    page.fill("#destination", "广东省深圳市")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    page.context.set_offline(False)
    # Chromium lifts emulated offline per target, so the service worker, which answers
    # navigations, may stay offline a moment longer than the page and give /my/ as the
    # offline page (seen once, 3 workers on 2 cores: no banner within 10 s).
    banner = page.locator(".assisted-banner")
    for _ in range(20):
        page.goto("/my/")
        if banner.count():
            break
        page.wait_for_timeout(250)
    submit(page, ".assisted-banner form button[type=submit]")  # 退出代办
    page.locator("#offline-send").click()
    page.locator("#offline-delete:visible").wait_for()


STATES += [
    State("offline-banner", "fresh", OFFLINE_QUESTION, offline_banner,
          shows=(OFFLINE_STATUS, ("#offline-actions:visible", (0, 0))), modes=("on",)),
    State("offline-saved-question", "fresh", OFFLINE_QUESTION, offline_saved_question,
          shows=(OFFLINE_STATUS, ("main .notification", (1, 1))), modes=("on",)),
    State("offline-ready-to-send", "fresh", OFFLINE_QUESTION, offline_ready_to_send,
          shows=(OFFLINE_STATUS, ("#offline-send:visible", (1, 1))), modes=("on",)),
    State("offline-send-failed", "fresh", OFFLINE_QUESTION, offline_send_failed,
          shows=(OFFLINE_STATUS, ("#offline-send:visible", (1, 1))), modes=("on",)),
    State("offline-consent-ended", "fresh", "/helper/", offline_consent_ended,
          shows=(OFFLINE_STATUS, ("#offline-delete:visible", (1, 1))), modes=("on",)),
]


# ---- while the government platform cannot be reached ----------------------------------
# The front keeps going on its copies: a question answered, an application sent and
# kept ("saved, being sent") until the platform is back; each page says it is down.
def send_while_the_platform_is_down(page, seed):
    complete_answers(page, "remote-medical-filing")
    submit(page)
    seed.kept_submission = urlsplit(page.url).path.rstrip("/").rsplit("/", 1)[-1]


STATES += [
    State("question-platform-down", "applicant", question_path(FIELD_CASES[0]),
          platform_down=True, shows=(PLATFORM_DOWN,)),
    State("submission-kept-platform-down", "newcomer",
          "/my/submissions/{seed.kept_submission}",
          send_while_the_platform_is_down, platform_down=True,
          shows=(PLATFORM_DOWN, ("main .notification[role=status]:not([data-platform-down])",
                                 (1, 1)))),
]
