"""The accessibility audit as one command (`python -m a11y_tests`): every page state of
states.py, in every display mode and language (modes.py), JavaScript on and/or off,
through axe, IBM Equal Access, the Nu HTML Checker (engines.py) and the structure
checks of checks.py; every finding mapped to WCAG 2.2, the MIIT 适老化 specification
and GB/T 37668 (rules.yaml), with a screenshot of the element; an HTML, JSON and JUnit
report; a baseline of accepted findings.

The matrix (states × modes × languages × JS) is split into units (one JS setting and
language, a slice of the states, every display mode: each state is reached once and
audited in every mode) among worker processes, each with its own browser and, for the
local app, its own server and data folder. The rules of axe and IBM that read only the
DOM run once per distinct DOM and their result is shared by the page's other display
modes, where only the rendering rules run (engines.AXE_RENDERING_RULES, dom_key;
--sharing verify checks it). The Nu HTML Checker runs once at the end, over every
distinct HTML (engines.py).

The pieces are usable one by one (the tests in test_audit_command.py use them on
fixture pages): `PageAuditor.audit(page, state_id, js, mode, locale)` -> findings,
`apply_baseline`, `write_reports`, `exit_code`.
"""
from __future__ import annotations

import collections
import contextlib
import dataclasses
import fnmatch
import functools
import html
import itertools
import json
import logging
import multiprocessing
import os
import queue
import re
import shutil
import tempfile
import threading
import time
import traceback
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import yaml

from . import timing
from .checks import FOCUS_STATS, check_structure, wording
from .outage import platform_down
from .modes import (
    DEFAULT_LOCALES,
    DEFAULT_MODES,
    LOCALES,
    MODES,
    STANDARD,
    Locale,
    Mode,
    apply,
    context_options,
    mode_problem,
)
from .engines import (
    AXE_RENDERING_RULES,
    ENGINES,
    IBM_HELP,
    IBM_RENDERING_RULES,
    dom_key,
    ibm_fails,
    ibm_results,
    ibm_wcag,
    nu_check,
    save_source,
)
from .support import (
    AXE_TAGS,
    CHROMIUM,
    CHROMIUM_ARGS,
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

    def target(self, page):
        """Where the in-page checkers run: the page itself, or for JavaScript off its
        DOM replayed with the page's scripts blocked (support.Auditor)."""
        return self.replay_of(page) if is_js_off(page.context) else page


# A kept page put back as it was on arrival: the error summary focused (its autofocus),
# or nothing, with Tab starting from the top of the page.
FOCUS_AS_LOADED = """() => {
  const summary = document.querySelector('[data-error-summary][autofocus]');
  if (summary) { summary.focus(); return; }
  if (document.activeElement) document.activeElement.blur();
  const top = document.createElement('span');
  top.tabIndex = -1;
  document.body.prepend(top);
  top.focus();
  top.remove();
}"""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:80] or "x"


class PageAuditor:
    """Audits pages: axe, then the structure checks; screenshots of the elements."""

    def __init__(self, browser, base_url: str, wording_for, tags=AXE_TAGS,
                 shots_dir: Path | None = None, structure: bool = True,
                 engines=ENGINES, sources_dir: Path | None = None, share: bool = True,
                 verify_sharing: bool = False):
        self.base_url = base_url
        self.engines = list(engines)
        # Each page's HTML, kept for the Nu checker's one batch run (engines.nu_check).
        self.sources_dir = sources_dir
        self.last_source: str | None = None
        self.wording_for = wording_for
        self.tags = list(tags)
        self.shots_dir = shots_dir
        self.structure = structure and "check" in engines
        self.axe = _TaggedAuditor(browser, base_url, self.tags)
        self.axe_runs = 0
        self.needs_review: dict[str, set] = {}
        self._shots = 0
        self.shot_prefix = ""  # workers' shots must not overwrite one another
        # The DOM-only rules' results per distinct DOM (engines.DOM_KEY), reused in the
        # other display modes of the same page; share False: every rule in every view.
        self.share = share
        self.verify_sharing = verify_sharing  # and compare: a differing rule is listed
        self._by_dom: dict[str, dict] = {}
        self._axe_rules: list[str] | None = None  # the rules axe runs with these tags
        self.sharing = collections.Counter()  # views: dom-first, dom-shared
        self.sharing_mismatches: dict[str, set] = {}  # rule -> where it differed

    def close(self):
        self.axe.close()

    def _screenshot(self, page, selector, label, rule) -> str | None:
        if self.shots_dir is None or not selector:
            return None
        try:
            target = page.locator(selector).first
            if not target.is_visible():
                return None
            self._shots += 1
            name = f"{self.shot_prefix}{self._shots:04d}-{_slug(label)}-{_slug(rule)}.png"
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

    def audit(self, page, state_id: str, js: str, mode: Mode = STANDARD,
              locale: Locale | None = None, mode_kept: bool = True) -> list[dict]:
        """Findings on the page as it is now (in the display mode and language the
        caller put it in: the mode's own checks, e.g. 60 px primary actions, apply;
        mode_kept False: the page itself changed the settings, only the general
        checks apply)."""
        url = page.url
        lang = locale.code if locale else None
        base = {"state": state_id, "js": js, "mode": mode.id, "locale": lang, "url": url}
        label = "-".join(filter(None, (state_id, mode.id, lang, f"js-{js}")))
        where = ", ".join(filter(None, (mode.id, lang, f"JS {js}")))
        findings = []
        self.last_source = None
        if "nu" in self.engines and self.sources_dir is not None:
            with timing.timed("nu: save the HTML"):
                self.last_source = save_source(self.sources_dir, page.content())
        with timing.timed("replay (JS off)" if is_js_off(page.context) else "target"):
            in_page = self.axe.target(page) if {"axe", "ibm"} & set(self.engines) else page
        shared = None
        if (self.share or self.verify_sharing) and {"axe", "ibm"} & set(self.engines):
            with timing.timed("dom key"):
                key = dom_key(in_page)
            shared = self._by_dom.get(key)
            self.sharing["dom-shared" if shared else "dom-first"] += 1
            if shared is None:
                shared = self._by_dom[key] = {"first": f"{state_id} ({where})"}
            else:
                shared["again"] = f"{state_id} ({where})"
        if "ibm" in self.engines:
            with timing.timed("ibm"):
                results = self._ibm_run(in_page, shared)
            findings += self._ibm_findings(page, results, base, label, where, state_id)
        if "axe" not in self.engines:
            results = {"violations": []}
        else:
            with timing.timed("axe"):
                results = self._axe_run(in_page, shared)
            self.axe_runs += 1
        for rule in results.get("incomplete", []):
            self.needs_review.setdefault(rule["id"], set()).add(f"{state_id} ({where})")
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
                    "screenshot": self._screenshot(page, selector, label, violation["id"]),
                })
        if self.structure:
            requests = list(getattr(page, "yiban_requests", []))
            with timing.timed("check (all)"):
                problems = check_structure(page, self.wording_for, self.base_url, requests,
                                           mode if mode_kept else None)
            for problem in problems:
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
                    "screenshot": self._screenshot(page, selector, label, problem["rule"]),
                })
        return findings


    # ---- each DOM's DOM-only rules once (engines.AXE_RENDERING_RULES) ----------------
    def _axe_run(self, in_page, shared: dict | None) -> dict:
        """axe's results on the page: every rule, or (shared: a DOM already audited in
        another display mode) the rendering rules, with the other rules' results as
        they were on that DOM."""
        options = dict(self.axe.options)
        if self.verify_sharing:
            options.pop("resultTypes", None)  # every node of every result, to compare
        if shared is None or "axe" not in shared or self.verify_sharing:
            results = self.axe._axe.run(in_page, options=options).response
            if self._axe_rules is None:
                self._axe_rules = sorted({r["id"] for kind in (
                    "violations", "passes", "incomplete", "inapplicable")
                    for r in results.get(kind, [])})
            if shared is not None:
                dom_only = _dom_part(results, AXE_RENDERING_RULES)
                if "axe" in shared:
                    self._compare(shared["axe"], dom_only, shared)
                else:
                    shared["axe"] = dom_only
            return results
        rendering = [r for r in self._axe_rules if r in AXE_RENDERING_RULES]
        options["runOnly"] = {"type": "rule", "values": rendering}
        results = self.axe._axe.run(in_page, options=options).response
        return {kind: shared["axe"].get(kind, []) + results.get(kind, [])
                for kind in ("violations", "incomplete")}

    def _ibm_run(self, in_page, shared: dict | None) -> list[dict]:
        """IBM Equal Access's results, shared as _axe_run's are."""
        if shared is None or "ibm" not in shared or self.verify_sharing:
            results = ibm_results(in_page)
            if shared is not None:
                dom_only = [r for r in results if r["rule"] not in IBM_RENDERING_RULES]
                if "ibm" in shared:
                    self._compare({"ibm": shared["ibm"]}, {"ibm": dom_only}, shared)
                else:
                    shared["ibm"] = dom_only
            return results
        return shared["ibm"] + ibm_results(in_page, only=list(IBM_RENDERING_RULES))

    def _compare(self, first: dict, again: dict, shared: dict) -> None:
        """--verify-sharing: the rules whose DOM-only result differs between two views
        of one DOM key (then that rule depends on the rendering after all)."""
        for rule in sorted(_signature(first).symmetric_difference(_signature(again))):
            self.sharing_mismatches.setdefault(rule[0], set()).add(
                f"{shared['first']} / {shared['again']}")

    def _ibm_findings(self, page, results, base, label, where, state_id) -> list[dict]:
        findings = []
        per_rule: collections.Counter = collections.Counter()
        for result in results:
            rule = result["rule"]
            if not ibm_fails(result):
                kind = result["result"].lower()
                self.needs_review.setdefault(f"ibm:{rule} ({kind})", set()).add(
                    f"{state_id} ({where})")
                continue
            per_rule[rule] += 1
            if per_rule[rule] > MAX_NODES_PER_RULE:
                continue
            mapping = describe_rule(rule)
            if not mapping["mapped"]:
                mapping["wcag"] = ibm_wcag().get(rule, [])
            selector = f"xpath={result['xpath']}" if result.get("xpath") else None
            findings.append({
                **base, "source": "ibm", "rule": rule, "impact": "serious",
                "description": result["message"], "help": result["message"],
                "help_url": IBM_HELP.format(rule=rule), "message": result["message"],
                "fix": mapping["fix"] or result["message"], "wcag": mapping["wcag"],
                "miit": mapping["miit"], "gbt37668": mapping["gbt37668"],
                "target": result.get("xpath") or "",
                "html": " ".join((result.get("snippet") or "").split())[:500],
                "screenshot": self._screenshot(page, selector, label, rule),
            })
        return findings


