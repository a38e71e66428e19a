"""The accessibility audit as one command (`python -m a11y_tests`): every page state of
states.py, JavaScript on and/or off, through axe (the same options as the pytest suite)
and the structure checks of checks.py; every finding mapped to WCAG 2.2, the MIIT
适老化 specification and GB/T 37668 (rules.yaml), with a screenshot of the element; an
HTML, JSON and JUnit report; a baseline of accepted findings.

The pieces are usable one by one (the tests in test_audit_command.py use them on
fixture pages): `PageAuditor.audit(page, state_id, js)` -> findings,
`apply_baseline`, `write_reports`, `exit_code`.
"""
from __future__ import annotations

import contextlib
import fnmatch
import functools
import html
import json
import logging
import os
import re
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from .checks import check_structure, wording
from .support import (
    AXE_TAGS,
    CHROMIUM,
    CHROMIUM_ARGS,
    CONTEXT_OPTIONS,
    Auditor,
    is_js_off,
    tab,
)

RULES_FILE = Path(__file__).resolve().parent / "rules.yaml"
MAX_NODES_PER_RULE = 20  # per page state: enough to act on, not a flood
SHOT_TIMEOUT_MS = 2_000


@functools.cache
def load_rules(path: Path = RULES_FILE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


_SC_TAG = re.compile(r"^wcag(\d)(\d)(\d+)$")


def wcag_from_tags(tags: list[str]) -> list[str]:
    """axe's own WCAG tags (e.g. wcag143 + wcag2aa) as ["1.4.3 (AA)"]: the fallback for
    a rule that rules.yaml does not know yet."""
    level = next((t.rsplit("2", 1)[-1].upper() for t in tags
                  if re.fullmatch(r"wcag2\d?a{1,3}", t)), "?")
    return [f"{m[1]}.{m[2]}.{m[3]} ({level})" for t in tags if (m := _SC_TAG.match(t))]


def describe_rule(rule_id: str, axe_tags: list[str] | None = None) -> dict:
    known = load_rules().get(rule_id)
    if known is None:
        return {"wcag": wcag_from_tags(axe_tags or []), "miit": None, "gbt37668": None,
                "fix": None, "mapped": False}
    return {"wcag": list(known.get("wcag") or []), "miit": known.get("miit"),
            "gbt37668": known.get("gbt37668"), "fix": known.get("fix"), "mapped": True}


# ---- auditing one page ----------------------------------------------------------------
class _TaggedAuditor(Auditor):
    """support.Auditor (JS-off replay included) with a choice of axe tags."""

    def __init__(self, browser, base_url, tags):
        super().__init__(browser, base_url)
        self.options = {"runOnly": {"type": "tag", "values": list(tags)},
                        "resultTypes": ["violations"]}

    def _run_axe(self, page) -> dict:
        return self._axe.run(page, options=self.options).response

    def results(self, page) -> dict:
        if is_js_off(page.context):
            return self._run_axe_without_page_scripts(page)
        return self._run_axe(page)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:80] or "x"


