"""The seeded history and the bringing of a page into a state, shared by the pytest
fixtures (conftest.py) and the audit command (audit.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable
from urllib.parse import urlsplit

from .states import FIELD_CASES, question_path
from .support import (
    APPLICANT,
    CONTEXT_OPTIONS,
    HELPER,
    NEWCOMER,
    act_for,
    complete_answers,
    error_summary_focused,
    fill,
    no_server_error,
    open_messages_when_there,
    send_application,
    sign_in,
    sign_in_helper,
    submit,
    watch,
)

# The seeded applications (Seed's fields that hold an application number).
APPLICATIONS = ("retirement", "open", "withdrawn", "bundle", "finished", "rated")


@dataclass
class Seed:
    """The numbers of the seeded applications, and what could not be seeded: a page
    that needs a broken part fails with the reason, the other pages are unaffected."""
    js: str
    retirement: str = "unseeded-retirement"  # sent, then moved on twice: a timeline
    open: str = "unseeded-open"  # sent and still open: can be withdrawn
    withdrawn: str = "unseeded-withdrawn"  # sent and withdrawn
    # 退休一件事 with parts accepted, in review and done, and one waiting for the
    # citizen's answer to `supplement` (a request for more, 补正).
    bundle: str = "unseeded-bundle"
    supplement: str = "0"
    # 退休一件事 with a part refused, request for more `answered`, finished, not rated.
    finished: str = "unseeded-finished"
    answered: str = "0"
    rated: str = "unseeded-rated"  # a finished single matter, for rating
    message: str = "0"  # a message in the centre (the oldest)
    # Set by the state that sends while the platform is down: the front's kept copy.
    kept_submission: str = "0"
    # What failed: a page path, or the name of an application above -> the reason.
    broken: dict = field(default_factory=dict)

    def attempt(self, part, action):
        try:
            return action()
        except Exception as error:  # noqa: BLE001 - reported by the tests that need it
            self.broken[part] = f"{type(error).__name__}: {error}"
            return None

    def problem(self, path: str) -> str | None:
        for part, reason in self.broken.items():
            number = getattr(self, part) if part in APPLICATIONS else None
            if part == path or (number and f"/{number}" in path):
                return reason
        return None


def seed_history(page, js: str, platform=None) -> Seed:
    """Through the real pages, in a signed-in tab: a saved answer on each field-type
    question, a complete unsent application and three sent ones (one moved on by the
    platform, one open, one withdrawn). platform: the app's platform extension, to
    move the retirement application on (None, e.g. on a deployment: not moved on)."""
    seed = Seed(js)

    def save(case):
        page.goto(question_path(case))
        fill(page, case.valid)
        submit(page, check=False)  # the answer is saved whatever the next page does
        summary = page.locator("[data-error-summary]")
        assert not summary.count(), summary.inner_text()

    for case in FIELD_CASES:
        seed.attempt(question_path(case), lambda: save(case))
    seed.attempt("/apply/medical-reimbursement/check",
                 lambda: complete_answers(page, "medical-reimbursement"))
    for part, code in (("retirement", "retirement"), ("open", "remote-medical-filing"),
                       ("withdrawn", "social-security-card")):
        number = seed.attempt(part, lambda: send_application(page, code))
        if number:
            setattr(seed, part, number)

    def withdraw():
        page.goto(f"/my/applications/{seed.withdrawn}/withdraw")
        submit(page)
        assert "withdrawn=1" in page.url, page.url
    seed.attempt("withdrawn", withdraw)

    def advance():
        if platform is None:
            raise RuntimeError("the platform cannot be moved on from here "
                               "(auditing a deployment)")
        for _ in range(2):
            assert platform.advance(seed.retirement) == [seed.retirement]
    seed.attempt("retirement", advance)
    seed_follow_ups(page, seed, platform)
    seed.attempt("/my/helpers", lambda: authorise_helper(page, js))

    def oldest_message():
        open_messages_when_there(page, ".message-list__item")
        href = page.locator("main .message-list__item a").last.get_attribute("href")
        seed.message = href.rstrip("/").rsplit("/", 1)[-1]
    seed.attempt("/my/messages/", oldest_message)
    return seed


# What a department asks for in the seed (platform content, in Chinese as a department
# would write it).
ASK_HOUSEHOLD = "请补充户口簿首页和本人页的照片或扫描件"
ASK_PROOF = "请说明1990年以前的工作经历，并补充当年的工作证明"


def seed_follow_ups(page, seed: Seed, platform) -> None:
    """After sending: two more 退休一件事 applications moved on part by part
    by the platform's back office (as `flask platform advance --part` and `flask
    platform supplement` do), one answered through the 补正 page, and a single matter
    finished for rating."""
    def back_office():
        if platform is None:
            raise RuntimeError("the platform cannot be moved on from here "
                               "(auditing a deployment)")
        return platform

    def bundle():
        office = back_office()
        number = send_application(page, "retirement")
        seed.bundle = number
        office.advance(number)  # the service centre accepts every part
        office.advance(number, part="人社")  # in review
        for _ in range(2):
            office.advance(number, part="医保")  # in review, done
        asked = office.raise_supplement(number, "公安", ASK_HOUSEHOLD,
                                        date.today() + timedelta(days=14), False)
        seed.supplement = str(asked.id)
    seed.attempt("bundle", bundle)

    def finished():
        office = back_office()
        number = send_application(page, "retirement")
        seed.finished = number
        office.advance(number)
        office.advance(number, "未查到本人1990年以前的参保缴费记录", part="医保")
        asked = office.raise_supplement(number, "人社", ASK_PROOF, None, False)
        page.goto(f"/my/applications/{number}/supplements/{asked.id}")
        fill(page, {"answer": "1985年至1992年在示例市第一机械厂工作，工作证明已交档案馆。"})
        submit(page)
        assert f"answered={asked.id}" in page.url, page.url
        seed.answered = str(asked.id)
        while office.advance(number):  # every other part, to the end
            pass
        application = office.application(number, person_id(office, APPLICANT[seed.js]))
        assert application.status == "done", application.status
    seed.attempt("finished", finished)

    def rated():
        office = back_office()
        number = send_application(page, "remote-medical-filing")
        seed.rated = number
        while office.advance(number):
            pass
    seed.attempt("rated", rated)


def person_id(platform, citizen) -> str:
    return platform.authenticate(citizen.mobile, citizen.password).id


def authorise_helper(page, js: str) -> None:
    """The applicant authorises their helper from 谁可以为我办理 (all services, the
    default day, confirmed on the step that shows who the helper is); the helper then opens the worklist and acts for them once, so that
    the access log has entries."""
    page.goto("/my/helpers/new")
    fill(page, {"helper": HELPER[js].code})
    page.locator("input[name=scope][value=all]").check()
    submit(page)  # then the confirm step: who the helper is
    submit(page, "main form button[name=confirm]")
    assert urlsplit(page.url).path == "/my/helpers", page.url
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    context = page.context.browser.new_context(base_url=origin,
                                               java_script_enabled=(js == "on"),
                                               **CONTEXT_OPTIONS)
    try:
        helper_page = watch(context.new_page())
        sign_in_helper(helper_page, HELPER[js])
        act_for(helper_page, APPLICANT[js])
    finally:
        context.close()


def sign_in_as(who: str, page, js: str, applicant_seed: Callable[[], Seed]) -> Seed:
    """Sign a new browser's tab in as `who` (states.py) would be, for the pytest
    fixtures and the audit command alike; the seed the states of `who` read.
    applicant_seed: the applicant's seeded history (made first if need be: the
    helpers act on what the seed made and authorised)."""
    if who == "newcomer":
        citizen = NEWCOMER[js]
        sign_in(page, citizen.mobile, citizen.password)
        return Seed(js)
    if who in ("helper", "acting"):
        seed = applicant_seed()
        sign_in_helper(page, HELPER[js])
        if who == "acting":
            act_for(page, APPLICANT[js])
        return seed
    if who in ("anon", "fresh"):
        return Seed(js)
    raise ValueError(f"who does not know how to sign in as {who!r}")


def bring_to_state(page, state, seed) -> None:
    """Bring the tab to the state the way a person gets there, and check it really is
    in it (AssertionError otherwise)."""
    state.open(page, seed)
    check_state(page, state, seed)


def check_state(page, state, seed) -> None:
    """AssertionError unless the tab shows the state (e.g. again after a reload)."""
    no_server_error(page)
    # After opening: reaching a state may have had to make a fresh application.
    expected_path = urlsplit(state.url_for(seed)).path
    assert urlsplit(page.url).path == expected_path, (
        f"{state.id}: expected to be on {expected_path}, got {page.url}")
    summaries = page.locator("[data-error-summary]").count()
    assert summaries == (1 if state.errors else 0), (
        f"{state.id}: expected {'an' if state.errors else 'no'} error summary, "
        f"found {summaries}: {page.locator('main').inner_text()[:300]}")
    # (Also lets focus settle before a test starts pressing Tab.)
    assert not state.errors or error_summary_focused(page), (
        f"{state.id}: the error summary does not have focus")
    for selector, (least, most) in state.shows:
        count = page.locator(selector).count()
        assert least <= count <= most, (
            f"{state.id}: expected {least}–{most} of {selector!r}, found {count}")