def _dom_part(results: dict, rendering) -> dict:
    """axe's results of the rules that are not in `rendering`."""
    return {kind: [r for r in results.get(kind, []) if r["id"] not in rendering]
            for kind in ("violations", "incomplete", "passes")}


def _signature(results: dict) -> set:
    """What a rule found, comparable between two views: (rule, kind, element)."""
    found = set()
    for kind, items in results.items():
        for item in items:
            if kind == "ibm":
                found.add((item["rule"], item["result"], item.get("reason"), item.get("xpath")))
            else:
                found.add((item["id"], kind, ""))
                found.update((item["id"], kind, str(node.get("target")))
                             for node in item.get("nodes", []))
    return found


def nu_findings(run: dict, errors: list[dict]) -> list[dict]:
    """The Nu checker's errors on one page view's HTML, as findings of that view."""
    found = []
    for error in errors[:MAX_NODES_PER_RULE * 2]:
        mapping = describe_rule(error["rule"]) if error["rule"] in load_rules() \
            else describe_rule("nu:html-error")
        message = f"{error['message']} (line {error['line']})"
        found.append({
            "state": run["state"], "js": run["js"], "mode": run["mode"],
            "locale": run["locale"], "url": run["url"], "source": "nu",
            "rule": error["rule"], "impact": "serious", "description": message,
            "help": "The HTML is not valid", "help_url": "https://validator.github.io/validator/",
            "message": message, "fix": mapping["fix"], "wcag": mapping["wcag"],
            "miit": mapping["miit"], "gbt37668": mapping["gbt37668"], "target": "",
            "html": " ".join(error["extract"].split())[:500], "screenshot": None})
    return found


def add_nu_findings(result: "AuditResult", sources_dir: Path) -> None:
    """One run of the Nu checker over every page view's saved HTML; its errors added
    to the page views that served that HTML."""
    errors = nu_check(sources_dir)
    for run in result.runs:
        key = run.get("html_source")
        if key and errors.get(key):
            run["findings"] += nu_findings(run, errors[key])


def not_reached(state_id: str, js: str, url: str, reason: str, mode: str = "standard",
                locale: str | None = None) -> dict:
    mapping = describe_rule("state-not-reached")
    return {"state": state_id, "js": js, "mode": mode, "locale": locale, "url": url,
            "source": "audit",
            "rule": "state-not-reached", "impact": "critical", "description": reason,
            "help": "The page could not be brought into this state", "help_url": None,
            "message": reason, "fix": mapping["fix"], "wcag": [], "miit": None,
            "gbt37668": None, "target": "", "html": None, "screenshot": None}


# ---- the crawl: every link of the site, beyond the scripted states --------------------
DEFAULT_CRAWL = "standard"  # see SiteAuditor.crawls and CRAWL_POLICIES
CRAWL_MAX_AUDITED = 120  # new pages audited per cell (each costs about a state's audit)
CRAWL_MAX_VISITS = 400  # pages opened per cell, to find links
# Pages of one kind, told apart by a number in the path (/my/messages/<n>, an
# application's /my/applications/<YB…>/…): the first few are audited, the rest only
# opened for their links.
CRAWL_PER_KIND = 2
_ID_SEGMENT = re.compile(r"^(YB\d{14}|\d+)$")
CRAWL_START = (("anon", "/"), ("applicant", "/my/"))  # signed out; the seeded applicant
# Query parameters that only say where to go next: the page is the same without them.
CRAWL_IGNORED_QUERY = {"next"}
_FILE = re.compile(r"\.(mp3|wav|ogg|m4a|aac|json|png|jpe?g|gif|svg|webp|ico|pdf|css|js|"
                   r"txt|xml|zip|csv|docx?|xlsx?)$", re.I)
# Links that do something on GET (never followed): path pattern -> why.
CRAWL_SKIP = (
    (re.compile(r"^/static/"), "a static file"),
    (re.compile(r"^/speech/.+\.(mp3|json)$"), "speech audio or script (not a page)"),
    (re.compile(r"^/language/[^/]+$"), "the language switch (sets the language, for a "
     "signed-in citizen their account's too): every language is audited by --locales"),
    (re.compile(r"^/apply/[^/]+/?$"), "starts an application on GET (its question pages "
     "are scripted states)"),
    (re.compile(r"^/sign-out"), "signs out"),
)


def crawl_key(url: str) -> str:
    """A page as the crawl and the states compare it: its path and the names of its
    query parameters (not their values, so /search?q=a and /search?q=b are one page;
    not `next`, which only says where to go afterwards)."""
    parts = urlsplit(url)
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
                   - CRAWL_IGNORED_QUERY)
    return (parts.path or "/") + ("?" + "&".join(names) if names else "")


def crawl_kind(key: str) -> str:
    """The crawl_key with its numbers taken out: /my/messages/<n>."""
    path, _, query = key.partition("?")
    path = "/".join("<n>" if _ID_SEGMENT.match(part) else part for part in path.split("/"))
    return path + ("?" + query if query else "")


def crawl_skip_reason(url: str) -> str | None:
    path = urlsplit(url).path
    for pattern, reason in CRAWL_SKIP:
        if pattern.search(path):
            return reason
    if _FILE.search(path):
        return "a file, not a page"
    return None


LINKS = """() => [...document.querySelectorAll('a[href], area[href]')].map(a => ({
  href: a.href, download: a.hasAttribute('download'),
  text: (a.innerText || a.getAttribute('aria-label') || '')
    .replace(/\\s+/g, ' ').trim().slice(0, 60)}))"""


def broken_link(state_id: str, js: str, url: str, status: int, linked_from: str,
                text: str, mode: str = "standard", locale: str | None = None) -> dict:
    mapping = describe_rule("broken-link")
    message = (f"the link {text!r} on {linked_from} leads to {url}, which answers "
               f"HTTP {status}")
    return {"state": state_id, "js": js, "mode": mode, "locale": locale, "url": linked_from,
            "source": "crawl", "rule": "broken-link", "impact": "serious",
            "description": message, "help": "A link leads to an error page",
            "help_url": None, "message": message, "fix": mapping["fix"],
            "wcag": mapping["wcag"], "miit": mapping["miit"],
            "gbt37668": mapping["gbt37668"], "target": f'a[href="{urlsplit(url).path}"]',
            "html": None, "screenshot": None}


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
                       "js": str(entry.get("js", "*")), "mode": str(entry.get("mode", "*")),
                       "locale": str(entry.get("locale", "*")),
                       "engine": str(entry.get("engine", "*")),  # axe, ibm, nu, check …
                       "reason": str(entry["reason"]),
                       "expires": expires.isoformat(), "used": 0,
                       "status": "active"})
    return loaded


