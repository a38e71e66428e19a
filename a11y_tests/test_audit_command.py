"""The audit command's logic (audit.py, checks.py, modes.py) on small fixture pages:
every structure check (the display modes' own included) finds its fault on a broken
page and is quiet on a clean one; an axe finding reaches the report with its WCAG
mapping; modes and languages are cookies on any site and are named in every finding;
the baseline accepts and expires; the reports are well-formed; worker processes share
the matrix; the exit code follows the findings."""
from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from .audit import (
    AuditResult,
    PageAuditor,
    add_nu_findings,
    apply_baseline,
    audit_parallel,
    describe_rule,
    exit_code,
    load_baseline,
    load_rules,
    summary_line,
    units,
    write_reports,
)
from .checks import check_focus, tab_through
from .modes import (
    DISPLAY_COOKIE,
    ELDER,
    LARGE,
    LOCALES,
    STANDARD,
    apply,
    context_options,
    mode_problem,
)
from .support import CONTEXT_OPTIONS, PNG_BYTES, tab

pytestmark = pytest.mark.a11y

SITE = "http://fixture.test"


def wording_for(lang):
    return "Yiban", "Error:"


STYLE = """
body { font-size: 18px; line-height: 1.5; color: #000; background: #fff; margin: 0; }
a, button { display: inline-block; min-height: 44px; min-width: 44px; padding: 8px;
  box-sizing: border-box; font-size: 18px; color: #000; }
:focus-visible { outline: 3px solid #000; outline-offset: 2px; }
"""


def fixture_page(*, lang='lang="en" dir="ltr"', title="Clean page – Yiban", style="",
                 h1="<h1>Clean page</h1>", body="", footer="<footer><p>Footer</p></footer>"):
    return f"""<!doctype html><html {lang}><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{STYLE}{style}</style></head><body>
<header><p>Site</p></header>
<nav aria-label="Main"><a href="/">Home</a></nav>
<main>{h1}<p>Some text to read.</p>{body}<button type="button">Go</button></main>
{footer}</body></html>"""


CLEAN = fixture_page()
ROW = '<p><a href="/one">One</a> <a href="/two">Two</a> <a href="/three">Three</a></p>'
REVERSED_ROW = ROW.replace("<p>", '<p style="display: flex; flex-direction: row-reverse; '
                                  'justify-content: flex-end; gap: 8px">')
RTL = 'lang="ar" dir="rtl"'
# Focus that only the pixels show missing: an outline (3 px, solid, opaque: the style
# heuristic is satisfied) in the colour of the background behind it, and no other change.
INVISIBLE_FOCUS = fixture_page(
    style=":focus-visible { outline: 3px solid #fff; outline-offset: 2px; }")

# check id -> a page on which (only) that check has something to find
BROKEN = {
    "one-h1": fixture_page(h1="<h1>One</h1><h1>Two</h1>"),
    "landmarks": fixture_page(footer="<div><p>No footer</p></div>"),
    "html-lang-dir": fixture_page(lang='lang="en"'),
    "title-format": fixture_page(title="Clean page"),
    "body-text-18": fixture_page(body='<p style="font-size: 14px">Small print.</p>'),
    "line-height": fixture_page(body='<p style="line-height: 1.1">Tight lines.</p>'),
    "target-44": fixture_page(style="button { min-height: 0; min-width: 0; padding: 0; }"),
    "focus-visible": fixture_page(style=":focus-visible, :focus { outline: none; }"),
    "focus-on-screen": fixture_page(
        body='<a href="/away" style="position: absolute; left: -9999px">Away</a>'),
    "reflow-320": fixture_page(body='<div style="width: 600px">Wide</div>'),
    "text-spacing": fixture_page(
        body='<p style="height: 1.6em; overflow: hidden; max-width: 100%">Fixed-height words '
             'that wrap once the spacing grows</p>'),
    "forced-colors-focus": fixture_page(
        style="button:focus-visible { outline: none; box-shadow: 0 0 0 4px #fd0; }"),
    "third-party-request": fixture_page(
        body='<img src="http://other.test/pixel.png" alt="A pixel">'),
    # CSS puts the links in reverse: Tab goes One, Two, Three from right to left.
    "tab-order": fixture_page(body=REVERSED_ROW),
}
AXE_BROKEN = fixture_page(body='<img src="/pixel.png">')  # image-alt (1.1.1, A)

# The checks that belong to a display mode: (mode, clean page, broken page). A clean
# page is one that is right in that mode (32 px text for the largest size; 26 px text
# and 60 px primary actions in elder mode; a secondary button may stay at 44 px).
BUTTONS = ('<a class="button" href="/start">Start</a> '
           '<a class="button button--secondary" href="/back">Back</a>')
MODE_FIXTURES = {
    "text-size-setting": (
        LARGE, fixture_page(style="body, a, button { font-size: 32px; }"),
        fixture_page(style="body, a, button { font-size: 32px; }",
                     body='<p style="font-size: 20px">Small print in px that does not grow.</p>')),
    "target-60-elder": (
        ELDER, fixture_page(style="body, a, button { font-size: 26px; } "
                                  ".button:not(.button--secondary) { min-height: 60px; min-width: 60px; }",
                            body=BUTTONS),
        fixture_page(style="body, a, button { font-size: 26px; }", body=BUTTONS)),
}

