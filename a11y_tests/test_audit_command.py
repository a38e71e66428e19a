"""The audit command's logic (audit.py, checks.py) on small fixture pages: every
structure check finds its fault on a broken page and is quiet on a clean one; an axe
finding reaches the report with its WCAG mapping; the baseline accepts and expires;
the reports are well-formed; the exit code follows the findings."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from .audit import (
    AuditResult,
    PageAuditor,
    apply_baseline,
    describe_rule,
    exit_code,
    load_baseline,
    load_rules,
    write_reports,
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
}
AXE_BROKEN = fixture_page(body='<img src="/pixel.png">')  # image-alt (1.1.1, A)


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
            made[js] = context
        return made[js]

    yield make
    for context in made.values():
        context.close()


def audit_fixture(contexts, auditor, markup, name, js="on"):
    """Serve the markup at SITE/<name> and audit it as the audit command does."""
    page = tab(contexts(js))
    url = f"{SITE}/{name}"
    page.route(url, lambda route: route.fulfill(body=markup,
                                                content_type="text/html; charset=utf-8"))
    try:
        page.goto(url)
        return auditor.audit(page, name, js)
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


def test_every_own_check_and_common_axe_rule_is_mapped():
    rules = load_rules()
    for rule in [*BROKEN, "keyboard-reachable", "keyboard-trap", "color-contrast",
                 "color-contrast-enhanced", "target-size", "label", "image-alt"]:
        assert rule in rules and rules[rule]["fix"], rule
        assert set(rules[rule]) == {"wcag", "miit", "gbt37668", "fix"}, rule
    # An unmapped axe rule still gets its WCAG criteria from axe's own tags.
    assert describe_rule("made-up-rule", ["wcag2aa", "wcag143"])["wcag"] == ["1.4.3 (AA)"]


def result_with(findings, baseline=()):
    result = AuditResult(SITE, ["on"], ["wcag2a"], axe_runs=1)
    result.runs = [{"state": "no-alt", "js": "on", "url": f"{SITE}/no-alt",
                    "findings": findings}]
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
    return audit_fixture(contexts, auditor, AXE_BROKEN, "no-alt")


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
        report_auditor = PageAuditor(browser, index.as_uri(), wording_for, structure=False)
        try:
            assert report_auditor.audit(page, "report", "on") == []
        finally:
            report_auditor.close()
    finally:
        context.close()


def test_the_command_refuses_a_bad_baseline_before_auditing(tmp_path, capsys):
    from .__main__ import main
    assert main(["--baseline", str(tmp_path / "missing.yaml"),
                 "--report", str(tmp_path / "r")]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("- rule: image-alt\n  state: '*'\n", encoding="utf-8")
    assert main(["--baseline", str(bad), "--report", str(tmp_path / "r")]) == 2
    assert "lacks expires, reason" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