def _baseline_matches(entry: dict, f: dict) -> bool:
    return (fnmatch.fnmatchcase(f["rule"], entry["rule"])
            and fnmatch.fnmatchcase(f["state"], entry["state"])
            and fnmatch.fnmatchcase(f["js"], entry["js"])
            and fnmatch.fnmatchcase(f.get("mode") or "standard", entry.get("mode", "*"))
            and fnmatch.fnmatchcase(f.get("locale") or "", entry.get("locale", "*"))
            and fnmatch.fnmatchcase(f.get("source") or "", entry.get("engine", "*")))


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
            if _baseline_matches(entry, f):
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
    runs: list = field(default_factory=list)  # {state, js, mode, locale, url, findings}
    baseline: list = field(default_factory=list)
    axe_runs: int = 0
    needs_review: dict = field(default_factory=dict)
    seconds: float = 0.0
    modes: list = field(default_factory=lambda: ["standard"])  # display mode ids
    locales: list = field(default_factory=list)  # [] : the browser's own language only
    workers: int = 1
    engines: list = field(default_factory=lambda: list(ENGINES))
    cells: list = field(default_factory=list)  # {js, mode, locale, runs, failed, seconds}
    # The crawl (SiteAuditor.crawl_summary, merged): {policy, reached, new, skipped, capped}
    crawl: dict = field(default_factory=dict)
    # How the focus-visible check decided (checks.FOCUS_STATS, summed over workers).
    focus: dict = field(default_factory=dict)
    # How the page views got their page (SiteAuditor.views): reached, reloaded, kept.
    views: dict = field(default_factory=dict)
    # Seconds per phase, summed over workers (timing.py).
    timing: dict = field(default_factory=dict)
    # Views whose DOM-only rules ran (dom-first) or were shared (dom-shared), and with
    # --verify-sharing the rules whose result differed within one DOM key.
    sharing: dict = field(default_factory=dict)
    sharing_mismatches: dict = field(default_factory=dict)
    # Optional units (--budget) not begun because the time budget had run out:
    # {js, locale, part, parts, views}. Not audited in this run; not findings.
    left: list = field(default_factory=list)

    @property
    def findings(self) -> list[dict]:
        return [f for run in self.runs for f in run["findings"]]

    def summary(self) -> dict:
        findings = self.findings
        return {"states": len({r["state"] for r in self.runs}), "runs": len(self.runs),
                "modes": len(self.modes), "locales": len(self.locales) or 1,
                "js_modes": len(self.js_modes),
                "axe_runs": self.axe_runs, "findings": len(findings),
                "engines": list(self.engines),
                "by_engine": dict(collections.Counter(f["source"] for f in findings)),
                "accepted": sum(f["status"] == "accepted" for f in findings),
                "failed": sum(f["status"] == "failed" for f in findings),
                "baseline_expired": sum(e["status"] == "expired" for e in self.baseline),
                "baseline_unused": sum(e["status"] == "unused" for e in self.baseline),
                "seconds": round(self.seconds, 1), "workers": self.workers,
                "views": dict(self.views), "sharing": dict(self.sharing),
                "sharing_mismatches": dict(self.sharing_mismatches),
                "crawl": self.crawl.get("policy", "none"),
                "crawled": len(self.crawl.get("reached", [])),
                "crawled_new": len(self.crawl.get("new", [])),
                "broken_links": sum(f["rule"] == "broken-link" for f in findings),
                "left_views": sum(u["views"] for u in self.left),
                "left_shards": len({(u["part"], u["parts"]) for u in self.left})}


def exit_code(result: AuditResult) -> int:
    return 1 if any(f["status"] == "failed" for f in result.findings) else 0


def summary_line(result: AuditResult) -> str:
    s = result.summary()
    line = (f"states: {s['states']} × modes: {s['modes']} × languages: {s['locales']} × "
            f"JS: {s['js_modes']} = {s['runs']} page views, axe runs: {s['axe_runs']}, "
            f"findings: {s['findings']} (accepted {s['accepted']})")
    if s["views"]:
        line += (f"; pages reached {s['views'].get('reached', 0)}, reloaded in another "
                 f"mode {s['views'].get('reloaded', 0)}, kept for a media-only mode "
                 f"{s['views'].get('kept', 0)}")
    if s["left_views"]:
        line += (f"; left for the time budget: {s['left_views']} page views "
                 f"of {s['left_shards']} shard(s), not audited in this run")
    if s["by_engine"]:
        line += " [" + ", ".join(f"{k}: {v}" for k, v in sorted(s["by_engine"].items())) + "]"
    if s["crawl"] != "none":
        line += (f"; crawl ({CRAWL_POLICIES[s['crawl']]}): {s['crawled']} pages reached, "
                 f"{s['crawled_new']} new (not a scripted state), "
                 f"{s['broken_links']} broken link(s)")
    return line


def merge_crawl(into: dict, part: dict) -> None:
    """Add one SiteAuditor's crawl_summary to a result's."""
    into.setdefault("policy", part.get("policy", "none"))
    for name in ("reached", "new"):
        into[name] = sorted(set(into.get(name, [])) | set(part.get(name, [])))
    skipped = into.setdefault("skipped", {})
    for reason, paths in part.get("skipped", {}).items():
        skipped[reason] = sorted(set(skipped.get(reason, [])) | set(paths))
    into["capped"] = into.get("capped", []) + list(part.get("capped", []))


def write_json(result: AuditResult, path: Path) -> None:
    data = {"generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "base_url": result.base_url, "js_modes": result.js_modes,
            "modes": result.modes, "locales": result.locales, "tags": result.tags,
            "summary": result.summary(), "cells": result.cells, "crawl": result.crawl,
            "focus_checks": result.focus,
            "runs": result.runs, "left_for_time": result.left,
            "baseline": result.baseline,
            "needs_review": {k: sorted(v) for k, v in sorted(result.needs_review.items())}}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def _where(item: dict) -> str:
    """"elder, en, JS on" for a run or finding."""
    return ", ".join(filter(None, (item.get("mode") or "standard", item.get("locale"),
                                   f"JS {item['js']}")))


def _finding_line(f: dict) -> str:
    where = f" at {f['target']}" if f["target"] else ""
    wcag = f" [WCAG {', '.join(f['wcag'])}]" if f["wcag"] else ""
    return f"{f['rule']}{wcag}{where} ({_where(f)}): {f['message'] or f['help']}"


def write_junit(result: AuditResult, path: Path) -> None:
    """One test case per page view: classname a11y.<locale>.<mode>.js_<on|off>."""
    suite = ET.Element("testsuite", name="a11y-audit")
    failures = 0
    for run in result.runs:
        classname = ".".join(filter(None, ("a11y", run.get("locale"),
                                           run.get("mode") or "standard", f"js_{run['js']}")))
        case = ET.SubElement(suite, "testcase", classname=classname, name=run["state"])
        if run.get("seconds") is not None:
            case.set("time", f"{run['seconds']:.2f}")
        failed = [f for f in run["findings"] if f["status"] == "failed"]
        accepted = [f for f in run["findings"] if f["status"] == "accepted"]
        if failed:
            failures += 1
            failure = ET.SubElement(case, "failure", type="accessibility",
                                    message=f"{len(failed)} finding(s) on {run['url']} "
                                            f"({_where(run)})")
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
              "audit": "the audit could not reach the page state",
              "crawl": "a link found by the crawl leads to an error"}
CRAWL_POLICIES = {"standard": "once per JS setting, in the standard display mode and the "
                               "first language",
                  "all": "in the standard display mode of every language and JS setting",
                  "none": "off"}


def _zh(text: str | None) -> str:
    return f'<span lang="zh-Hans-CN">{html.escape(text)}</span>' if text else "none"




def _count_cell(run: dict | None) -> str:
    if run is None:
        return "not run"
    failed = sum(f["status"] == "failed" for f in run["findings"])
    accepted = sum(f["status"] == "accepted" for f in run["findings"])
    text = f'<span class="failed">{failed} failing</span>' if failed else "0"
    return text + (f', {accepted} accepted' if accepted else "")