# Text spacing behind a strict Content-Security-Policy (as the site sends): the page's
# styles come from its own file, and the check may not inject a <style> element.
CSP = {"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'"}
# Two lines in a box of fixed height that holds them with its own paragraph spacing,
# and no more: only the check's 2em paragraph spacing makes it clip.
SPACING_CSS = STYLE + (".fixed { height: 4em; overflow: hidden; } "
                       ".fixed p { margin: 0 0 0.5em; line-height: 1.5; white-space: nowrap; }")


def csp_page(body: str) -> str:
    return fixture_page(style="").replace(
        f"<style>{STYLE}</style>", '<link rel="stylesheet" href="/fixture.css">').replace(
        "<p>Some text to read.</p>", f"<p>Some text to read.</p>{body}")


@pytest.fixture(scope="module")
def auditor(browser, tmp_path_factory):
    page_auditor = PageAuditor(browser, SITE, wording_for,
                               shots_dir=tmp_path_factory.mktemp("report") / "shots")
    yield page_auditor
    page_auditor.close()


@pytest.fixture(scope="module")
def contexts(browser):
    made = {}

    def make(js):
        if js not in made:
            context = browser.new_context(java_script_enabled=(js == "on"), **CONTEXT_OPTIONS)
            context.yiban_js = js
            context.set_default_timeout(5_000)
            context.route("http://other.test/**", lambda route: route.fulfill(
                body=PNG_BYTES, content_type="image/png"))
            context.route(f"{SITE}/pixel.png", lambda route: route.fulfill(
                body=PNG_BYTES, content_type="image/png"))
            context.route(f"{SITE}/fixture.css", lambda route: route.fulfill(
                body=SPACING_CSS, content_type="text/css"))
            made[js] = context
        return made[js]

    yield make
    for context in made.values():
        context.close()


def audit_fixture(contexts, auditor, markup, name, js="on", mode=STANDARD, headers=None):
    """Serve the markup at SITE/<name> and audit it as the audit command does (in a
    display mode: the mode's own checks apply)."""
    page = tab(contexts(js))
    url = f"{SITE}/{name}"
    page.route(url, lambda route: route.fulfill(body=markup, headers=headers,
                                                content_type="text/html; charset=utf-8"))
    try:
        page.goto(url)
        return auditor.audit(page, name, js, mode)
    finally:
        page.unroute(url)


@pytest.fixture(scope="module")
def clean_findings(contexts, auditor):
    return audit_fixture(contexts, auditor, CLEAN, "clean")


def test_the_clean_fixture_has_no_findings(clean_findings):
    assert clean_findings == []


@pytest.mark.parametrize("check", sorted(BROKEN))
def test_each_check_finds_its_fault_and_passes_a_clean_page(check, contexts, auditor,
                                                             clean_findings):
    findings = audit_fixture(contexts, auditor, BROKEN[check], f"broken-{check}")
    assert check in {f["rule"] for f in findings}, findings
    assert check not in {f["rule"] for f in clean_findings}
    found = next(f for f in findings if f["rule"] == check)
    assert found["source"] == "check" and found["fix"] and found["state"] == f"broken-{check}"
    assert found["wcag"] or found["miit"], f"{check} is mapped to neither WCAG nor MIIT"


@pytest.mark.parametrize("check", sorted(MODE_FIXTURES))
def test_each_display_mode_check_finds_its_fault_and_passes_a_clean_page(check, contexts,
                                                                        auditor):
    mode, clean, broken = MODE_FIXTURES[check]
    assert audit_fixture(contexts, auditor, clean, f"clean-{check}", mode=mode) == []
    findings = audit_fixture(contexts, auditor, broken, f"broken-{check}", mode=mode)
    assert {f["rule"] for f in findings} == {check}, findings
    found = findings[0]
    assert found["mode"] == mode.id and found["source"] == "check" and found["fix"]
    assert found["wcag"] and found["miit"]
    # The same page in the standard mode: the mode's own numbers do not apply.
    assert audit_fixture(contexts, auditor, broken, f"standard-{check}") == []


@pytest.mark.parametrize("js", ["on", "off"])
def test_text_spacing_is_checked_behind_a_strict_content_security_policy(js, contexts,
                                                                         auditor):
    clean = audit_fixture(contexts, auditor, csp_page(""), "csp-clean", js, headers=CSP)
    assert clean == []
    broken = audit_fixture(contexts, auditor, csp_page(
        '<div class="fixed"><p>One line.</p><p>Another.</p></div>'),
        "csp-broken", js, headers=CSP)
    assert [f["rule"] for f in broken] == ["text-spacing"], broken