class PageAuditor:
    """Audits pages: axe, then the structure checks; screenshots of the elements."""

    def __init__(self, browser, base_url: str, wording_for, tags=AXE_TAGS,
                 shots_dir: Path | None = None, structure: bool = True):
        self.base_url = base_url
        self.wording_for = wording_for
        self.tags = list(tags)
        self.shots_dir = shots_dir
        self.structure = structure
        self.axe = _TaggedAuditor(browser, base_url, self.tags)
        self.axe_runs = 0
        self.needs_review: dict[str, set] = {}
        self._shots = 0

    def close(self):
        self.axe.close()

    def _screenshot(self, page, selector, state_id, js, rule) -> str | None:
        if self.shots_dir is None or not selector:
            return None
        try:
            target = page.locator(selector).first
            if not target.is_visible():
                return None
            self._shots += 1
            name = f"{self._shots:04d}-{_slug(state_id)}-js-{js}-{_slug(rule)}.png"
            self.shots_dir.mkdir(parents=True, exist_ok=True)
            target.screenshot(path=str(self.shots_dir / name), timeout=SHOT_TIMEOUT_MS,
                              animations="disabled")
            return f"shots/{name}"
        except Exception:  # noqa: BLE001 - a missing screenshot is not a finding
            return None

    def _outer_html(self, page, selector) -> str | None:
        if not selector:
            return None
        try:
            return page.locator(selector).first.evaluate(
                "el => el.outerHTML", timeout=SHOT_TIMEOUT_MS)[:500]
        except Exception:  # noqa: BLE001
            return None

    def audit(self, page, state_id: str, js: str) -> list[dict]:
        url = page.url
        base = {"state": state_id, "js": js, "url": url}
        findings = []
        results = self.axe.results(page)
        self.axe_runs += 1
        for rule in results.get("incomplete", []):
            self.needs_review.setdefault(rule["id"], set()).add(f"{state_id} (JS {js})")
        for violation in results["violations"]:
            mapping = describe_rule(violation["id"], violation.get("tags"))
            for node in violation["nodes"][:MAX_NODES_PER_RULE]:
                target = node["target"][0] if node.get("target") else None
                selector = target if isinstance(target, str) else None
                findings.append({
                    **base, "source": "axe", "rule": violation["id"],
                    "impact": violation.get("impact") or node.get("impact"),
                    "description": violation["description"],
                    "help": violation["help"], "help_url": violation.get("helpUrl"),
                    "message": " ".join((node.get("failureSummary") or "").split()),
                    "fix": mapping["fix"] or violation["help"],
                    "wcag": mapping["wcag"], "miit": mapping["miit"],
                    "gbt37668": mapping["gbt37668"],
                    "target": " , ".join(map(str, node.get("target") or [])),
                    "html": " ".join((node.get("html") or "").split())[:500],
                    "screenshot": self._screenshot(page, selector, state_id, js,
                                                   violation["id"]),
                })
        if self.structure:
            requests = list(getattr(page, "yiban_requests", []))
            for problem in check_structure(page, self.wording_for, self.base_url, requests):
                mapping = describe_rule(problem["rule"])
                selector = problem["selector"]
                findings.append({
                    **base, "source": "check", "rule": problem["rule"],
                    "impact": "serious", "description": problem["message"],
                    "help": problem["message"], "help_url": None,
                    "message": problem["message"],
                    "fix": mapping["fix"], "wcag": mapping["wcag"], "miit": mapping["miit"],
                    "gbt37668": mapping["gbt37668"], "target": selector or "",
                    "html": self._outer_html(page, selector),
                    "screenshot": self._screenshot(page, selector, state_id, js,
                                                   problem["rule"]),
                })
        return findings


def not_reached(state_id: str, js: str, url: str, reason: str) -> dict:
    mapping = describe_rule("state-not-reached")
    return {"state": state_id, "js": js, "url": url, "source": "audit",
            "rule": "state-not-reached", "impact": "critical", "description": reason,
            "help": "The page could not be brought into this state", "help_url": None,
            "message": reason, "fix": mapping["fix"], "wcag": [], "miit": None,
            "gbt37668": None, "target": "", "html": None, "screenshot": None}


# ---- the baseline ---------------------------------------------------------------------
def load_baseline(path) -> list[dict]:
    if not path:
        return []
    entries = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    if not isinstance(entries, list):
        raise ValueError(f"{path}: the baseline must be a YAML list")  # noqa: TRY004
    loaded = []
    for n, entry in enumerate(entries, start=1):
        missing = {"rule", "reason", "expires"} - set(entry or {})
        if missing:
            raise ValueError(f"{path}: entry {n} lacks {', '.join(sorted(missing))}")
        expires = entry["expires"]
        if not isinstance(expires, date):
            expires = date.fromisoformat(str(expires))
        loaded.append({"rule": str(entry["rule"]), "state": str(entry.get("state", "*")),
                       "js": str(entry.get("js", "*")), "reason": str(entry["reason"]),
                       "expires": expires.isoformat(), "used": 0,
                       "status": "active"})
    return loaded