def write_html(result: AuditResult, path: Path) -> None:
    e = html.escape
    s = result.summary()
    states = list(dict.fromkeys(r["state"] for r in result.runs))
    modes = result.modes or ["standard"]
    locales = result.locales or [None]
    by_key = {(r["state"], r.get("mode") or "standard", r.get("locale"), r["js"]): r
              for r in result.runs}
    out = ['<!doctype html>', '<html lang="en" dir="ltr"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f'<title>Accessibility audit: {s["failed"]} failing finding(s) – Yiban</title>',
           f'<style>{REPORT_CSS}</style></head><body>',
           '<header><p>Yiban 易办 accessibility audit</p></header>',
           ('<nav aria-label="Report sections"><ul><li><a href="#summary">Summary</a></li>'
            + "".join(f'<li><a href="#pages-{n}">Page states{" – " + e(loc) if loc else ""}'
                      '</a></li>' for n, loc in enumerate(locales))
            + '<li><a href="#findings">Findings by rule</a></li>'
            '<li><a href="#baseline">Baseline</a></li></ul></nav><main>'),
           '<h1>Accessibility audit report</h1>',
           (f'<p>{e(summary_line(result))}; failing: {s["failed"]}. Site: {e(result.base_url)}. '
            f'Display modes: {e(", ".join(modes))}. '
            f'Languages: {e(", ".join(filter(None, locales)) or "the browser default")}. '
            f'JavaScript: {e(", ".join(result.js_modes))}. axe tags: {e(", ".join(result.tags))}. '
            f'Took {s["seconds"]} s with {s["workers"]} worker(s).</p>')]
    out.append('<ul>' + "".join(f'<li>{e(m)}: {e(MODES[m].description)}</li>'
                                for m in modes if m in MODES) + '</ul>')
    crawl = result.crawl
    if s["crawl"] != "none":
        out.append(
            f'<p>Crawl ({e(CRAWL_POLICIES[s["crawl"]])}): every same-origin link followed '
            'from the home page signed out and from the applicant\'s pages signed in; '
            f'{s["crawled"]} pages reached, {s["crawled_new"]} of them covered by no '
            'scripted state and audited as "crawled:&lt;path&gt;", '
            f'{s["broken_links"]} broken link(s).</p>')
        if crawl.get("skipped"):
            out.append('<p>Links not followed, and pages not audited:</p><ul>' + "".join(
                f'<li>{e(reason)}: {len(paths)} ({e(", ".join(paths[:5]))}'
                f'{" …" if len(paths) > 5 else ""})</li>'
                for reason, paths in crawl["skipped"].items()) + '</ul>')
        if crawl.get("capped"):
            out.append('<p class="failed">The crawl hit its limits:</p><ul>' + "".join(
                f'<li>{e(c)}</li>' for c in crawl["capped"][:20]) + '</ul>')

    # The matrix at a glance: page views and failing findings per mode, language and JS.
    out += ['<h2 id="summary">Summary: display modes × languages</h2>',
            ('<div class="table-wrap" role="region" aria-labelledby="summary" tabindex="0">'
             '<table><caption>Page views audited and failing findings, by display mode '
             '(rows), language and JavaScript setting (columns)</caption>'),
            '<thead><tr><th scope="col">Display mode</th>']
    columns = [(loc, js) for loc in locales for js in result.js_modes]
    out += [f'<th scope="col">{e(loc) + ", " if loc else ""}JavaScript {e(js)}</th>'
            for loc, js in columns]
    out.append('</tr></thead><tbody>')
    seconds = {(c["mode"], c["locale"], c["js"]): c["seconds"] for c in result.cells}
    for mode in modes:
        out.append(f'<tr><th scope="row">{e(mode)}</th>')
        for loc, js in columns:
            runs = [r for (st, m, lc, j), r in by_key.items()
                    if m == mode and lc == loc and j == js]
            failed = sum(f["status"] == "failed" for r in runs for f in r["findings"])
            text = (f'<span class="failed">{failed} failing</span>' if failed
                    else "0 failing")
            took = seconds.get((mode, loc, js))
            took = f", {took:.0f} s" if took is not None else ""
            out.append(f'<td>{len(runs)} page states, {text}{took}</td>' if runs
                       else '<td>not run</td>')
        out.append('</tr>')
    out.append('</tbody></table></div>')

    # Pages × modes, one table per language.
    for n, loc in enumerate(locales):
        heading = "Page states × display modes" + (f" – {loc}" if loc else "")
        out += [f'<h2 id="pages-{n}">{e(heading)}</h2>',
                (f'<div class="table-wrap" role="region" aria-labelledby="pages-{n}" '
                 'tabindex="0"><table><caption>Failing (and accepted) findings for each '
                 'page state, by display mode and JavaScript setting ("0": none; "not '
                 'run": the state does not exist in that setting, or a crawled page '
                 'was not crawled in it)</caption>'),
                '<colgroup><col></colgroup>'
                + "".join(f'<colgroup span="{len(result.js_modes)}"></colgroup>'
                          for _ in modes),
                '<thead><tr><th scope="col" rowspan="2">Page state</th>'
                + "".join(f'<th scope="colgroup" colspan="{len(result.js_modes)}">{e(m)}</th>'
                          for m in modes) + '</tr>',
                '<tr>'
                + "".join(f'<th scope="col">JS {e(js)}</th>'
                          for _ in modes for js in result.js_modes) + '</tr></thead><tbody>']
        for state in states:
            out.append(f'<tr><th scope="row">{e(state)}</th>')
            out += [f'<td>{_count_cell(by_key.get((state, m, loc, js)))}</td>'
                    for m in modes for js in result.js_modes]
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
                (f'<h3 id="rule-{n}">{e(rule)}: {e(RULE_KINDS.get(first["source"], first["help"]))}'
                 f' ({failed} failing, {len(items) - failed} accepted)</h3>'),
                '<dl>',
                f'<dt>WCAG 2.2</dt><dd>{e(", ".join(first["wcag"]) or "none (best practice)")}</dd>',
                f'<dt>MIIT 适老化</dt><dd>{_zh(first["miit"])}</dd>',
                f'<dt>GB/T 37668</dt><dd>{_zh(first["gbt37668"])}</dd>',
                (f'<dt>How to fix</dt><dd>{e(first["fix"] or "")}'
                 + (f' (<a href="{e(first["help_url"])}">{e(first["source"])}: {e(rule)}</a>)'
                    if first.get("help_url") else "") + '</dd>'),
                '</dl>']
        for f in items:
            status = ('<span class="failed">failing</span>' if f["status"] == "failed"
                      else f'<span class="accepted">accepted: {e(f["accepted_because"] or "")}</span>')
            out += ['<div class="finding">',
                    f'<p>{status} – {e(f["state"])}, {e(_where(f))}, {e(f["url"])}</p>',
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
                           f'{e(_where(f))}"></p>')
            out.append('</div>')
        out.append('</section>')

    out.append('<h2 id="baseline">Baseline</h2>')
    if not result.baseline:
        out.append('<p>No baseline file was given.</p>')
    else:
        out.append('<div class="table-wrap" role="region" aria-labelledby="baseline" tabindex="0">'
                   '<table><caption>Entries of the baseline file</caption><thead><tr>'
                   '<th scope="col">Rule</th><th scope="col">State</th>'
                   '<th scope="col">Mode, language, JS</th><th scope="col">Reason</th>'
                   '<th scope="col">Expires</th><th scope="col">Status</th>'
                   '<th scope="col">Findings matched</th></tr></thead><tbody>')
        for b in result.baseline:
            scope = f'{b.get("mode", "*")}, {b.get("locale", "*")}, {b["js"]}'
            out.append(f'<tr><td>{e(b["rule"])}</td><td>{e(b["state"])}</td>'
                       f'<td>{e(scope)}</td>'
                       f'<td>{e(b["reason"])}</td><td>{e(b["expires"])}</td>'
                       f'<td>{e(b["status"])}</td><td>{b["used"]}</td></tr>')
        out.append('</tbody></table></div>')
    if result.needs_review:
        out.append('<h2 id="review">Needs review (what axe could not decide, IBM Equal '
                   'Access\'s potential and manual results; not failures)</h2><ul>')
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
def local_app(template: Path | None = None):
    """The real app with its data in a fresh temporary folder (not served); a copy of
    `template` (a seeded data folder, seeded_template) when given."""
    with tempfile.TemporaryDirectory(prefix="yiban-audit-") as data_dir:
        if template is not None:
            shutil.copytree(template / "data", data_dir, dirs_exist_ok=True)
        with app_on(data_dir) as app:
            yield app


@contextlib.contextmanager
def app_on(data_dir: str):
    """The real app with its data in data_dir (not served)."""
    old = os.environ.get("YIBAN_DATA_DIR")
    os.environ["YIBAN_DATA_DIR"] = data_dir
    try:
        from app import create_app
        # Seeding waits for the platform's events to become messages (the
        # background worker's thread): a short interval keeps that quick. One citizen
        # posts each sign-in and consent form in every display mode and language, far
        # more often than a person: the limits (tests/test_rate_limits.py) are raised
        # here, or the matrix meets "too many tries" instead of the state.
        yield create_app({"MESSAGES_SYNC_SECONDS": 0.3, "WORKER_TICK_SECONDS": 0.2,
                          "RATELIMIT_SIGN_IN": AUDIT_LIMIT, "RATELIMIT_CONSENT": AUDIT_LIMIT})
    finally:
        if old is None:
            os.environ.pop("YIBAN_DATA_DIR", None)
        else:
            os.environ["YIBAN_DATA_DIR"] = old


AUDIT_LIMIT = "600 per minute;20000 per hour"
SEEDS_FILE = "seeds.json"
SEEDED = {"applicant", "helper", "acting"}  # states.py's `who` that read the seeded history


def seeded_template(folder: Path, js_modes) -> dict[str, dict]:
    """The applicant's history (seeding.seed_history: sent applications, answers,
    the helper's consent, messages), seeded through the real pages once per JS setting
    into folder/data, which each worker then copies instead of seeding its own (about
    40 s of browser work per worker and JS setting). Returns {js: the Seed's fields}.
    A folder that already holds today's seeds for these JS settings is reused: CI's two
    audit runs share one (--seeded-data); a consent given today may expire tomorrow."""
    from playwright.sync_api import sync_playwright

    from .seeding import seed_history
    from .support import APPLICANT, sign_in

    kept = kept_seeds(folder, js_modes)
    if kept is not None:
        return kept
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "data").mkdir(parents=True)
    seeds: dict[str, dict] = {}
    failed: list[str] = []

    def seed(js: str) -> None:  # in its own thread, with its own browser
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                     args=CHROMIUM_ARGS, headless=True)
                context = browser.new_context(base_url=base_url,
                                              java_script_enabled=(js == "on"),
                                              **context_options(None))
                context.set_default_timeout(10_000)
                sign_in(tab(context), APPLICANT[js].mobile, APPLICANT[js].password)
                seeds[js] = dataclasses.asdict(
                    seed_history(tab(context), js, app.extensions["platform"]))
                browser.close()
        except BaseException:  # noqa: BLE001 - raised below, in the caller's thread
            failed.append(traceback.format_exc()[-3000:])

    with app_on(str(folder / "data")) as app:
        with serve(app) as base_url:
            # The JS settings' citizens are different people: seeded side by side.
            threads = [threading.Thread(target=seed, args=(js,)) for js in js_modes]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        if failed:
            raise RuntimeError("seeding the applicant's history failed:\n" + failed[0])
        # Nothing may write while the folder is copied: stop the background jobs.
        thread, stop = app.extensions.get("worker", (None, None))
        if thread is not None:
            stop.set()
            thread.join(timeout=30)
    (folder / SEEDS_FILE).write_text(json.dumps({"made": date.today().isoformat(),
                                                 "seeds": seeds}))
    return seeds