def test_focus_visible_compares_screenshots_where_the_styles_look_fine(contexts, auditor,
                                                                      clean_findings):
    """An outline the colour of the background: the style heuristic alone would pass it
    (FOCUSED's "indicator"), the screenshot comparison finds every element unchanged."""
    page = tab(contexts("on"))
    url = f"{SITE}/invisible-focus"
    page.route(url, lambda route: route.fulfill(body=INVISIBLE_FOCUS,
                                                content_type="text/html; charset=utf-8"))
    try:
        page.goto(url)
        order, _ = tab_through(page)
        assert order and all(f["indicator"] for f in order), order  # the styles: fine
        page.goto(url)
        problems = check_focus(page)
    finally:
        page.unroute(url)
    missed = [p for p in problems if p["rule"] == "focus-visible"]
    assert {p["selector"] for p in missed} == {f["selector"] for f in order}, problems
    assert all("pixels change on focus" in p["message"] for p in missed)
    assert "focus-visible" not in {f["rule"] for f in clean_findings}
    # The same check with screenshots off falls back on the styles, which miss it.
    page.route(url, lambda route: route.fulfill(body=INVISIBLE_FOCUS,
                                                content_type="text/html; charset=utf-8"))
    try:
        page.goto(url)
        assert not [p for p in check_focus(page, screenshots=False)
                    if p["rule"] == "focus-visible"]
    finally:
        page.unroute(url)


@pytest.mark.parametrize("js", ["on", "off"])
def test_tab_order_follows_the_reading_order(js, contexts, auditor):
    """Positive tabindex (itself, and the jump back from it) and CSS reordering are
    findings; on a right-to-left page a row read from right to left is in order, and a
    row reversed into left to right is not. (axe's own tabindex rule sees a positive
    tabindex too, not CSS reordering.)"""
    cases = {
        "positive-tabindex": (fixture_page(body='<p><a href="/one">One</a> '
                                                '<a href="/two" tabindex="2">Two</a></p>'), 2),
        "reversed": (fixture_page(body=REVERSED_ROW), 2),
        "rtl-row": (fixture_page(lang=RTL, body=ROW), 0),
        "rtl-reversed": (fixture_page(lang=RTL, body=REVERSED_ROW), 2),
    }
    for name, (markup, expected) in cases.items():
        findings = audit_fixture(contexts, auditor, markup, f"order-{name}-{js}", js)
        order = [f for f in findings if f["rule"] == "tab-order"]
        assert len(order) == expected, (name, findings)
        assert {f["rule"] for f in findings} <= {"tab-order", "tabindex"}, (name, findings)
    positive = audit_fixture(contexts, auditor, cases["positive-tabindex"][0],
                             f"order-positive-{js}", js)
    assert "tabindex=2" in next(f["message"] for f in positive if f["rule"] == "tab-order")


def silence_wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    import io
    import wave
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(rate)
        out.writeframes(b"\x80" * int(seconds * rate))
    return buffer.getvalue()


@pytest.mark.parametrize("js", ["on", "off"])
def test_a_native_audio_control_is_walked_through_not_taken_for_a_trap(js, contexts,
                                                                        auditor):
    """<audio controls> takes several Tab stops of its own (play, time line, volume…)
    while document.activeElement stays the <audio>: the walk goes on to what follows
    it, and the control's own parts (whose rings the browser draws) are not findings."""
    page = tab(contexts(js))
    page.route(f"{SITE}/silence.wav", lambda route: route.fulfill(
        body=silence_wav(), content_type="audio/wav"))
    try:
        findings = audit_fixture(contexts, auditor, fixture_page(
            style="audio:focus-visible { outline: 3px solid #000; }",
            body='<audio controls src="/silence.wav"></audio>'
                 '<p><a href="/after">After the player</a></p>'), f"audio-{js}", js)
    finally:
        page.unroute(f"{SITE}/silence.wav")
    assert findings == [], findings


ECHO = """<!doctype html><html lang="en"><head><title>Echo</title></head><body><main>
<h1>Echo</h1><pre id="cookie">{cookie}</pre><pre id="language">{language}</pre></main></body></html>"""


@pytest.mark.parametrize("js", ["on", "off"])
def test_a_display_mode_and_language_are_cookies_on_any_site(js, browser):
    """modes.apply sets them for the audited site's URL (a deployment as much as the
    local app): the display cookie and the language cookie; the browser's locale
    (context_options) gives the Accept-Language."""
    context = browser.new_context(java_script_enabled=(js == "on"),
                                  **context_options(LOCALES["en"]))
    try:
        context.route(f"{SITE}/echo", lambda route: route.fulfill(
            content_type="text/html; charset=utf-8", body=ECHO.format(
                cookie=route.request.all_headers().get("cookie", ""),
                language=route.request.all_headers().get("accept-language", ""))))
        apply(context, SITE, ELDER, LOCALES["en"])
        page = tab(context)
        page.goto(f"{SITE}/echo")
        cookies = dict(c.split("=", 1) for c in page.inner_text("#cookie").split("; "))
        assert cookies == {"yiban_display": "elder=1", "yiban_lang": "en"}
        assert page.inner_text("#language").startswith("en")
        apply(context, SITE, STANDARD)  # no cookie at all, the language stays
        page.goto(f"{SITE}/echo")
        assert page.inner_text("#cookie") == "yiban_lang=en"
        # A page that ignores the cookie is reported as not in the mode.
        apply(context, SITE, ELDER)
        page.goto(f"{SITE}/echo")
        assert "data-elder" in mode_problem(page, ELDER)
        assert mode_problem(page, STANDARD) is not None
        assert mode_problem(page, None, LOCALES["en"]) is None
    finally:
        context.close()