def apply_baseline(findings: list[dict], baseline: list[dict],
                   today: date | None = None) -> None:
    """Mark each finding "failed" or "accepted" (by an unexpired matching entry); each
    entry's status becomes active, expired or unused."""
    today = today or date.today()
    for entry in baseline:
        entry["used"] = 0
        entry["status"] = ("expired" if date.fromisoformat(entry["expires"]) < today
                           else "active")
    for f in findings:
        f["status"], f["accepted_because"] = "failed", None
        for entry in baseline:
            if (entry["rule"] == f["rule"] and fnmatch.fnmatchcase(f["state"], entry["state"])
                    and fnmatch.fnmatchcase(f["js"], entry["js"])):
                entry["used"] += 1
                if entry["status"] != "expired":
                    f["status"] = "accepted"
                    f["accepted_because"] = f"{entry['reason']} (until {entry['expires']})"
                    break
                f["expired_baseline"] = f"{entry['reason']} (expired {entry['expires']})"
    for entry in baseline:
        if entry["status"] == "active" and not entry["used"]:
            entry["status"] = "unused"


# ---- results and reports ----------------------------------------------------------------
@dataclass
class AuditResult:
    base_url: str
    js_modes: list
    tags: list
    runs: list = field(default_factory=list)  # {state, js, url, findings}
    baseline: list = field(default_factory=list)
    axe_runs: int = 0
    needs_review: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def findings(self) -> list[dict]:
        return [f for run in self.runs for f in run["findings"]]

    def summary(self) -> dict:
        findings = self.findings
        return {"states": len({r["state"] for r in self.runs}), "runs": len(self.runs),
                "axe_runs": self.axe_runs, "findings": len(findings),
                "accepted": sum(f["status"] == "accepted" for f in findings),
                "failed": sum(f["status"] == "failed" for f in findings),
                "baseline_expired": sum(e["status"] == "expired" for e in self.baseline),
                "baseline_unused": sum(e["status"] == "unused" for e in self.baseline),
                "seconds": round(self.seconds, 1)}


def exit_code(result: AuditResult) -> int:
    return 1 if any(f["status"] == "failed" for f in result.findings) else 0


def summary_line(result: AuditResult) -> str:
    s = result.summary()
    return (f"states: {s['states']}, axe runs: {s['axe_runs']}, findings: {s['findings']} "
            f"(accepted {s['accepted']})")


def write_json(result: AuditResult, path: Path) -> None:
    data = {"generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "base_url": result.base_url, "js_modes": result.js_modes, "tags": result.tags,
            "summary": result.summary(), "runs": result.runs, "baseline": result.baseline,
            "needs_review": {k: sorted(v) for k, v in sorted(result.needs_review.items())}}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def _finding_line(f: dict) -> str:
    where = f" at {f['target']}" if f["target"] else ""
    wcag = f" [WCAG {', '.join(f['wcag'])}]" if f["wcag"] else ""
    return f"{f['rule']}{wcag}{where}: {f['message'] or f['help']}"