def seeded_once(folder: Path, js_modes) -> dict[str, dict]:
    """seeded_template under a lock beside the folder: pytest's workers, and a seeding
    started in the background (--seed-only), may ask for it at the same moment."""
    from filelock import FileLock

    with FileLock(f"{folder}.lock"):
        return seeded_template(folder, js_modes)


def kept_seeds(folder: Path, js_modes) -> dict[str, dict] | None:
    """The seeds `folder` holds, if it was seeded today for every one of js_modes."""
    record = folder / SEEDS_FILE
    if not record.exists():
        return None
    kept = json.loads(record.read_text())
    fits = kept.get("made") == date.today().isoformat() and set(js_modes) <= set(kept["seeds"])
    return kept["seeds"] if fits else None


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


@dataclass(frozen=True)
class Cell:
    """One column of the matrix: every page state in one JS setting, display mode and
    language."""
    js: str
    mode: str
    locale: str | None = None

    def __str__(self):
        return _where({"js": self.js, "mode": self.mode, "locale": self.locale})


@dataclass(frozen=True)
class Unit:
    """A worker's piece of the matrix: for one JS setting and language, part `part` of
    `parts` of the page states (every parts-th state), each reached once and audited in
    every display mode in turn (SiteAuditor.run_unit)."""
    js: str
    locale: str | None
    modes: tuple
    part: int = 0
    parts: int = 1
    optional: bool = False  # begun only while the run's time budget lasts (--budget)

    def __str__(self):
        where = _where({"js": self.js, "mode": "+".join(self.modes), "locale": self.locale})
        return where + (f", states part {self.part + 1}/{self.parts}" if self.parts > 1 else "")

    def states(self, states) -> list:
        return [s for s in states if self.js in s.modes][self.part::self.parts]

    def out_of_time(self, deadline: float | None) -> bool:
        """An optional unit is not begun once the run's deadline has passed."""
        return self.optional and time.time() >= deadline

    def cells(self) -> list[Cell]:
        return [Cell(self.js, mode, self.locale) for mode in self.modes]


def reload_order(modes) -> list[str]:
    """Modes of the same display cookie next to each other (standard, then the device's
    own settings, which are emulated media only: no reload between them)."""
    return sorted(modes, key=lambda m: (MODES[m].cookie is not None, MODES[m].cookie or ""))


def units(js_modes, modes, locales, parts: int = 1, shard: tuple = (1, 1),
          budgeted: bool = False) -> list[Unit]:
    """The matrix as units of work: JS setting × language × `parts` slices of the states,
    each with every display mode; shard (k, n): this run's every n-th unit of the
    states, so that n runs together cover the matrix once. budgeted: then the other
    shards in turn from k + 1 (wrapping round), as optional units that a worker begins
    only while the time budget lasts; whole shards, so a run covers shard k and as many
    of the next as fit, each in every cell."""
    k, n = shard
    ordered = tuple(reload_order(modes))
    cells = [(js, locale) for js in js_modes for locale in (locales or [None])]
    required = [Unit(js, locale, ordered, part, parts * n)
                for js, locale in cells for part in range(k - 1, parts * n, n)]
    if not budgeted:
        return required
    return required + [Unit(js, locale, ordered, (k - 1 + step) % n, n, optional=True)
                       for step in range(1, n) for js, locale in cells]


def matrix(js_modes, modes, locales) -> list[Cell]:
    """The cells, JavaScript setting first (each worker seeds a JS setting's history
    once), then language, then mode."""
    return [Cell(js, mode, locale) for js in js_modes for locale in (locales or [None])
            for mode in modes]