@pytest.mark.parametrize("js", ["on", "off"])
def test_an_axe_finding_carries_its_mapping_and_screenshot(js, contexts, auditor):
    findings = audit_fixture(contexts, auditor, AXE_BROKEN, "no-alt", js)
    [finding] = [f for f in findings if f["rule"] == "image-alt"]
    assert finding["source"] == "axe" and finding["js"] == js
    assert finding["wcag"] == ["1.1.1 (A)"]
    assert finding["miit"].startswith("MIIT 适老化")
    assert finding["gbt37668"] and finding["fix"] and finding["impact"]
    assert finding["target"] and "<img" in finding["html"]
    assert finding["screenshot"] and finding["screenshot"].startswith("shots/")
    assert (auditor.shots_dir.parent / finding["screenshot"]).stat().st_size > 0


# Two forms of one button each, neither named: a screen reader's list of forms cannot
# tell them apart (IBM: aria_form_label_unique / aria_landmark_name_unique).
IBM_BROKEN = fixture_page(body='<form action="/a"><button>A</button></form>'
                               '<form action="/b"><button>B</button></form>')
# An attribute HTML does not have (htmx reads data-hx-post the same).
NU_BROKEN = fixture_page(body='<form action="/a" hx-post="/a"><button>A</button></form>')


@pytest.mark.parametrize("js", ["on", "off"])
def test_an_ibm_equal_access_violation_is_a_finding_of_that_engine(js, contexts, auditor):
    findings = audit_fixture(contexts, auditor, IBM_BROKEN, "unnamed-forms", js)
    ibm = [f for f in findings if f["source"] == "ibm"]
    assert {f["rule"] for f in ibm} >= {"aria_form_label_unique"}
    finding = next(f for f in ibm if f["rule"] == "aria_form_label_unique")
    assert finding["js"] == js and "<form" in finding["html"]
    assert finding["wcag"] and finding["fix"] and finding["help_url"]
    assert not [f for f in findings if f["source"] == "axe"]  # axe does not see it


def test_the_nu_checker_reports_invalid_html_of_the_page_views_it_came_from(
        contexts, browser, tmp_path):
    sources = tmp_path / "sources"
    auditor = PageAuditor(browser, SITE, wording_for, sources_dir=sources,
                          engines=["nu"], structure=False)
    try:
        runs = []
        for name, markup in (("hx-attribute", NU_BROKEN), ("clean", CLEAN),
                             ("hx-attribute-again", NU_BROKEN)):
            assert audit_fixture(contexts, auditor, markup, name) == []
            runs.append({"state": name, "js": "on", "mode": "standard", "locale": None,
                         "url": f"{SITE}/{name}", "findings": [],
                         "html_source": auditor.last_source})
    finally:
        auditor.close()
    assert len(list(sources.glob("*.html"))) == 2  # the same HTML is checked once
    result = AuditResult(SITE, ["on"], ["wcag2a"], runs=runs)
    add_nu_findings(result, sources)
    broken, clean, again = (run["findings"] for run in runs)
    assert clean == []
    assert [f["rule"] for f in broken] == ["nu:attribute-x-not-allowed-on-element-x-at-this-point"]
    assert broken[0]["source"] == "nu" and "hx-post" in broken[0]["message"]
    assert broken[0]["gbt37668"] and broken[0]["fix"]
    assert [f["message"] for f in again] == [f["message"] for f in broken]


def test_engines_can_be_chosen(contexts, browser):
    only_axe = PageAuditor(browser, SITE, wording_for, engines=["axe"], structure=False)
    try:
        assert audit_fixture(contexts, only_axe, IBM_BROKEN, "unnamed-forms-axe") == []
    finally:
        only_axe.close()


def test_every_own_check_and_common_axe_rule_is_mapped():
    rules = load_rules()
    for rule in [*BROKEN, *MODE_FIXTURES, "keyboard-reachable", "keyboard-trap",
                 "broken-link", "state-not-reached", "color-contrast",
                 "color-contrast-enhanced", "target-size", "label", "image-alt"]:
        assert rule in rules and rules[rule]["fix"], rule
        assert set(rules[rule]) == {"wcag", "miit", "gbt37668", "fix"}, rule
    # An unmapped axe rule still gets its WCAG criteria from axe's own tags.
    assert describe_rule("made-up-rule", ["wcag2aa", "wcag143"])["wcag"] == ["1.4.3 (AA)"]


def result_with(findings, baseline=()):
    result = AuditResult(SITE, ["on"], ["wcag2a"], axe_runs=1)
    result.runs = [{"state": "no-alt", "js": "on", "mode": "standard", "locale": None,
                    "url": f"{SITE}/no-alt", "findings": findings}]
    result.baseline = list(baseline)
    apply_baseline(result.findings, result.baseline)
    return result


def baseline_file(tmp_path, expires):
    path = tmp_path / "baseline.yaml"
    path.write_text(f"- rule: image-alt\n  state: '*'\n  reason: the logo is being redrawn\n"
                    f"  expires: {expires.isoformat()}\n", encoding="utf-8")
    return load_baseline(path)