def write_junit(result: AuditResult, path: Path) -> None:
    suite = ET.Element("testsuite", name="a11y-audit")
    failures = 0
    for run in result.runs:
        case = ET.SubElement(suite, "testcase", classname=f"a11y.js_{run['js']}",
                             name=run["state"])
        failed = [f for f in run["findings"] if f["status"] == "failed"]
        accepted = [f for f in run["findings"] if f["status"] == "accepted"]
        if failed:
            failures += 1
            failure = ET.SubElement(case, "failure", type="accessibility",
                                    message=f"{len(failed)} finding(s) on {run['url']}")
            failure.text = "\n".join(_finding_line(f) for f in failed)
        if accepted:
            out = ET.SubElement(case, "system-out")
            out.text = "accepted by the baseline:\n" + "\n".join(
                f"{_finding_line(f)} -- {f['accepted_because']}" for f in accepted)
    suite.set("tests", str(len(result.runs)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("time", f"{result.seconds:.1f}")
    root = ET.Element("testsuites")
    root.append(suite)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


REPORT_CSS = """
html { font-size: 100%; }
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; font-size: 1.125rem;
  line-height: 1.5; color: #0b0c0c; background: #fff; margin: 0 auto; padding: 1rem;
  max-width: 75rem; overflow-wrap: anywhere; }
h1, h2, h3 { line-height: 1.3; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #505a5f; padding: .5rem .75rem; text-align: left; vertical-align: top; }
.table-wrap { overflow-x: auto; max-width: 100%; }
.failed { color: #8a1f11; font-weight: bold; }
.accepted { color: #0b0c0c; }
pre { white-space: pre-wrap; background: #f3f2f1; padding: .5rem; font-size: 1.125rem; }
img { max-width: 100%; height: auto; border: 2px solid #505a5f; }
a { color: #1d3f7a; }
a:focus-visible, [tabindex]:focus-visible { outline: 3px solid #0b0c0c; outline-offset: 2px; }
.finding { border-top: 2px solid #505a5f; padding-top: .5rem; margin-top: 1rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: bold; }
dd { margin: 0; }
@media (max-width: 40rem) { dl { display: block; } dd { margin-bottom: .5rem; } }
"""


RULE_KINDS = {"check": "structure check of the audit (checks.py)",
              "audit": "the audit could not reach the page state"}


def _zh(text: str | None) -> str:
    return f'<span lang="zh-Hans-CN">{html.escape(text)}</span>' if text else "none"


def write_html(result: AuditResult, path: Path) -> None:
    e = html.escape
    s = result.summary()
    states = list(dict.fromkeys(r["state"] for r in result.runs))
    by_key = {(r["state"], r["js"]): r for r in result.runs}
    out = ['<!doctype html>', '<html lang="en" dir="ltr"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f'<title>Accessibility audit: {s["failed"]} failing finding(s) – Yiban</title>',
           f'<style>{REPORT_CSS}</style></head><body>',
           '<header><p>Yiban 易办 accessibility audit</p></header>',
           ('<nav aria-label="Report sections"><ul><li><a href="#summary">Summary</a></li>'
            '<li><a href="#findings">Findings by rule</a></li>'
            '<li><a href="#baseline">Baseline</a></li></ul></nav><main>'),
           '<h1>Accessibility audit report</h1>',
           (f'<p>{e(summary_line(result))}; failing: {s["failed"]}. Site: {e(result.base_url)}. '
            f'JavaScript: {e(", ".join(result.js_modes))}. axe tags: {e(", ".join(result.tags))}. '
            f'Took {s["seconds"]} s.</p>'),
           '<h2 id="summary">Summary: findings per page state</h2>',
           ('<div class="table-wrap" role="region" aria-labelledby="summary" tabindex="0">'
            '<table><caption>Failing and accepted findings for each page state, '
            'by JavaScript mode ("not run": the state does not exist in that mode)</caption>'),
           '<thead><tr><th scope="col">Page state</th>']
    out += [f'<th scope="col">JavaScript {e(js)}</th>' for js in result.js_modes]
    out.append('</tr></thead><tbody>')
    for state in states:
        out.append(f'<tr><th scope="row">{e(state)}</th>')
        for js in result.js_modes:
            run = by_key.get((state, js))
            if run is None:
                out.append('<td>not run</td>')
                continue
            failed = sum(f["status"] == "failed" for f in run["findings"])
            accepted = sum(f["status"] == "accepted" for f in run["findings"])
            text = f'<span class="failed">{failed} failing</span>' if failed else "0 failing"
            if accepted:
                text += f', {accepted} accepted'
            out.append(f'<td>{text}</td>')
        out.append('</tr>')
    out.append('</tbody></table></div>')

    out.append('<h2 id="findings">Findings by rule</h2>')
    by_rule: dict[str, list] = {}
    for f in result.findings:
        by_rule.setdefault(f["rule"], []).append(f)
    if not by_rule:
        out.append('<p>No findings.</p>')
    for n, (rule, items) in enumerate(sorted(by_rule.items())):
        first = items[0]
        failed = sum(f["status"] == "failed" for f in items)
        out += [f'<section aria-labelledby="rule-{n}">',
                (f'<h3 id="rule-{n}">{e(rule)}: {e(first["help"] if first["source"] == "axe" else RULE_KINDS[first["source"]])}'
                 f' ({failed} failing, {len(items) - failed} accepted)</h3>'),
                '<dl>',
                f'<dt>WCAG 2.2</dt><dd>{e(", ".join(first["wcag"]) or "none (best practice)")}</dd>',
                f'<dt>MIIT 适老化</dt><dd>{_zh(first["miit"])}</dd>',
                f'<dt>GB/T 37668</dt><dd>{_zh(first["gbt37668"])}</dd>',
                (f'<dt>How to fix</dt><dd>{e(first["fix"] or "")}'
                 + (f' (<a href="{e(first["help_url"])}">axe: {e(rule)}</a>)'
                    if first.get("help_url") else "") + '</dd>'),
                '</dl>']
        for f in items:
            status = ('<span class="failed">failing</span>' if f["status"] == "failed"
                      else f'<span class="accepted">accepted: {e(f["accepted_because"] or "")}</span>')
            out += ['<div class="finding">',
                    f'<p>{status} – {e(f["state"])}, JavaScript {e(f["js"])}, {e(f["url"])}</p>',
                    f'<p>{e(f["message"] or f["description"])}</p>']
            if f.get("expired_baseline"):
                out.append(f'<p>Baseline entry expired: {e(f["expired_baseline"])}</p>')
            if f["target"]:
                out.append(f'<p>Element: <code>{e(f["target"])}</code></p>')
            if f["html"]:
                out.append(f'<pre><code>{e(f["html"])}</code></pre>')
            if f["screenshot"]:
                out.append(f'<p><img src="{e(f["screenshot"])}" alt="Screenshot of the element '
                           f'{e(f["target"] or "")} ({e(rule)}) on {e(f["state"])}, '
                           f'JavaScript {e(f["js"])}"></p>')
            out.append('</div>')
        out.append('</section>')

    out.append('<h2 id="baseline">Baseline</h2>')
    if not result.baseline:
        out.append('<p>No baseline file was given.</p>')
    else:
        out.append('<div class="table-wrap" role="region" aria-labelledby="baseline" tabindex="0">'
                   '<table><caption>Entries of the baseline file</caption><thead><tr>'
                   '<th scope="col">Rule</th><th scope="col">State</th><th scope="col">Reason</th>'
                   '<th scope="col">Expires</th><th scope="col">Status</th>'
                   '<th scope="col">Findings matched</th></tr></thead><tbody>')
        for b in result.baseline:
            out.append(f'<tr><td>{e(b["rule"])}</td><td>{e(b["state"])}</td>'
                       f'<td>{e(b["reason"])}</td><td>{e(b["expires"])}</td>'
                       f'<td>{e(b["status"])}</td><td>{b["used"]}</td></tr>')
        out.append('</tbody></table></div>')
    if result.needs_review:
        out.append('<h2 id="review">Needs review (axe could not decide; not failures)</h2><ul>')
        out += [f'<li>{e(rule)}: {e(", ".join(sorted(where)[:10]))}'
                f'{" …" if len(where) > 10 else ""}</li>'
                for rule, where in sorted(result.needs_review.items())]
        out.append('</ul>')
    out.append('</main><footer><p>Made by python -m a11y_tests.</p></footer></body></html>')
    path.write_text("\n".join(out), encoding="utf-8")


def write_reports(result: AuditResult, report_dir) -> Path:
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    write_json(result, report_dir / "report.json")
    write_junit(result, report_dir / "junit.xml")
    write_html(result, report_dir / "index.html")
    return report_dir / "index.html"


# ---- the whole site -------------------------------------------------------------------
@contextlib.contextmanager
def local_app():
    """The real app with its data in a fresh temporary folder (not served)."""
    with tempfile.TemporaryDirectory(prefix="yiban-audit-") as data_dir:
        old = os.environ.get("YIBAN_DATA_DIR")
        os.environ["YIBAN_DATA_DIR"] = data_dir
        try:
            from app import create_app
            yield create_app()
        finally:
            if old is None:
                os.environ.pop("YIBAN_DATA_DIR", None)
            else:
                os.environ["YIBAN_DATA_DIR"] = old


@contextlib.contextmanager
def serve(app):
    """The app on a free local port (like conftest's live server)."""
    from werkzeug.serving import make_server
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="audit-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def audit_site(base_url: str, js_modes, tags, report_dir: Path, app, platform=None,
               states=None, progress=print) -> AuditResult:
    """Every state of states.py in each JS mode. app: a local app (for the title
    wording); platform: to move seeded applications on (None on a deployment)."""
    from playwright.sync_api import sync_playwright

    from .seeding import Seed, bring_to_state, seed_history
    from .states import STATES
    from .support import APPLICANT, NEWCOMER, sign_in

    states = STATES if states is None else states
    result = AuditResult(base_url, list(js_modes), list(tags))
    started = time.monotonic()
    shots = Path(report_dir) / "shots"
    if shots.exists():
        for old in shots.glob("*.png"):
            old.unlink()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        auditor = PageAuditor(browser, base_url, functools.partial(wording, app), tags,
                              shots_dir=shots)
        try:
            for js in js_modes:
                contexts = {}

                def new_context(js=js):
                    context = browser.new_context(base_url=base_url,
                                                  java_script_enabled=(js == "on"),
                                                  **CONTEXT_OPTIONS)
                    context.yiban_js = js
                    context.set_default_timeout(10_000)
                    return context

                def context_for(who, js=js, contexts=contexts):
                    if who not in contexts:
                        context = new_context()
                        seed = Seed(js)
                        if who == "newcomer":
                            citizen = NEWCOMER[js]
                            sign_in(tab(context), citizen.mobile, citizen.password)
                        elif who == "applicant":
                            citizen = APPLICANT[js]
                            sign_in(tab(context), citizen.mobile, citizen.password)
                            seed = seed_history(tab(context), js, platform)
                        contexts[who] = (context, seed)
                    return contexts[who]

                for state in states:
                    if js not in state.modes:
                        continue
                    fresh = None
                    url = base_url + state.url
                    try:
                        if state.who == "fresh":
                            context, seed = fresh = new_context(), Seed(js)
                        else:
                            context, seed = context_for(state.who)
                        page = tab(context)
                        url = base_url + state.url_for(seed)
                        problem = seed.problem(urlsplit(state.url_for(seed)).path)
                        if problem:
                            raise RuntimeError(f"its history could not be seeded: {problem}")
                        bring_to_state(page, state, seed)
                        findings = auditor.audit(page, state.id, js)
                        url = page.url
                    except Exception as error:  # noqa: BLE001 - reported as a finding
                        reason = f"{type(error).__name__}: {str(error).strip()[:500]}"
                        findings = [not_reached(state.id, js, url, reason)]
                    finally:
                        if fresh:
                            fresh[0].close()
                    result.runs.append({"state": state.id, "js": js, "url": url,
                                        "findings": findings})
                    if progress:
                        progress(f"  {state.id} (JS {js}): {len(findings)} finding(s)")
                for context, _ in contexts.values():
                    context.close()
        finally:
            auditor.close()
            browser.close()
    result.axe_runs = auditor.axe_runs
    result.needs_review = auditor.needs_review
    result.seconds = time.monotonic() - started
    return result


def run(base_url=None, js="both", tags=None, report="a11y-report", baseline=None,
        verbose=False) -> int:
    js_modes = ["on", "off"] if js == "both" else [js]
    tags = tags or AXE_TAGS
    entries = load_baseline(baseline)
    report_dir = Path(report)
    progress = print if verbose else None
    with local_app() as app:
        if base_url:
            result = audit_site(base_url.rstrip("/"), js_modes, tags, report_dir, app,
                                progress=progress)
        else:
            with serve(app) as url:
                result = audit_site(url, js_modes, tags, report_dir, app,
                                    platform=app.extensions["platform"], progress=progress)
    result.baseline = entries
    apply_baseline(result.findings, entries)
    index = write_reports(result, report_dir)
    print(summary_line(result))
    for entry in entries:
        if entry["status"] == "expired":
            print(f"baseline entry expired on {entry['expires']}: {entry['rule']} "
                  f"on {entry['state']} ({entry['reason']})")
    print(f"report: {index.resolve()}")
    return exit_code(result)