class SiteAuditor:
    """Audits cells of the matrix on one site with one browser. The browser contexts
    of a JS setting and language (signed in as the demo citizens) are made once and
    reused by every display mode, which is only a cookie and emulated media
    (modes.apply); the applicant's history is seeded once per JS setting."""

    def __init__(self, playwright, base_url: str, tags, shots_dir: Path | None,
                 wording_for, platform=None, states=None, shot_prefix: str = "",
                 crawl: str = "none", crawl_from=CRAWL_START, engines=ENGINES,
                 sources_dir: Path | None = None, sharing: str = "on", outage=None):
        from .states import STATES
        self.base_url = base_url
        self.outage = outage  # () -> a context with the platform down (None: a deployment)
        self.crawl = crawl  # which cells also crawl the site's links: see crawls()
        self.crawl_from = [tuple(start) for start in crawl_from]  # (who, path)
        self.crawl_stats = {"reached": set(), "new": set(), "skipped": {}, "capped": []}
        self.platform = platform
        self.states = STATES if states is None else states
        self.browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                  args=CHROMIUM_ARGS, headless=True)
        self.auditor = PageAuditor(self.browser, base_url, wording_for, tags,
                                   shots_dir=shots_dir, engines=engines,
                                   sources_dir=sources_dir, share=sharing != "off",
                                   verify_sharing=sharing == "verify")
        self.auditor.shot_prefix = shot_prefix
        self.contexts: dict[tuple, dict] = {}  # (js, locale) -> who -> (context, seed)
        self.first_locale = None  # the crawl's language (run_unit)
        # How each page view got its page: reached, reloaded, kept (media only).
        self.views: collections.Counter = collections.Counter()
        self.seeds: dict = {}  # js -> the applicant's seeded history

    def close(self):
        try:
            self.auditor.close()
        finally:
            self.browser.close()

    def _new_context(self, js: str, locale: Locale | None = None):
        context = self.browser.new_context(base_url=self.base_url,
                                           java_script_enabled=(js == "on"),
                                           **context_options(locale))
        context.yiban_js = js
        context.set_default_timeout(10_000)
        return context

    @staticmethod
    def _mode_and_locale(cell: Cell) -> tuple[Mode, Locale | None]:
        return MODES[cell.mode], (LOCALES[cell.locale] if cell.locale else None)

    def _context_for(self, who: str, cell: Cell):
        from .seeding import seed_history, sign_in_as
        from .support import APPLICANT, sign_in

        mode, locale = self._mode_and_locale(cell)
        contexts = self.contexts.setdefault((cell.js, cell.locale), {})
        if who not in contexts:
            # Signed in (and seeded, once per JS setting) as a first visitor would be
            # (no display cookie), then put in the cell's mode and language.
            context = self._new_context(cell.js, locale)
            if who == "applicant":
                citizen = APPLICANT[cell.js]
                sign_in(tab(context), citizen.mobile, citizen.password)
                if cell.js not in self.seeds:
                    self.seeds[cell.js] = seed_history(tab(context), cell.js, self.platform)
                seed = self.seeds[cell.js]
            else:  # anon, newcomer, helper, acting (the helpers act on the seed)
                seed = sign_in_as(who, tab(context), cell.js,
                                  lambda: self._context_for("applicant", cell)[1])
            apply(context, self.base_url, mode, locale)
            contexts[who] = (context, seed)
        return contexts[who]

    def run_unit(self, unit: Unit):
        """The unit's states, each reached once and then audited in every display mode
        (a cookie and emulated media, applied by reloading the page; a GET page only,
        and only while it still shows the state, otherwise it is reached again). Yields
        {state, js, mode, locale, url, findings, html_source, seconds} as each is done;
        then the crawl's, if this unit crawls."""
        locale = LOCALES[unit.locale] if unit.locale else None
        for key in [k for k in self.contexts if k != (unit.js, unit.locale)]:
            for context, _ in self.contexts.pop(key).values():
                context.close()
        for state in unit.states(self.states):
            yield from self._state_in_modes(state, unit, locale)
        if self.crawls_unit(unit):
            yield from self.crawl_cell(Cell(unit.js, "standard", unit.locale))

    def crawls_unit(self, unit: Unit) -> bool:
        """The crawl runs once per JS setting (the first language's first part) in the
        standard display mode, or ("all") in every language."""
        if self.crawl == "all":
            return unit.part == 0
        return (self.crawl == "standard" and unit.part == 0
                and unit.locale == self.first_locale and "standard" in unit.modes)

    def _state_in_modes(self, state, unit: Unit, locale):
        from .seeding import Seed, bring_to_state, check_state

        fresh = None
        shown = None  # (page, cookie) on which the state was last audited
        down = contextlib.nullcontext()
        if state.platform_down and self.outage:
            down = self.outage()
            if state.who != "fresh":  # signed in first, as the citizen was before
                with contextlib.suppress(Exception):  # (if not: reported below)
                    self._context_for(state.who, Cell(unit.js, unit.modes[0], unit.locale))
        with down:
            try:
                for mode_id in unit.modes:
                    mode, cell = MODES[mode_id], Cell(unit.js, mode_id, unit.locale)
                    started = time.monotonic()
                    url = self.base_url + state.url
                    try:
                        if state.who == "fresh":
                            # A new browser in each mode: a fresh state may leave its
                            # browser offline or signed in (offline entry's states do).
                            if fresh is not None:
                                fresh[0].close()
                            fresh = (self._new_context(unit.js, locale), Seed(unit.js))
                            context, seed = fresh
                        else:
                            with timing.timed("contexts: sign in, seed"):
                                context, seed = self._context_for(state.who, cell)
                        with timing.timed("apply the mode"):
                            apply(context, self.base_url, mode, locale)
                        page = tab(context)
                        url = self.base_url + state.url_for(seed)
                        problem = seed.problem(urlsplit(state.url_for(seed)).path)
                        if problem:
                            raise RuntimeError(f"its history could not be seeded: {problem}")
                        if state.platform_down and self.outage is None:
                            raise RuntimeError("the platform cannot be taken down from "
                                               "here (auditing a deployment)")
                        timing.MODE["id"] = mode_id
                        with timing.timed("show the state"):
                            self._show(page, state, seed, mode, shown, bring_to_state,
                                       check_state)
                        shown = (page, mode.cookie)
                        kept = state.keeps_display_mode
                        with timing.timed("mode problem"):
                            problem = mode_problem(page, mode if kept else None, locale)
                        if problem:
                            raise RuntimeError(problem)
                        findings = self.auditor.audit(page, state.id, unit.js, mode, locale,
                                                      mode_kept=kept)
                        url = page.url
                    except Exception as error:  # noqa: BLE001 - reported as a finding
                        shown = None
                        reason = f"{type(error).__name__}: {str(error).strip()[:500]}"
                        findings = [not_reached(state.id, unit.js, url, reason, mode_id,
                                                unit.locale)]
                    yield self._run(cell, state.id, url, findings, started)
            finally:
                if fresh:
                    fresh[0].close()

    def _show(self, page, state, seed, mode, shown, bring_to_state, check_state) -> None:
        """Put the tab in the state in this mode, reusing the page already there."""
        reusable = (shown is not None and shown[0] is page and state.keeps_display_mode
                    and page.yiban_navigation == "GET")
        if reusable and shown[1] == mode.cookie:
            timing.COUNTS["show: kept"] += 1
            self.views["kept"] += 1  # the same cookie: the emulated media is enough
            # Focus as on arrival, not where the last view's checks left it: a Tab walk
            # begun mid-page wrapped round to the skip link with no stop outside the page
            # between (matrix shard 4/8, /my/helpers in forced colours).
            page.evaluate(FOCUS_AS_LOADED)
            return
        if reusable:
            try:
                with timing.timed("show: reload"):
                    page.reload()
                    check_state(page, state, seed)
                self.views["reloaded"] += 1
                return
            except Exception:  # noqa: BLE001 - it is reached again below
                pass
        with timing.timed("show: reach"):
            bring_to_state(page, state, seed)
        self.views["reached"] += 1

    def _run(self, cell: Cell, state_id: str, url: str, findings: list, started: float):
        # The HTML this view was audited on (if it was), for the Nu checker at the end.
        source, self.auditor.last_source = self.auditor.last_source, None
        return {"state": state_id, "js": cell.js, "mode": cell.mode, "locale": cell.locale,
                "url": url, "findings": findings, "html_source": source,
                "seconds": round(time.monotonic() - started, 2)}

    def crawl_cell(self, cell: Cell):
        """Follow every same-origin link (GET only, never a form), signed out from the
        home page and signed in as the seeded applicant from /my/; audit each page
        that no scripted state covers (crawl_key) as "crawled:<key>". A link answering
        4xx/5xx is a broken-link finding. Yields runs like run_unit."""
        from .seeding import Seed

        mode, locale = self._mode_and_locale(cell)
        stats = self.crawl_stats
        own = urlsplit(self.base_url).netloc
        audited: set[str] = set()
        kinds: collections.Counter = collections.Counter()
        visits = 0
        for who, start in self.crawl_from:
            started = time.monotonic()
            try:
                context, _ = self._context_for(who, cell)
                # In the crawl's mode, not the last one the unit's states were seen in.
                apply(context, self.base_url, mode, locale)
            except Exception as error:  # noqa: BLE001 - reported as a finding
                reason = f"{type(error).__name__}: {str(error).strip()[:300]}"
                yield self._run(cell, f"crawled:{start}", self.base_url + start, [not_reached(
                    f"crawled:{start}", cell.js, self.base_url + start,
                    f"the crawl as {who} could not start: {reason}", cell.mode, cell.locale)],
                    started)
                continue
            seed = self.seeds.get(cell.js) or Seed(cell.js)
            covered = {crawl_key(s.url_for(seed)) for s in self.states if cell.js in s.modes}
            page = tab(context)
            todo = collections.deque([(self.base_url + start, None, "")])
            seen = {crawl_key(start)}
            while todo:
                url, linked_from, text = todo.popleft()
                key = crawl_key(url)
                if visits >= CRAWL_MAX_VISITS:
                    stats["capped"].append(f"{cell}: stopped after opening {visits} pages "
                                           f"(CRAWL_MAX_VISITS); {len(todo) + 1} link(s) "
                                           "not followed")
                    break
                visits += 1
                started = time.monotonic()
                page = tab(context)  # (its record of requests starts afresh)
                try:
                    response = page.goto(url)
                except Exception as error:  # noqa: BLE001 - reported as a finding
                    reason = f"{type(error).__name__}: {str(error).strip()[:300]}"
                    yield self._run(cell, f"crawled:{key}", url, [not_reached(
                        f"crawled:{key}", cell.js, url, f"could not open it: {reason}",
                        cell.mode, cell.locale)], started)
                    continue
                page.yiban_server_errors.clear()
                status = response.status if response is not None else 200
                if status == 429:
                    stats["skipped"].setdefault("rate-limited (HTTP 429)", set()).add(key)
                    continue
                if status >= 400:
                    if key not in covered:  # (the not-found state is a 404 on purpose)
                        yield self._run(cell, f"crawled:{key}", url, [broken_link(
                            f"crawled:{key}", cell.js, url, status, linked_from or "(start)",
                            text, cell.mode, cell.locale)], started)
                    continue
                final = page.url
                if urlsplit(final).netloc != own:
                    stats["skipped"].setdefault("redirects to another site", set()).add(key)
                    continue
                final_key = crawl_key(final)
                stats["reached"].add(final_key)
                seen.add(final_key)
                for link in page.evaluate(LINKS):
                    href = link["href"].split("#")[0]
                    parts = urlsplit(href)
                    if parts.scheme not in ("http", "https") or parts.netloc != own:
                        continue
                    reason = ("a download" if link["download"]
                              else crawl_skip_reason(href))
                    if reason:
                        stats["skipped"].setdefault(reason, set()).add(parts.path)
                        continue
                    if crawl_key(href) not in seen:
                        seen.add(crawl_key(href))
                        todo.append((href, final, link["text"]))
                if final_key in covered or final_key in audited:
                    continue
                kind = crawl_kind(final_key)
                if kinds[kind] >= CRAWL_PER_KIND:
                    stats["skipped"].setdefault(
                        f"not audited: {CRAWL_PER_KIND} pages of its kind already were "
                        "(CRAWL_PER_KIND)", set()).add(final_key)
                    continue
                if len(audited) >= CRAWL_MAX_AUDITED:
                    stats["capped"].append(f"{cell}: {final_key} not audited: "
                                           f"already {len(audited)} new pages "
                                           "(CRAWL_MAX_AUDITED)")
                    continue
                audited.add(final_key)
                kinds[kind] += 1
                stats["new"].add(final_key)
                state_id = f"crawled:{final_key}"
                try:
                    problem = mode_problem(page, mode, locale)
                    if problem:
                        raise RuntimeError(problem)
                    findings = self.auditor.audit(page, state_id, cell.js, mode, locale)
                except Exception as error:  # noqa: BLE001 - reported as a finding
                    reason = f"{type(error).__name__}: {str(error).strip()[:500]}"
                    findings = [not_reached(state_id, cell.js, final, reason, cell.mode,
                                            cell.locale)]
                yield self._run(cell, state_id, final, findings, started)

    def crawl_summary(self) -> dict:
        stats = self.crawl_stats
        return {"policy": self.crawl, "reached": sorted(stats["reached"]),
                "new": sorted(stats["new"]),
                "skipped": {k: sorted(v) for k, v in sorted(stats["skipped"].items())},
                "capped": list(stats["capped"])}