@pytest.fixture(scope="module")
def axe_findings(contexts, auditor):
    # (IBM Equal Access finds the missing alt too, as img_alt_valid: axe's alone here.)
    return [f for f in audit_fixture(contexts, auditor, AXE_BROKEN, "no-alt")
            if f["source"] == "axe"]


def test_the_baseline_accepts_until_it_expires(tmp_path, axe_findings):
    accepted = result_with(axe_findings, baseline_file(tmp_path, date.today() + timedelta(30)))
    assert {f["status"] for f in accepted.findings} == {"accepted"}
    assert "being redrawn" in accepted.findings[0]["accepted_because"]
    assert exit_code(accepted) == 0

    expired = result_with(axe_findings, baseline_file(tmp_path, date.today() - timedelta(1)))
    assert {f["status"] for f in expired.findings} == {"failed"}
    assert expired.baseline[0]["status"] == "expired"
    assert expired.summary()["baseline_expired"] == 1
    assert exit_code(expired) == 1


def test_exit_code_and_reports(tmp_path, axe_findings, clean_findings, browser):
    broken = result_with(axe_findings)
    assert exit_code(broken) == 1
    assert exit_code(result_with(clean_findings)) == 0

    index = write_reports(broken, tmp_path)
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    [case] = junit.iter("testcase")
    assert case.get("name") == "no-alt" and case.find("failure") is not None
    assert "image-alt" in case.find("failure").text
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["summary"]["failed"] == len(axe_findings) > 0
    assert data["runs"][0]["findings"][0]["wcag"] == ["1.1.1 (A)"]
    text = index.read_text(encoding="utf-8")
    assert "image-alt" in text and "1.1.1 (A)" in text and "MIIT 适老化" in text

    # The report itself passes axe (all tags) and has one h1.
    context = browser.new_context(**CONTEXT_OPTIONS)
    try:
        page = context.new_page()
        page.goto(index.as_uri())
        assert page.locator("h1").count() == 1
        report_auditor = PageAuditor(browser, index.as_uri(), wording_for, engines=["axe"])
        try:
            assert report_auditor.audit(page, "report", "on") == []
        finally:
            report_auditor.close()
    finally:
        context.close()


def test_the_baseline_can_name_a_display_mode_and_language(tmp_path, axe_findings):
    path = tmp_path / "baseline.yaml"
    path.write_text("- rule: image-alt\n  mode: elder\n  locale: 'zh_*'\n"
                    "  reason: the elder-mode logo is being redrawn\n"
                    f"  expires: {(date.today() + timedelta(30)).isoformat()}\n",
                    encoding="utf-8")
    entries = load_baseline(path)
    as_in = [dict(f, mode="elder", locale="zh_Hans_CN") for f in axe_findings]
    elsewhere = [dict(f, mode="elder", locale="en") for f in axe_findings]
    apply_baseline(as_in + elsewhere, entries)
    assert {f["status"] for f in as_in} == {"accepted"}
    assert {f["status"] for f in elsewhere} == {"failed"}


def test_the_baseline_can_name_an_engine(tmp_path):
    path = tmp_path / "baseline.yaml"
    path.write_text("- rule: 'nu:*'\n  engine: nu\n  reason: a validator bug, reported\n"
                    f"  expires: {(date.today() + timedelta(30)).isoformat()}\n",
                    encoding="utf-8")
    nu = {"rule": "nu:attribute-x-not-allowed", "source": "nu", "state": "home", "js": "on"}
    elsewhere = dict(nu, source="ibm")  # (no such rule there: the engine must match too)
    apply_baseline([nu, elsewhere], load_baseline(path))
    assert (nu["status"], elsewhere["status"]) == ("accepted", "failed")


def test_reports_give_the_matrix_of_modes_and_languages(tmp_path, axe_findings, browser):
    """Runs in two modes and two languages: each finding says where it was, the JUnit
    cases are named by language, mode and JS, the summary tables are pages × modes."""
    result = AuditResult(SITE, ["on", "off"], ["wcag2a"], axe_runs=8,
                         modes=["standard", "elder"], locales=["zh_Hans_CN", "en"])
    for locale in result.locales:
        for mode in result.modes:
            for js in result.js_modes:
                broken = mode == "elder" and locale == "en" and js == "off"
                result.runs.append({
                    "state": "no-alt", "js": js, "mode": mode, "locale": locale,
                    "url": f"{SITE}/no-alt", "seconds": 0.5,
                    "findings": [dict(f, js=js, mode=mode, locale=locale)
                                 for f in axe_findings] if broken else []})
    apply_baseline(result.findings, [])
    index = write_reports(result, tmp_path)

    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["modes"] == ["standard", "elder"] and data["locales"] == ["zh_Hans_CN", "en"]
    assert data["summary"]["runs"] == 8 and data["summary"]["modes"] == 2
    [failed_run] = [r for r in data["runs"] if r["findings"]]
    assert {(f["mode"], f["locale"], f["js"]) for f in failed_run["findings"]} == {
        ("elder", "en", "off")}
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    cases = {(c.get("classname"), c.get("name")): c for c in junit.iter("testcase")}
    assert len(cases) == 8
    assert cases[("a11y.en.elder.js_off", "no-alt")].find("failure") is not None
    assert cases[("a11y.zh_Hans_CN.standard.js_on", "no-alt")].find("failure") is None

    context = browser.new_context(**CONTEXT_OPTIONS)
    try:
        page = context.new_page()
        page.goto(index.as_uri())
        header = page.locator("#pages-1 + .table-wrap thead").inner_text()
        assert "standard" in header and "elder" in header and "JS off" in header
        assert "elder, en, JS off" in page.locator("#findings ~ section").first.inner_text()
        report_auditor = PageAuditor(browser, index.as_uri(), wording_for, engines=["axe"])
        try:
            assert report_auditor.audit(page, "report", "on") == []
        finally:
            report_auditor.close()
    finally:
        context.close()


