"""Helpers shared by the browser audits: launching Chromium, signing in, filling the
one-question pages, and running axe on exactly what the user got (JS on or off)."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe

from app.forms.identifiers import id_number_check_digit

# Debian's chromium-headless-shell (`playwright install` cannot download one here): the
# same Chromium release and Blink as Debian's chromium, built without the desktop
# browser around it, as Playwright's own headless default is. Its browser and GPU
# processes do far less, so a page view of the audit costs about half the CPU (the
# audit of every state, standard mode, JS on and off: 336 s with chromium, 180 s with
# this). Bytes on the wire and first paint are measured in Debian's chromium, the
# browser people run (bench/pages.py, test_page_weight.py).
CHROMIUM = "/usr/bin/chromium-headless-shell"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# The default audience: a Chinese browser (Accept-Language zh-CN) on a laptop.
CONTEXT_OPTIONS = {"locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}

# Emulated media features of a plain laptop browser (display modes change some of them:
# modes.py); given in full so that switching back leaves nothing emulated behind.
DEFAULT_MEDIA = {"color_scheme": "light", "contrast": "no-preference", "forced_colors": "none",
                 "reduced_motion": "no-preference"}

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag2aaa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# Every rule with one of these tags runs (runOnly by tag also runs rules that axe keeps
# off by default, e.g. color-contrast-enhanced, the 7:1 AAA contrast); none is disabled.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}


@dataclass(frozen=True)
class Citizen:
    name: str
    mobile: str
    password: str


# Demo citizens, one role each so that no test's answers leak into another's page.
CITIZENS = [Citizen(name, f"1380000000{n}", f"yiban-demo-{n}")
            for n, name in enumerate(["张建国", "王秀英", "李娜", "赵桂兰", "陈志明", "刘洋"], start=1)]
NEWCOMER = {"on": CITIZENS[0], "off": CITIZENS[1]}   # empty and error question pages
APPLICANT = {"on": CITIZENS[2], "off": CITIZENS[3]}  # seeded drafts and applications
KEYBOARD = {"on": CITIZENS[4], "off": CITIZENS[5]}   # the keyboard-only journeys


@dataclass(frozen=True)
class Helper:
    code: str
    name: str
    password: str


# Demo helpers (帮办人), one role each per JavaScript mode, like the citizens above.
HELPERS = [Helper(f"HB100{n}", name, f"yiban-helper-{n}")
           for n, name in enumerate(["周建华", "吴静", "郑晓东", "孙小梅"], start=1)]
# Authorised by the applicant in the seed: the worklist, and acting for the applicant.
HELPER = {"on": HELPERS[0], "off": HELPERS[1]}
# Given consent in person by the keyboard citizen, and authorised (then ended) by the
# applicant on 谁可以为我办理; never acts for the applicant.
HELPER_BESIDE = {"on": HELPERS[2], "off": HELPERS[3]}

APPLICATION_NUMBER = re.compile(r"YB\d{14}")

# A valid 1×1 PNG (every chunk's CRC right: the app opens uploaded images to check them).
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082")


def id_number(first17: str) -> str:
    """A well-formed resident ID number."""
    return first17 + id_number_check_digit(first17)


CHILD_ID = id_number("11010120250301002")


def is_js_off(context) -> bool:
    return getattr(context, "yiban_js", "on") == "off"


# ---- the browser tab ------------------------------------------------------------------
def watch(page):
    """Record what the page asks for, and the server errors it gets (so that a test
    fails at once with the cause rather than waiting for a form that is not there)."""
    page.yiban_requests = []
    page.yiban_server_errors = []
    page.yiban_navigation = None  # the method of the last page load: GET can be reloaded

    def on_request(request):
        page.yiban_requests.append(request.url)
        if request.is_navigation_request() and request.frame == page.main_frame:
            page.yiban_navigation = request.method
    page.on("request", on_request)

    def on_response(response):
        if response.status >= 500 and response.request.is_navigation_request():
            page.yiban_server_errors.append(
                f"{response.status} on {response.request.method} {response.url}")
    page.on("response", on_response)
    return page


def tab(context):
    """The context's one reusable tab (opening a page per test costs more than the test)."""
    page = getattr(context, "yiban_tab", None)
    if page is None or page.is_closed():
        page = context.yiban_tab = watch(context.new_page())
        if getattr(context, "yiban_media", None):  # the display mode's (modes.apply)
            page.emulate_media(**context.yiban_media)
    page.yiban_requests.clear()
    page.yiban_server_errors.clear()
    return page