def _cell_summary(cell: Cell, runs: list[dict], seconds: float, worker: int) -> dict:
    return {"js": cell.js, "mode": cell.mode, "locale": cell.locale, "runs": len(runs),
            "findings": sum(len(r["findings"]) for r in runs),
            "seconds": round(seconds, 1), "worker": worker}


def _cell_line(cell: dict) -> str:
    worker = f" (worker {cell['worker']})" if cell["worker"] else ""
    return (f"  {Cell(cell['js'], cell['mode'], cell['locale'])}: {cell['runs']} page states, "
            f"{cell['findings']} finding(s), {cell['seconds']} s{worker}")


def _unit_line(unit: Unit, runs: list[dict], seconds: float, worker: int) -> str:
    findings = sum(len(r["findings"]) for r in runs)
    return (f"  {unit}: {len(runs)} page views, {findings} finding(s), {seconds:.0f} s"
            f" (worker {worker})")


def left_for_time(unit: Unit, states) -> dict:
    """An optional unit not begun because the time budget had run out."""
    return {"js": unit.js, "locale": unit.locale, "part": unit.part, "parts": unit.parts,
            "views": len(unit.states(states)) * len(unit.modes)}


def summarise_cells(result: AuditResult) -> None:
    """Per cell (JS, mode, language): page views, findings and the seconds they took."""
    by_cell: dict[tuple, list] = {}
    for run in result.runs:
        by_cell.setdefault((run["js"], run["mode"], run["locale"]), []).append(run)
    result.cells = [_cell_summary(Cell(js, mode, locale), runs,
                                  sum(r.get("seconds") or 0 for r in runs), 0)
                    for (js, mode, locale), runs in by_cell.items()]


def _ordered(result: AuditResult, states) -> None:
    """Runs in matrix order whatever order the workers finished them in."""
    state_order = {s.id: n for n, s in enumerate(states)}
    order = {(c.js, c.mode, c.locale): n for n, c in
             enumerate(matrix(result.js_modes, result.modes, result.locales))}
    result.runs.sort(key=lambda r: (order.get((r["js"], r["mode"], r["locale"]), 0),
                                    state_order.get(r["state"], len(state_order)),
                                    r["state"]))
    result.cells.sort(key=lambda c: order.get((c["js"], c["mode"], c["locale"]), 0))


def audit_site(base_url: str, js_modes, tags, report_dir: Path, app, platform=None,
               states=None, progress=print, modes=DEFAULT_MODES,
               locales=DEFAULT_LOCALES, cell_progress=print, crawl="none",
               engines=ENGINES, shard=(1, 1), sharing="on", deadline=None) -> AuditResult:
    """Every state of states.py in every cell (JS setting × language × display mode),
    in this process (crawl: SiteAuditor.crawls). app: a local app (for the title
    wording); platform: to move seeded applications on (None on a deployment);
    deadline (time.time()): after the shard, the other shards until then (--budget)."""
    from playwright.sync_api import sync_playwright

    from .states import STATES

    states = STATES if states is None else states
    result = AuditResult(base_url, list(js_modes), list(tags), modes=list(modes),
                         locales=list(locales or []))
    started = time.monotonic()
    shots = _fresh_shots(report_dir)
    with sync_playwright() as playwright:
        site = SiteAuditor(playwright, base_url, tags, shots, functools.partial(wording, app),
                           platform, states, crawl=crawl, engines=engines,
                           sources_dir=_fresh_sources(report_dir), sharing=sharing,
                           outage=functools.partial(platform_down, app) if platform else None)
        site.first_locale = result.locales[0] if result.locales else None
        try:
            for unit in units(result.js_modes, result.modes, result.locales, 1, shard,
                              budgeted=deadline is not None):
                if unit.out_of_time(deadline):
                    result.left.append(left_for_time(unit, states))
                    continue
                unit_started = time.monotonic()
                runs = []
                for run in site.run_unit(unit):
                    runs.append(run)
                    if progress:
                        progress(f"  {run['state']} ({_where(run)}): "
                                 f"{len(run['findings'])} finding(s)")
                result.runs += runs
                if cell_progress:
                    cell_progress(_unit_line(unit, runs, time.monotonic() - unit_started, 0))
        finally:
            site.close()
    result.views = dict(site.views)
    summarise_cells(result)
    _ordered(result, states)
    result.axe_runs = site.auditor.axe_runs
    result.needs_review = site.auditor.needs_review
    merge_crawl(result.crawl, site.crawl_summary())
    result.focus = dict(FOCUS_STATS)
    result.sharing = dict(site.auditor.sharing)
    result.sharing_mismatches = {k: sorted(v)
                                 for k, v in site.auditor.sharing_mismatches.items()}
    result.timing = timing.snapshot()
    result.seconds = time.monotonic() - started
    return result


def _fresh_sources(report_dir) -> Path:
    sources = Path(report_dir) / "sources"
    if sources.exists():
        for old in sources.glob("*.html"):
            old.unlink()
    return sources


def _fresh_shots(report_dir) -> Path:
    shots = Path(report_dir) / "shots"
    if shots.exists():
        for old in shots.glob("*.png"):
            old.unlink()
    return shots


# ---- the matrix shared among worker processes ------------------------------------------
def _worker_main(index: int, config: dict, tasks, results) -> None:
    """A worker process: its own browser and (for the local app) its own app, server
    and data folder; audits the units it takes from `tasks` until it gets None."""
    from playwright.sync_api import sync_playwright

    from . import states as states_module

    try:
        wanted = set(config["states"])
        states = [s for s in states_module.STATES if s.id in wanted]
        if config["base_url"] and index:
            # Sharing one deployment: each worker tries its own unknown logins.
            states_module._wrong_logins = itertools.count(1 + index * 1_000_000)
        with contextlib.ExitStack() as stack:
            starting = time.monotonic()
            template = Path(config["template"]) if config.get("template") else None
            app = stack.enter_context(local_app(template))
            if config["base_url"]:
                base_url, platform = config["base_url"], None
            else:
                base_url = stack.enter_context(serve(app))
                platform = app.extensions["platform"]
            playwright = stack.enter_context(sync_playwright())
            site = SiteAuditor(playwright, base_url, config["tags"], Path(config["shots"]),
                               functools.partial(wording, app), platform, states,
                               shot_prefix=f"w{index}-", crawl=config.get("crawl", "none"),
                               crawl_from=config.get("crawl_from", CRAWL_START),
                               engines=config["engines"], sharing=config["sharing"],
                               sources_dir=Path(config["sources"]),
                               outage=functools.partial(platform_down, app) if platform
                               else None)
            stack.callback(site.close)
            site.first_locale = config["first_locale"]
            if template is not None:  # its copy of the seeded history
                from .seeding import Seed
                site.seeds = {js: Seed(**fields) for js, fields in config["seeds"].items()}
            timing.SECONDS["worker start: app, server, browser"] += time.monotonic() - starting
            timing.COUNTS["worker start: app, server, browser"] += 1
            deadline = config.get("deadline")
            while (unit := tasks.get()) is not None:
                if unit.out_of_time(deadline):
                    results.put(("left", index, unit, None))
                    continue
                results.put(("cell", index, unit, None))
                for run in site.run_unit(unit):
                    results.put(("run", index, unit, run))
                results.put(("cell-done", index, unit, None))
            results.put(("done", index, None, {
                "views": dict(site.views),
                "axe_runs": site.auditor.axe_runs,
                "needs_review": {k: sorted(v) for k, v in site.auditor.needs_review.items()},
                "base_url": base_url, "crawl": site.crawl_summary(),
                "focus": dict(FOCUS_STATS), "timing": timing.snapshot(),
                "sharing": dict(site.auditor.sharing),
                "mismatches": {k: sorted(v) for k, v in
                               site.auditor.sharing_mismatches.items()}}))
    except BaseException:  # noqa: BLE001 - the parent reports it
        results.put(("error", index, None, traceback.format_exc()[-3000:]))


def audit_parallel(base_url: str | None, js_modes, tags, report_dir: Path, workers: int,
                   states=None, progress=print, modes=DEFAULT_MODES,
                   locales=DEFAULT_LOCALES, cell_progress=print, crawl="none",
                   crawl_from=CRAWL_START, engines=ENGINES, shard=(1, 1),
                   sharing="on", seeded_data: Path | None = None,
                   deadline: float | None = None) -> AuditResult:
    """The matrix shared among `workers` processes, each taking the next cell when it
    is free. base_url None: each worker runs the app on its own temporary data folder,
    a copy of one seeded once (seeded_template; in `seeded_data` when given, to share
    it with another run)."""
    from .states import STATES

    states = STATES if states is None else states
    with contextlib.ExitStack() as stack:
        template, seeds = None, {}
        if base_url is None and (crawl != "none" or any(s.who in SEEDED for s in states)):
            template = seeded_data or Path(stack.enter_context(
                tempfile.TemporaryDirectory(prefix="yiban-audit-seed-")))
            seeding = time.monotonic()
            seeds = seeded_template(Path(template), js_modes)
            timing.SECONDS["seeding, once for every worker"] += time.monotonic() - seeding
            timing.COUNTS["seeding, once for every worker"] += 1
        return _audit_parallel(base_url, js_modes, tags, report_dir, workers, states,
                               progress, modes, locales, cell_progress, crawl, crawl_from,
                               engines, shard, sharing, template, seeds, deadline)