def test_workers_share_the_matrix_and_the_report_keeps_its_order(tmp_path):
    """Two worker processes, each with its own app: every cell is audited once, with
    its mode and language, in matrix order."""
    from .states import STATES
    states = [s for s in STATES if s.id in ("not-found", "sign-in")]
    result = audit_parallel(None, ["on"], ["wcag2a"], tmp_path, workers=2, states=states,
                            progress=None, modes=["standard", "elder"], locales=["en"],
                            cell_progress=None)
    assert [(r["mode"], r["locale"], r["state"]) for r in result.runs] == [
        ("standard", "en", "sign-in"), ("standard", "en", "not-found"),
        ("elder", "en", "sign-in"), ("elder", "en", "not-found")]
    assert not [f for f in result.findings if f["rule"] == "state-not-reached"], \
        result.findings
    assert result.axe_runs == 4 and len(result.cells) == 2
    # Each state reached once, then reloaded in the other mode (a cookie).
    assert result.views == {"reached": 2, "reloaded": 2}


def test_a_seeded_data_folder_is_reused_only_for_the_day_and_js_settings_it_holds(tmp_path):
    """CI's two audit runs share one seeded history (--seeded-data); a folder seeded
    another day (a helper's consent may have expired) or without a JS setting's
    citizen is seeded again."""
    import json
    from datetime import date, timedelta

    from .audit import SEEDS_FILE, kept_seeds
    seeds = {"on": {"js": "on", "retirement": "YB1"}, "off": {"js": "off"}}

    def record(made):
        (tmp_path / SEEDS_FILE).write_text(json.dumps({"made": made.isoformat(),
                                                       "seeds": seeds}))
    assert kept_seeds(tmp_path, ["on"]) is None  # nothing seeded yet
    record(date.today())
    assert kept_seeds(tmp_path, ["on", "off"]) == seeds
    assert kept_seeds(tmp_path, ["on", "elsewhere"]) is None
    record(date.today() - timedelta(days=1))
    assert kept_seeds(tmp_path, ["on"]) is None


def test_seed_only_needs_a_local_folder_and_keeps_today_s_seeds(tmp_path, capsys):
    """./test.sh --quick seeds in the background (--seed-only) while pytest runs; the
    audit after it reuses the folder."""
    import json
    from datetime import date

    from .__main__ import main
    from .audit import SEEDS_FILE
    for argv in (["--seed-only"],
                 ["--seed-only", "--seeded-data", str(tmp_path), "--base-url", "http://x"]):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        assert stopped.value.code == 2
    record = json.dumps({"made": date.today().isoformat(),
                         "seeds": {"on": {"js": "on"}, "off": {"js": "off"}}})
    (tmp_path / SEEDS_FILE).write_text(record)
    assert main(["--seed-only", "--seeded-data", str(tmp_path)]) == 0
    assert (tmp_path / SEEDS_FILE).read_text() == record  # today's: not seeded again
    assert f"seeded: {tmp_path}" in capsys.readouterr().out


def test_shards_and_units_cover_the_matrix_once_with_each_state_in_every_mode():
    from .states import STATES
    ids = [s.id for s in STATES if "on" in s.modes]
    seen = []
    for k in (1, 2, 3):
        for unit in units(["on", "off"], ["elder", "standard", "forced-colors"],
                          ["en", "ug"], parts=2, shard=(k, 3)):
            # Modes of one cookie together: standard and forced colours need no reload.
            assert unit.modes == ("standard", "forced-colors", "elder")
            if unit.js == "on":
                seen += [(unit.locale, i) for i in ids[unit.part::unit.parts]]
    assert sorted(seen) == sorted((loc, i) for loc in ("en", "ug") for i in ids)