def no_server_error(page) -> None:
    errors = getattr(page, "yiban_server_errors", [])
    if errors:
        message = f"server error: {'; '.join(errors)} (see the server log above)"
        errors.clear()
        raise AssertionError(message)


def error_summary_focused(page, wait_ms: int = 1000) -> bool:
    """Whether focus is on the error summary, allowing for `autofocus`, which the
    browser applies at its next rendering update rather than at load (so a walk of
    the Tab order waits for it, or autofocus would pull focus back mid-walk)."""
    for _ in range(max(1, wait_ms // 50)):
        if page.evaluate("() => document.activeElement.hasAttribute('data-error-summary')"):
            return True
        page.wait_for_timeout(50)
    return False


# ---- driving the real forms ---------------------------------------------------------
def submit(page, selector: str = "main form button[type=submit]", check: bool = True) -> None:
    """Press a form's submit button and wait for the page it leads to (check: and
    fail if that page is a server error)."""
    no_server_error(page)
    with page.expect_navigation():
        page.locator(selector).first.click()
    if check:
        no_server_error(page)
    else:
        page.yiban_server_errors.clear()


def sign_in(page, mobile: str, password: str) -> None:
    """Sign in with the real sign-in form (no shortcut): type both fields, press the button."""
    page.goto("/sign-in")
    page.fill("#login", mobile)
    page.fill("#password", password)
    submit(page)
    if page.locator("[data-error-summary]").count():
        raise AssertionError(f"sign-in as {mobile} failed: "
                             + page.locator("[data-error-summary]").inner_text())


def sign_in_helper(page, helper: Helper) -> None:
    """Sign in as a helper with the real helper sign-in form (by the helper code)."""
    page.goto("/helper/sign-in")
    page.fill("#login", helper.code)
    page.fill("#password", helper.password)
    submit(page)
    if page.locator("[data-error-summary]").count():
        raise AssertionError(f"helper sign-in as {helper.code} failed: "
                             + page.locator("[data-error-summary]").inner_text())


def act_for(page, citizen: Citizen) -> None:
    """On the helper's worklist, press 代为办理 for the citizen (the first of their
    authorisations): the citizen's 我的办件, with the assisted-mode banner."""
    page.goto("/helper/")
    masked = citizen.name[0] + "*" * (len(citizen.name) - 1)
    card = page.locator("main .card").filter(has=page.locator(".card__title", has_text=masked))
    assert card.count(), f"{citizen.name} has not authorised this helper: " + page.locator(
        "main").inner_text()[:300]
    no_server_error(page)
    with page.expect_navigation():
        card.first.locator("form button[type=submit]").click()
    no_server_error(page)
    assert page.locator(".assisted-banner").count(), f"not acting for {citizen.name}: {page.url}"


def fill(page, values: dict) -> None:
    """values: element id -> text (fill), True (check) or (filename, bytes, mime) (upload)."""
    no_server_error(page)
    for element_id, value in values.items():
        target = page.locator(f'[id="{element_id}"]')
        if value is True:
            target.check()
        elif isinstance(value, tuple):
            name, data, mime = value
            target.set_input_files({"name": name, "mimeType": mime, "buffer": data})
        else:
            target.fill(value)


def clear_text_inputs(page) -> None:
    """Empty every typed answer on the page (prefilled ones too)."""
    no_server_error(page)
    for box in page.locator("main form :is(input[type=text], input[type=tel], textarea)").all():
        box.fill("")


# Answers for whatever a question page asks, by question key; everything else is
# answered by `answer_question` from the field types it finds (prefilled values stay).
def date_parts(key: str, value: date) -> dict:
    return {f"{key}-year": str(value.year), f"{key}-month": str(value.month),
            f"{key}-day": str(value.day)}


DEFAULT_ANSWERS = {
    "baby_name": {"baby_name": "张小宝"},
    "baby_birth_date": date_parts("baby_birth_date", date.today() - timedelta(days=30)),
    "destination": {"destination": "海南省三亚市"},
    "start_date": date_parts("start_date", date.today() + timedelta(days=30)),
}


def answer_question(page) -> None:
    """Answer the question on the current page with something valid and continue."""
    key = urlsplit(page.url).path.rstrip("/").rsplit("/", 1)[-1]
    if key in DEFAULT_ANSWERS:
        fill(page, DEFAULT_ANSWERS[key])
    form = page.locator("main form")
    choices = form.locator("input[type=radio], input[type=checkbox]")
    if choices.count() and not form.locator("input:checked").count():
        choices.first.check()
    upload = form.locator("input[type=file]")
    if upload.count() and not page.locator(".stored-file").count():
        upload.set_input_files({"name": "proof.png", "mimeType": "image/png",
                                "buffer": PNG_BYTES})
    for box in form.locator(":is(input[type=text], input[type=tel], textarea)").all():
        if box.input_value():
            continue
        box_id = box.get_attribute("id") or ""
        if box_id.endswith("-year"):
            box.fill("2020")
        elif box_id.endswith(("-month", "-day")):
            box.fill("1")
        elif "id_number" in box_id:
            box.fill(id_number("11010120200101003"))
        elif "mobile" in box_id or box.get_attribute("type") == "tel":
            box.fill("13912345678")
        elif "bank" in box_id:
            box.fill("6222020200112233445")
        else:
            box.fill("示例")
    submit(page)


def complete_answers(page, code: str, limit: int = 20) -> None:
    """Start (or resume) an application and answer until the check-answers page."""
    page.goto(f"/apply/{code}")
    for _ in range(limit):
        if urlsplit(page.url).path == f"/apply/{code}/check":
            return
        errors = page.locator("[data-error-summary]")
        if errors.count():
            raise AssertionError(f"{page.url}: {errors.inner_text()}")
        answer_question(page)
    raise AssertionError(f"{code}: never reached check answers (at {page.url})")


def send_application(page, code: str) -> str:
    """Answer everything, accept and send; the new application's number."""
    complete_answers(page, code)
    submit(page)
    match = APPLICATION_NUMBER.search(page.locator("main").inner_text())
    assert match and "/confirmation" in page.url, f"no confirmation for {code}: {page.url}"
    return match.group()


# ---- axe ----------------------------------------------------------------------------
@dataclass
class AuditStats:
    runs: int = 0
    states: set = field(default_factory=set)
    paths: set = field(default_factory=set)
    # axe's "incomplete" results: what it could not decide and a person must look at.
    needs_review: dict = field(default_factory=dict)  # rule id -> {help, states, example}

    def review(self, label: str, incomplete: list[dict]) -> None:
        for rule in incomplete:
            entry = self.needs_review.setdefault(rule["id"], {
                "help": rule["help"], "states": set(),
                "example": (" , ".join(map(str, rule["nodes"][0]["target"])) + "  "
                            + " ".join(rule["nodes"][0]["html"].split())[:200])
                if rule["nodes"] else ""})
            entry["states"].add(label)

    def write_review(self, path) -> None:
        lines = ["axe could not decide these; a person should check them (not failures):", ""]
        for rule_id, entry in sorted(self.needs_review.items()):
            lines += [f"{rule_id}: {entry['help']}", f"  e.g. {entry['example']}",
                      f"  on: {', '.join(sorted(entry['states']))}", ""]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")


def describe_violations(label: str, url: str, violations: list[dict]) -> str:
    """A report a person can act on: rule, impact, what to do, where, which markup."""
    lines = [f"{label}: {len(violations)} axe violation(s) on {url}"]
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    at {' , '.join(map(str, node['target']))}")
            lines.append(f"       {' '.join(node['html'].split())[:300]}")
            if node.get("failureSummary"):
                summary = " ".join(node["failureSummary"].split())
                lines.append(f"       {summary[:400]}")
    return "\n".join(lines)


_NOSCRIPT = re.compile(r"<(/?)noscript\b", re.I)


class Auditor:
    """Runs axe on a page as its user has it.

    JavaScript on: axe is injected into the live page.

    JavaScript off: axe cannot run in that page. Playwright still evaluates plain
    synchronous expressions there, but axe awaits timers and promises, which never
    settle while the page's scripting is disabled. So the audit loads *the same
    document* into a page of a separate, JavaScript-enabled context:
      - the DOM of the no-JS page (`page.content()`: the server's HTML as parsed with
        scripting disabled, after any form post, autofocus and fragment) is served at
        the same URL, so links, the stylesheet and the viewport are what the user had;
      - that response carries `Content-Security-Policy: script-src 'none'`, so none of
        the page's own scripts (external, inline or event handlers) run, while axe,
        injected through the DevTools protocol, is not subject to the policy;
      - `<noscript>` is the one element whose parsing depends on scripting: it is
        renamed to an inert custom element so its content is rendered and audited as
        the no-JS user sees it.
    """

    def __init__(self, browser, base_url: str):
        self._browser = browser
        self._base_url = base_url
        self._replay = self._replay_tab = None
        self._replay_url = self._replay_html = None
        self._axe = Axe()
        self.stats = AuditStats()

    def close(self):
        if self._replay is not None:
            self._replay.close()

    def _run_axe(self, page) -> dict:
        return self._axe.run(page, options=AXE_OPTIONS).response

    def _replay_page(self):
        if self._replay is None:
            self._replay = self._browser.new_context(base_url=self._base_url,
                                                     **CONTEXT_OPTIONS)
            page = self._replay_tab = self._replay.new_page()
            page.route(lambda url: url.split("#")[0] == self._replay_url, lambda route:
                       route.fulfill(status=200, body=self._replay_html,
                                     content_type="text/html; charset=utf-8",
                                     headers={"Content-Security-Policy": "script-src 'none'"}))
        return self._replay_tab

    def _run_axe_without_page_scripts(self, page) -> dict:
        return self._run_axe(self.replay_of(page))

    def replay_of(self, page):
        """The no-JS page's DOM loaded in the replay tab, where checkers can run."""
        replay = self._replay_page()
        self._replay_html = _NOSCRIPT.sub(r"<\1yiban-noscript", page.content())
        self._replay_url = page.url.split("#")[0]
        replay.set_viewport_size(page.viewport_size)
        # The same emulated media (prefers-contrast, forced-colors …) as the audited page.
        replay.emulate_media(**getattr(page.context, "yiban_media", DEFAULT_MEDIA))
        replay.goto("about:blank")  # a real load even when the URL is the same as before
        replay.goto(page.url)
        return replay

    def violations(self, page) -> list[dict]:
        """What axe finds on the page as its user has it (not counted in the totals)."""
        if is_js_off(page.context):
            return self._run_axe_without_page_scripts(page)["violations"]
        return self._run_axe(page)["violations"]

    def audit(self, page, label: str) -> None:
        """Assert that axe finds nothing on the page (all the tags above, no rule off)."""
        if is_js_off(page.context):
            results = self._run_axe_without_page_scripts(page)
        else:
            results = self._run_axe(page)
        self.stats.runs += 1
        self.stats.states.add(label)
        self.stats.paths.add(urlsplit(page.url).path)
        mode = "off" if is_js_off(page.context) else "on"
        self.stats.review(f"{label} (JS {mode})", results["incomplete"])
        violations = results["violations"]
        assert not violations, describe_violations(label, page.url, violations)


def open_messages_when_there(page, selector: str, seconds: float = 20) -> None:
    """Open the messages page once `selector` is on it: the platform's events become
    messages in the background worker (app/core/background.py), a moment after the
    platform moved, not in the request that shows them."""
    deadline = time.monotonic() + seconds
    page.goto("/my/messages/")
    while not page.locator(selector).count() and time.monotonic() < deadline:
        page.wait_for_timeout(300)
        page.goto("/my/messages/")