def _audit_parallel(base_url, js_modes, tags, report_dir, workers, states, progress, modes,
                    locales, cell_progress, crawl, crawl_from, engines, shard, sharing,
                    template, seeds, deadline) -> AuditResult:
    result = AuditResult(base_url or "the local app (one instance per worker)",
                         list(js_modes), list(tags), modes=list(modes),
                         locales=list(locales or []), workers=workers)
    result.timing = timing.snapshot()  # the seeding's, before the workers'
    started = time.monotonic()
    shots = _fresh_shots(report_dir)
    config = {"base_url": base_url, "tags": list(tags), "shots": str(shots),
              "states": [s.id for s in states], "crawl": crawl,
              "crawl_from": [list(start) for start in crawl_from],
              "engines": list(engines), "sources": str(_fresh_sources(report_dir)),
              "sharing": sharing, "template": str(template) if template else None,
              "seeds": seeds, "deadline": deadline,
              "first_locale": result.locales[0] if result.locales else None}
    spawn = multiprocessing.get_context("spawn")
    tasks, results = spawn.Queue(), spawn.Queue()
    # A few parts per JS setting and language, so that no worker waits at the end.
    for unit in units(result.js_modes, result.modes, result.locales, workers, shard,
                      budgeted=deadline is not None):
        tasks.put(unit)
    for _ in range(workers):
        tasks.put(None)
    processes = [spawn.Process(target=_worker_main, args=(n, config, tasks, results),
                               name=f"a11y-audit-{n}") for n in range(workers)]
    for process in processes:
        process.start()

    current: dict[int, tuple] = {}  # worker -> (cell, started, runs so far)
    finished: set[int] = set()
    review: dict[str, set] = {}

    def give_up(index: int, reason: str) -> None:
        """A worker stopped: the rest of its cell is reported as not reached."""
        finished.add(index)
        if index not in current:
            return
        unit, unit_started, runs = current.pop(index)
        done = {(r["state"], r["mode"]) for r in runs}
        for state in unit.states(states):
            for mode in unit.modes:
                if (state.id, mode) not in done:
                    result.runs.append({
                        "state": state.id, "js": unit.js, "mode": mode,
                        "locale": unit.locale, "url": (base_url or "") + state.url,
                        "findings": [not_reached(state.id, unit.js, state.url, reason,
                                                 mode, unit.locale)], "seconds": None})
        if cell_progress:
            cell_progress(_unit_line(unit, runs, time.monotonic() - unit_started, index))

    while len(finished) < workers:
        try:
            kind, index, cell, payload = results.get(timeout=5)
        except queue.Empty:
            for n, process in enumerate(processes):
                if n not in finished and not process.is_alive():
                    give_up(n, f"the audit worker stopped (exit code {process.exitcode})")
            continue
        if kind == "cell":
            current[index] = (cell, time.monotonic(), [])
            if progress:
                progress(f"worker {index}: {cell} …")
        elif kind == "run":
            current[index][2].append(payload)
            result.runs.append(payload)
            if progress:
                progress(f"  {payload['state']} ({cell}): {len(payload['findings'])} finding(s)")
        elif kind == "left":
            result.left.append(left_for_time(cell, states))
        elif kind == "cell-done":
            unit, unit_started, runs = current.pop(index)
            if cell_progress:
                cell_progress(_unit_line(unit, runs, time.monotonic() - unit_started, index))
        elif kind == "done":
            finished.add(index)
            result.axe_runs += payload["axe_runs"]
            for name, count in payload["views"].items():
                result.views[name] = result.views.get(name, 0) + count
            merge_crawl(result.crawl, payload["crawl"])
            for name, count in payload["focus"].items():
                result.focus[name] = result.focus.get(name, 0) + count
            timing.merge(result.timing, payload.get("timing", {}))
            for name, count in payload["sharing"].items():
                result.sharing[name] = result.sharing.get(name, 0) + count
            for rule, where in payload["mismatches"].items():
                result.sharing_mismatches.setdefault(rule, []).extend(where)
            for rule, where in payload["needs_review"].items():
                review.setdefault(rule, set()).update(where)
        elif kind == "error":
            give_up(index, f"the audit worker failed: {payload.strip().splitlines()[-1]}")
            print(f"audit worker {index} failed:\n{payload}")
    for process in processes:
        process.join(timeout=30)
    # Cells no worker took (every worker failed): nothing on them was audited.
    while True:
        try:
            cell = tasks.get_nowait()
        except queue.Empty:
            break
        if cell is not None:
            current[-1] = (cell, time.monotonic(), [])
            give_up(-1, "no audit worker was left to audit it")
    result.needs_review = review
    result.crawl.setdefault("policy", crawl)
    summarise_cells(result)
    result.seconds = time.monotonic() - started
    _ordered(result, states)
    return result


def default_workers(base_url: str | None) -> int:
    """On the local app one more than the cores (a worker spends about 40 % of its time
    waiting for its browser and server), at most 4; one against a deployment, whose
    demo citizens the workers would otherwise share."""
    return 1 if base_url else min(4, (os.cpu_count() or 1) + 1)


def run(base_url=None, js="both", tags=None, report="a11y-report", baseline=None,
        verbose=False, modes=DEFAULT_MODES, locales=DEFAULT_LOCALES, workers=None,
        crawl=DEFAULT_CRAWL, engines=ENGINES, shard=(1, 1), states=None,
        sharing="on", seeded_data=None, budget=None) -> int:
    """states: the page states to audit (None: all of states.py); budget: seconds from
    now after which no further shard is begun (after the K-th of --shard K/N)."""
    deadline = None if budget is None else time.time() + budget
    js_modes = ["on", "off"] if js == "both" else [js]
    tags = tags or AXE_TAGS
    modes = [m.id if isinstance(m, Mode) else m for m in modes]
    locales = [loc.code if isinstance(loc, Locale) else loc for loc in locales]
    entries = load_baseline(baseline)
    report_dir = Path(report)
    workers = workers or default_workers(base_url)
    progress = functools.partial(print, flush=True) if verbose else None
    say = functools.partial(print, flush=True)  # CI logs show each cell as it ends
    kept = {"modes": modes, "locales": locales, "cell_progress": say, "crawl": crawl,
            "engines": engines, "shard": tuple(shard), "states": states,
            "sharing": sharing, "deadline": deadline}
    print(f"auditing {len(modes)} display mode(s) × {len(locales)} language(s) × "
          f"JavaScript {'/'.join(js_modes)} with {workers} worker(s); crawl: "
          f"{CRAWL_POLICIES[crawl]}; engines: {', '.join(engines)}", flush=True)
    if workers > 1:
        result = audit_parallel(base_url.rstrip("/") if base_url else None, js_modes, tags,
                                report_dir, workers, progress=progress,
                                seeded_data=Path(seeded_data) if seeded_data else None, **kept)
    else:
        with local_app() as app:
            if base_url:
                result = audit_site(base_url.rstrip("/"), js_modes, tags, report_dir, app,
                                    progress=progress, **kept)
            else:
                with serve(app) as url:
                    result = audit_site(url, js_modes, tags, report_dir, app,
                                        platform=app.extensions["platform"],
                                        progress=progress, **kept)
    result.engines = list(engines)
    if "nu" in engines:
        nu_started = time.monotonic()
        add_nu_findings(result, report_dir / "sources")
        print(f"Nu HTML Checker: {len(list((report_dir / 'sources').glob('*.html')))} "
              f"distinct HTML sources in {time.monotonic() - nu_started:.0f} s", flush=True)
    result.baseline = entries
    apply_baseline(result.findings, entries)
    index = write_reports(result, report_dir)
    print(summary_line(result) + f"; {result.seconds:.0f} s with {result.workers} worker(s)")
    if result.focus:
        print(f"focus visible: {result.focus.get('screenshots', 0)} screenshot comparisons, "
              f"{result.focus.get('reused', 0)} reused for elements of the same look, "
              f"{result.focus.get('styles', 0)} decided by styles (no screenshot)")
    if result.sharing:
        print(f"DOM-only rules of axe and IBM: run on {result.sharing.get('dom-first', 0)} "
              f"distinct DOMs, their results shared by "
              f"{result.sharing.get('dom-shared', 0)} views of the same DOM in another "
              "display mode (the rendering rules ran in every view)")
    for rule, where in sorted(result.sharing_mismatches.items()):
        print(f"--verify-sharing: {rule} differs within one DOM: {'; '.join(where[:3])}")
    if verbose and result.timing:
        print("where the time went (seconds summed over workers):")
        for line in timing.lines(result.timing):
            print(line)
    for capped in result.crawl.get("capped", [])[:10]:
        print(f"crawl limit: {capped}")
    for entry in entries:
        if entry["status"] == "expired":
            print(f"baseline entry expired on {entry['expires']}: {entry['rule']} "
                  f"on {entry['state']} ({entry['reason']})")
    print(f"report: {index.resolve()}")
    return 1 if result.sharing_mismatches else exit_code(result)