def test_a_budgeted_run_goes_on_from_its_shard_through_the_others_in_turn():
    """--budget: shard k first (required), then whole shards k+1, …, n, 1, …, k-1, each
    in every language and JS setting before the next, and the matrix still once."""
    from .states import STATES
    ids = {js: [s.id for s in STATES if js in s.modes] for js in ("on", "off")}
    plan = units(["on", "off"], ["standard", "elder"], ["en", "ug"], parts=3, shard=(3, 4),
                 budgeted=True)
    required = [u for u in plan if not u.optional]
    assert required == units(["on", "off"], ["standard", "elder"], ["en", "ug"], parts=3,
                             shard=(3, 4))
    assert plan[:len(required)] == required  # the shard itself before anything optional
    assert [u.part for u in plan[len(required):]] == [3] * 4 + [0] * 4 + [1] * 4
    seen = sorted((u.js, u.locale, s.id) for u in plan for s in u.states(STATES))
    assert seen == sorted((js, loc, i) for js in ("on", "off") for loc in ("en", "ug")
                          for i in ids[js])


@pytest.mark.parametrize("budget, audited, left", [(0, ["sign-in"], 1),
                                                   (600, ["sign-in", "not-found"], 0)])
def test_a_time_budget_stops_beginning_further_shards_and_says_what_it_left(
        tmp_path, budget, audited, left):
    """Part 2 of CI: its own shard is always audited; the next is begun only while the
    budget lasts, and what is left is counted in the report, not hidden."""
    from .states import STATES
    states = [s for s in STATES if s.id in ("sign-in", "not-found")]
    result = audit_parallel(None, ["on"], ["wcag2a"], tmp_path, workers=1, states=states,
                            progress=None, modes=["standard"], locales=["en"],
                            cell_progress=None, shard=(1, 2),
                            deadline=time.time() + budget)
    assert [r["state"] for r in result.runs] == audited
    assert not [f for f in result.findings if f["rule"] == "state-not-reached"]
    assert sum(u["views"] for u in result.left) == left
    assert ("left for the time budget: 1 page views" in summary_line(result)) == bool(left)


SITE_PAGES = {  # the crawl's fixture site: path -> links on the page
    "/": ["/a", "/search?q=one", "/search?q=two#results", "/no-such-page", "/gone",
          "/language/en?next=/", "/static/site.css", "/apply/x", "/a#top",
          "http://other.test/away"],
    "/a": ["/", "/b?next=/a", "/speech/1.mp3"],
    "/b": ["/a", "/b", "/search?q=three", "/m/1", "/m/2", "/m/3"],
    "/search": ["/"],
    **{f"/m/{n}": ["/"] for n in (1, 2, 3)},  # three pages of one kind: two are audited
}


def crawl_site(environ, start_response):
    """A WSGI site of clean pages linking as SITE_PAGES says, in the display mode its
    cookie asks for (standard or 长辈版, as mode_problem wants them); anything else is
    a 404 page."""
    path = environ["PATH_INFO"]
    links = SITE_PAGES.get(path)
    elder = f"{DISPLAY_COOKIE}={ELDER.cookie}" in environ.get("HTTP_COOKIE", "")
    body = fixture_page(
        lang='lang="en" dir="ltr" ' + " ".join(
            f'{name}="{value}"' for name, value in (ELDER if elder else STANDARD).html.items()),
        title=f"{'Page' if links is not None else 'Not found'} {path} – Yiban",
        body="".join(f'<p><a href="{href}">Link {n}</a></p>'
                     for n, href in enumerate(links or [])))
    start_response("200 OK" if links is not None else "404 Not Found",
                   [("Content-Type", "text/html; charset=utf-8")])
    return [body.encode()]


def test_the_crawl_follows_every_link_once_and_reports_broken_ones(tmp_path):
    """Signed out from the home page: each page (query values and `next` aside) is
    opened once; the one a scripted state covers (not-found, a 404 on purpose) is not
    audited again; the others are audited as crawled:<key> in the standard mode only
    (even after the unit's states left the browser in 长辈版), at most two of a kind
    (/m/<n>);
    a link answering 404 is a broken-link finding; side-effect and file links are
    skipped with their reason."""
    from .audit import crawl_key, crawl_kind, crawl_skip_reason, serve, summary_line
    from .states import STATES

    assert crawl_key("http://x/search?q=a&page=2#r") == crawl_key("/search?page=9&q=b") \
        == "/search?page&q"
    assert crawl_key("/sign-in?next=/my/") == "/sign-in"
    assert crawl_skip_reason("/language/en?next=/") and crawl_skip_reason("/apply/x")
    assert crawl_skip_reason("/speech/1/2.mp3") and not crawl_skip_reason("/speech/help")
    assert not crawl_skip_reason("/apply/x/name")
    assert crawl_kind("/my/applications/YB20261127000004/withdraw") == \
        "/my/applications/<n>/withdraw" and crawl_kind("/my/messages/12") == "/my/messages/<n>"

    states = [s for s in STATES if s.id == "not-found"]
    with serve(crawl_site) as url:
        result = audit_parallel(url, ["on"], ["wcag2a"], tmp_path, workers=1,
                                states=states, progress=None, modes=["standard", "elder"],
                                locales=[], cell_progress=None, crawl="standard",
                                crawl_from=[("anon", "/")])
    crawled = {r["state"]: r for r in result.runs if r["state"].startswith("crawled:")}
    assert set(crawled) == {"crawled:/", "crawled:/a", "crawled:/b", "crawled:/search?q",
                            "crawled:/gone", "crawled:/m/1", "crawled:/m/2"}, crawled
    assert {r["mode"] for r in crawled.values()} == {"standard"}
    assert crawled["crawled:/a"]["findings"] == [], crawled["crawled:/a"]
    [broken] = crawled["crawled:/gone"]["findings"]
    assert broken["rule"] == "broken-link" and "HTTP 404" in broken["message"]
    assert broken["url"] == url + "/" and broken["source"] == "crawl"
    assert result.crawl["reached"] == ["/", "/a", "/b", "/m/1", "/m/2", "/m/3",
                                       "/search?q"]  # (not the 404s)
    assert result.crawl["new"] == ["/", "/a", "/b", "/m/1", "/m/2", "/search?q"]
    skipped = {path for paths in result.crawl["skipped"].values() for path in paths}
    assert skipped == {"/language/en", "/static/site.css", "/apply/x", "/speech/1.mp3",
                       "/m/3"}
    apply_baseline(result.findings, [])
    summary = result.summary()
    assert (summary["crawled_new"], summary["broken_links"]) == (6, 1)
    assert "6 new" in summary_line(result) and "1 broken link" in summary_line(result)
    index = write_reports(result, tmp_path)
    assert "Links not followed, and pages not audited" in index.read_text(encoding="utf-8")


