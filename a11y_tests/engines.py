"""The audit's checkers besides axe: IBM Equal Access (run in the page, like axe) and
the Nu HTML Checker (run once per audit, in batch, over every page's HTML source).

Each engine reads the same page a person gets (for JavaScript off: the replayed DOM of
support.Auditor); each finding names its engine in "source". The engines come from the
npm registry (scripts/setup.sh: `npm ci` into node_modules/); nothing is committed.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import json
import re
import shutil
import subprocess  # nosec B404 - runs the Nu checker's own jar, no shell
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACE_JS = ROOT / "node_modules" / "accessibility-checker-engine" / "ace.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# "check": the site's own structure checklist (checks.py), on by default like the others.
ENGINES = ("axe", "ibm", "nu", "check")
IBM_POLICIES = ["WCAG_2_2", "IBM_Accessibility"]
IBM_HELP = "https://able.ibm.com/rules/archives/latest/doc/en-US/{rule}.html"


def pick_engines(text: str) -> list[str]:
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in ENGINES]
    if unknown or not chosen:
        raise ValueError(f"unknown engine(s) {', '.join(unknown) or '(none)'}; "
                         f"choose from {', '.join(ENGINES)}")
    return chosen


# ---- IBM Equal Access ------------------------------------------------------------------
@functools.cache
def _ace_source() -> str:
    if not ACE_JS.exists():
        raise OSError(f"{ACE_JS} is missing: run scripts/setup.sh (npm ci)")
    # Evaluated through the DevTools protocol, as axe is, so the page's own
    # Content-Security-Policy (script-src 'none' in the JS-off replay) does not stop it.
    return ACE_JS.read_text(encoding="utf-8") + "\n;window.ace = ace; true"


IBM_CHECK = """async ([policies, only]) => {
  const checker = new ace.Checker();
  if (only) {  // only these of the policies' rules (the rendering rules: see RENDERING)
    const enable = checker.engine.enableRules.bind(checker.engine);
    checker.engine.enableRules = ids => enable(ids.filter(id => only.includes(id)));
  }
  const report = await checker.check(document, policies);
  return report.results.filter(r => r.value[1] !== "PASS").map(r => ({
    rule: r.ruleId, level: r.value[0], result: r.value[1], message: r.message,
    reason: r.reasonId, xpath: r.path && r.path.dom, snippet: r.snippet || ""}));
}"""


@functools.cache
def ibm_wcag() -> dict[str, list[str]]:
    """IBM's own mapping of its rules to WCAG success criteria (help/rules.csv): the
    fallback for a rule that rules.yaml does not map yet."""
    table = ACE_JS.parent / "help" / "rules.csv"
    if not table.exists():
        return {}
    mapping: dict[str, set] = {}
    with table.open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows, skipinitialspace=True):
            numbers = (row.get("WCAG Requirements") or "").replace(";", ",").split(",")
            mapping.setdefault(row["Rule ID"], set()).update(n.strip() for n in numbers
                                                             if n.strip())
    return {rule: sorted(numbers) for rule, numbers in mapping.items()}


def ibm_results(page, only: list[str] | None = None) -> list[dict]:
    """What IBM Equal Access reports on the page (every result but a pass); only: just
    these rules of its policies."""
    if not page.evaluate("() => typeof window.ace !== 'undefined'"):
        page.evaluate(_ace_source())
    return page.evaluate(IBM_CHECK, [IBM_POLICIES, only])


def ibm_fails(result: dict) -> bool:
    """A violation of the policies fails the audit; "potential" and "manual" results
    and recommendations are listed for a person to review."""
    return result["level"] == "VIOLATION" and result["result"] == "FAIL"


# ---- what depends on the rendering, and what on the DOM alone ----------------------------
# A display mode changes <html>'s data-* attributes (modes.py: text size, theme,
# 长辈版, cursor …), which select CSS, and a few data-* values the page's scripts read
# (e.g. the offline copy's version, which includes the look); no rule of axe, IBM or
# Nu reads a data-* value. The rules below read the rendering (colours, sizes, positions, overflow,
# fonts, backgrounds, focus styles), so they run in every display mode. Every other
# rule of axe and IBM reads the DOM and which elements are rendered at all: for the
# same dom_key (the DOM without what no rule reads, plus each element's visibility) they
# give the same result, so they run once per distinct key and their result is reported
# for every view with that key (audit.PageAuditor). `python -m a11y_tests --sharing
# verify` runs every rule in every view and fails on any rule whose result differs
# between views that share a key.
AXE_RENDERING_RULES = (
    "color-contrast", "color-contrast-enhanced", "link-in-text-block", "target-size",
    "scrollable-region-focusable", "css-orientation-lock", "p-as-heading",
    "avoid-inline-spacing", "focus-order-semantics", "meta-viewport", "meta-viewport-large",
    "region", "label-content-name-mismatch", "frame-focusable-content",
)
IBM_RENDERING_RULES = (
    "text_contrast_sufficient", "target_spacing_sufficient", "element_tabbable_unobscured",
    "element_tabbable_visible", "element_orientation_unlocked", "element_scrollable_tabbable",
    "style_background_decorative", "style_color_misuse", "style_focus_visible",
    "style_highcontrast_visible", "style_hover_persistent", "style_viewport_resizable",
    "style_before_after_review", "text_block_heading", "img_alt_background",
    "form_font_color", "blink_css_review", "text_spacing_valid", "input_label_visible",
    "label_name_visible", "aria_complementary_label_visible", "aria_main_label_visible",
    "input_label_before", "input_label_after", "aria_content_in_landmark",
    "heading_markup_misuse", "table_layout_linearized", "a_text_purpose",
)
DOM_KEY = """() => {
  // Rendered or not, visually hidden (1 px, clipped) or off screen: the rules that read
  // the DOM alone still skip elements nobody can see.
  const shown = [...document.querySelectorAll('*')].map(el => {
    if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true,
                             contentVisibilityAuto: true})) return 'h';
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) return 't';
    return r.right <= 0 || r.bottom <= 0 ? 'o' : 'v';
  }).join('');
  return document.documentElement.outerHTML + ' | ' + shown;
}"""
_DATA_VALUE = re.compile(r'(\sdata-[a-z0-9-]+=)"[^"]*"')
# The form token (Flask-WTF: a signed, timestamped value, new in each response).
_FORM_TOKEN = re.compile(r"I[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{10,}")
# The browser's bar colour follows the theme; no rule of axe or IBM reads it.
_THEME_COLOR = re.compile(r'<meta name="theme-color" content="[^"]*">')


def without_noise(html: str) -> str:
    """The page's HTML without what changes between display modes and requests but
    no checker reads: the values of data-* attributes (the display mode's, which select
    CSS, and the scripts'; free text, valid whatever they say), the form token's value
    in a hidden field, and empty style attributes (left by a check that styled an
    element and put it back)."""
    return _FORM_TOKEN.sub("TOKEN", _DATA_VALUE.sub(r'\1""', html)).replace(' style=""', "")


def dom_key(page) -> str:
    """What the DOM-only rules' results depend on (see above), as a hash."""
    dom = _THEME_COLOR.sub("", without_noise(page.evaluate(DOM_KEY)))
    return hashlib.sha256(dom.encode()).hexdigest()


# ---- the Nu HTML Checker -----------------------------------------------------------------
def source_key(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()[:20]


def save_source(folder: Path, html: str) -> str:
    """Keep a page's HTML for the batch run at the end; its key (same HTML, one file).
    without_noise first: a page that differs between display modes or requests only
    there is validated once, not once per mode."""
    html = without_noise(html)
    key = source_key(html)
    path = folder / f"{key}.html"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    return key


def java() -> str:
    found = shutil.which("java")
    if not found:
        raise OSError("the Nu HTML Checker needs Java: run scripts/setup.sh "
                      "(it installs default-jre-headless)")
    return found


# Messages vary by element and attribute; the rule is the message with its quoted
# names taken out, so a baseline entry can accept one kind of error.
_QUOTED = re.compile(r"“[^”]*”")


def nu_rule(message: str) -> str:
    words = re.sub(r"[^a-z]+", "-", _QUOTED.sub("x", message).lower()).strip("-")
    return "nu:" + words[:60].rstrip("-")


def nu_check(folder: Path) -> dict[str, list[dict]]:
    """Validate every saved source in one run of vnu: source key -> its errors (warnings
    and info are not failures). One JVM for the whole audit, not one per page."""
    files = sorted(folder.glob("*.html"))
    if not files:
        return {}
    if not VNU_JAR.exists():
        raise OSError(f"{VNU_JAR} is missing: run scripts/setup.sh (npm ci)")
    out = subprocess.run(  # nosec B603 - fixed command, a folder we wrote
        [java(), "-Xss8m", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always",
         "--errors-only", "--skip-non-html", str(folder)],
        capture_output=True, text=True, check=False)
    try:
        messages = json.loads(out.stderr or out.stdout).get("messages", [])
    except json.JSONDecodeError as error:
        raise OSError(f"the Nu HTML Checker failed: {(out.stderr or out.stdout)[:500]}") \
            from error
    found: dict[str, list[dict]] = {}
    for message in messages:
        if message.get("type") != "error":
            continue
        key = Path(message.get("url", "").removeprefix("file:")).stem
        found.setdefault(key, []).append({
            "rule": nu_rule(message.get("message", "")), "message": message.get("message", ""),
            "line": message.get("lastLine"), "extract": message.get("extract", "")})
    return found