def test_the_command_refuses_unknown_modes_and_languages(capsys):
    from .__main__ import main
    for flag, value in (("--modes", "standard,sepia"), ("--locales", "fr"),
                        ("--crawl", "sometimes"), ("--engines", "axe,wave"),
                        ("--states", "no-such-state*")):
        with pytest.raises(SystemExit) as stopped:
            main([flag, value])
        assert stopped.value.code == 2
        assert value.split(",")[-1] in capsys.readouterr().err


def test_the_command_refuses_a_bad_baseline_before_auditing(tmp_path, capsys):
    from .__main__ import main
    assert main(["--baseline", str(tmp_path / "missing.yaml"),
                 "--report", str(tmp_path / "r")]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("- rule: image-alt\n  state: '*'\n", encoding="utf-8")
    assert main(["--baseline", str(bad), "--report", str(tmp_path / "r")]) == 2
    assert "lacks expires, reason" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


# ---- each DOM's DOM-only rules once: the other display modes share their result -------
SHARED_MARKUP = fixture_page(
    style="", body='<p class="faint">Faint words</p><img src="/pixel.png" class="pic">'
                   '<link rel="stylesheet" href="/look.css">')
FAINT = ".faint { color: #bbb; }"  # 1.9:1 on white: a contrast failure
HIDDEN_PICTURE = ".pic { display: none; }"


def audit_with_look(contexts, page_auditor, css, name, mode):
    """SHARED_MARKUP (always the same DOM) with this stylesheet: as a display mode
    is, the same page in another look."""
    page = tab(contexts("on"))
    page.route(f"{SITE}/look.css", lambda route: route.fulfill(
        body=css, content_type="text/css", headers={"Cache-Control": "no-store"}))
    try:
        return {f["rule"] for f in audit_fixture(contexts, page_auditor, SHARED_MARKUP,
                                                 name, mode=mode) if f["source"] == "axe"}
    finally:
        page.unroute(f"{SITE}/look.css")


@pytest.mark.parametrize("sharing", ["on", "verify"])
def test_a_shared_dom_still_gets_its_rendering_rules_and_keeps_its_dom_findings(
        sharing, browser, contexts, tmp_path):
    page_auditor = PageAuditor(browser, SITE, wording_for, engines=["axe", "ibm"],
                               share=True, verify_sharing=sharing == "verify")
    try:
        first = audit_with_look(contexts, page_auditor, "", "shared", STANDARD)
        # The same DOM: the image's missing alt comes from the first view's result, the
        # faint text's contrast from this view's own run of the rendering rules.
        faint = audit_with_look(contexts, page_auditor, FAINT, "shared", LARGE)
        # The picture hidden by the style: another set of rendered elements, so every
        # rule runs again, and no image lacks its alt any more.
        hidden = audit_with_look(contexts, page_auditor, HIDDEN_PICTURE, "shared", ELDER)
    finally:
        page_auditor.close()
    assert "image-alt" in first and "color-contrast" not in first
    assert {"image-alt", "color-contrast"} <= faint
    assert "image-alt" not in hidden
    assert page_auditor.sharing == {"dom-first": 2, "dom-shared": 1}
    assert page_auditor.sharing_mismatches == {}


def test_verify_sharing_names_a_rule_that_reads_the_rendering(browser, contexts,
                                                               monkeypatch):
    from . import audit
    # Pretend color-contrast read the DOM alone: its result differs within one DOM.
    monkeypatch.setattr(audit, "AXE_RENDERING_RULES",
                        tuple(r for r in audit.AXE_RENDERING_RULES if r != "color-contrast"))
    page_auditor = PageAuditor(browser, SITE, wording_for, engines=["axe"],
                               verify_sharing=True)
    try:
        audit_with_look(contexts, page_auditor, "", "verify", STANDARD)
        audit_with_look(contexts, page_auditor, FAINT, "verify", LARGE)
    finally:
        page_auditor.close()
    assert "color-contrast" in page_auditor.sharing_mismatches
