"""The structure checks every page state must pass (DESIGN.md §3), as functions that
return findings instead of asserting, so that both the pytest suite (test_structure.py,
test_display_modes.py) and the audit command (python -m a11y_tests) use them. Some
depend on the display mode (modes.py): the body text size it promises (32 px with the
largest text setting) and, in elder mode, 60×60 px primary actions.

A finding is a dict: {"rule": check id (see rules.yaml), "message": what is wrong,
"selector": a CSS selector of the element concerned or None}.
"""
from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask_babel import force_locale, gettext

from .support import error_summary_focused

MIN_TEXT_PX = 18
MIN_LINE_HEIGHT = 1.5
MIN_TARGET_PX = 44
NARROWEST_PX = 320
ELDER_PRIMARY_PX = 60  # primary actions in elder mode (MIIT)

# A CSS selector for an element (so a finding can point at it and screenshot it);
# pasted into each page script below.
CSS_PATH = """const cssPath = el => {
    const parts = [];
    for (; el && el.nodeType === 1 && el !== document.documentElement; el = el.parentElement) {
      if (el.id && /^[A-Za-z][\\w-]*$/.test(el.id)) { parts.unshift('#' + el.id); break; }
      let i = 1;
      for (let s = el.previousElementSibling; s; s = s.previousElementSibling)
        if (s.tagName === el.tagName) i++;
      parts.unshift(el.tagName.toLowerCase() + ':nth-of-type(' + i + ')');
    }
    return parts.length && parts[0].startsWith('#') ? parts.join(' > ') : 'html > ' + parts.join(' > ');
  };"""

# Facts about the page as rendered. Plain synchronous DOM reads: they work in a page
# whose own JavaScript is off too (Playwright evaluates them from outside the page).
PAGE_FACTS = """(limits) => {
  __CSS_PATH__
  const describe = el => {
    let text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
    text = text.replace(/\\s+/g, ' ').slice(0, 40);
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.classList.length ? '.' + [...el.classList].join('.') : '') + (text ? ` "${text}"` : '');
  };
  const shown = el => {
    const cs = getComputedStyle(el), r = el.getBoundingClientRect();
    return cs.display !== 'none' && cs.visibility !== 'hidden' && r.width > 1 && r.height > 1
      && r.bottom > 0 && r.right > 0;
  };
  const sectioning = 'article, aside, main, nav, section';
  const topLevel = (selector, role) => [...document.querySelectorAll(selector)].filter(el =>
    el.getAttribute('role') === role || (!el.getAttribute('role') && !el.parentElement.closest(sectioning)));

  // Body text: every shown element with text of its own, outside headings and controls.
  const small = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('h1, h2, h3, h4, h5, h6, button, .button, input, select, textarea, .visually-hidden, script, style')) continue;
    const ownText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!ownText || !shown(el)) continue;
    const cs = getComputedStyle(el), size = parseFloat(cs.fontSize);
    const lineHeight = cs.lineHeight === 'normal' ? 1.2 * size : parseFloat(cs.lineHeight);
    if (size < limits.text - 0.01 || lineHeight < limits.line * size - 0.01)
      small.push({text: `${describe(el)}: ${size}px / line height ${(lineHeight / size).toFixed(2)}`,
                  selector: cssPath(el), size, lineHeight: lineHeight / size});
  }
  const body = getComputedStyle(document.body);

  // Targets: links, buttons and form controls. A radio or checkbox counts together with
  // its label (clicking either works). A link inside a sentence is exempt (2.5.5).
  const inSentence = a => {
    if (getComputedStyle(a).display !== 'inline') return false;
    let block = a.parentElement;
    while (block && getComputedStyle(block).display.startsWith('inline')) block = block.parentElement;
    const rest = block.cloneNode(true);
    rest.querySelectorAll('a, .visually-hidden').forEach(x => x.remove());
    return /[\\p{L}\\p{N}]/u.test(rest.textContent);
  };
  const tooSmall = [];
  const targets = document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])');
  for (const el of targets) {
    if (!shown(el) || el.closest('.visually-hidden')) continue;
    if (el.matches('a') && inSentence(el)) continue;
    let r = el.getBoundingClientRect();
    let width = r.width, height = r.height;
    if (el.matches('input[type=radio], input[type=checkbox]')) {
      for (const label of el.labels) {
        const l = label.getBoundingClientRect();
        width = Math.max(width, Math.max(r.right, l.right) - Math.min(r.left, l.left));
        height = Math.max(height, Math.max(r.bottom, l.bottom) - Math.min(r.top, l.top));
      }
    }
    if (width < limits.target - 0.5 || height < limits.target - 0.5)
      tooSmall.push({text: `${describe(el)}: ${width.toFixed(1)}×${height.toFixed(1)} px`, selector: cssPath(el)});
  }

  return {
    h1: document.querySelectorAll('h1').length,
    banner: topLevel('header, [role=banner]', 'banner').length,
    navigation: document.querySelectorAll('nav, [role=navigation]').length,
    main: document.querySelectorAll('main, [role=main]').length,
    contentinfo: topLevel('footer, [role=contentinfo]', 'contentinfo').length,
    lang: document.documentElement.getAttribute('lang') || '',
    dir: document.documentElement.getAttribute('dir') || '',
    title: document.title,
    errors: !!document.querySelector('[data-error-summary]'),
    bodySize: parseFloat(body.fontSize),
    bodyLineHeight: parseFloat(body.lineHeight) / parseFloat(body.fontSize),
    smallText: small,
    smallTargets: tooSmall,
  };
}""".replace("__CSS_PATH__", CSS_PATH)

REFLOW = """() => {
  __CSS_PATH__
  const root = document.documentElement;
  const wide = [...document.body.querySelectorAll('*')]
    .filter(el => el.getBoundingClientRect().right > root.clientWidth + 0.5)
    .filter(el => !el.closest('.visually-hidden, .skip-link'))
    .slice(0, 5);
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
          wide: wide.map(el => el.outerHTML.replace(/\\s+/g, ' ').slice(0, 120)),
          selectors: wide.map(cssPath)};
}""".replace("__CSS_PATH__", CSS_PATH)


# What has focus now, and whether it shows it. The indicator is an outline, or a
# box-shadow that is not there without focus (buttons carry a shadow all the time).
FOCUSED = """() => {
  __CSS_PATH__
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const all = document.querySelectorAll('*');
  const index = Array.prototype.indexOf.call(all, el);
  // Remembered by identity too: the page may change while Tab is walked (e.g. htmx
  // swapping a message in), which shifts the indexes of the elements after it.
  const tabbed = window.__yibanTabbed = window.__yibanTabbed || new Set();
  const again = tabbed.has(el);
  tabbed.add(el);
  // Focus on one of the browser's own parts of a control (the play button, time line
  // and volume of <audio controls>): the element itself then does not match :focus,
  // and the browser draws that part's focus ring inside the control.
  const inner = !el.matches(':focus');
  const describe = el => {
    let text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
    text = text.replace(/\\s+/g, ' ').slice(0, 40);
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (text ? ` "${text}"` : '');
  };
  const style = () => {
    const cs = getComputedStyle(el);
    return {outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2
              && !/rgba\\(.*,\\s*0\\)$/.test(cs.outlineColor) && cs.outlineColor !== 'transparent',
            shadow: cs.boxShadow};
  };
  const focused = style();
  // The same element without focus, for comparison (then focus goes back where it was;
  // not for a native control's own part, which focus() could not give focus back to).
  let unfocused = focused;
  if (!inner) {
    el.blur();
    unfocused = style();
    el.focus();
  }
  const r = el.getBoundingClientRect();
  return {index, again, inner, name: describe(el), selector: cssPath(el), focusVisible: el.matches(':focus-visible'),
          outline: focused.outline,
          indicator: focused.outline || (focused.shadow !== 'none' && focused.shadow !== unfocused.shadow),
          onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
                    && r.top < innerHeight && r.left < innerWidth};
}""".replace("__CSS_PATH__", CSS_PATH)

FOCUSABLE = """() => {
  __CSS_PATH__
  const all = document.querySelectorAll('*');
  const selector = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
  return [...document.querySelectorAll(selector)].filter(el => {
    const cs = getComputedStyle(el), r = el.getBoundingClientRect();
    return cs.display !== 'none' && cs.visibility !== 'hidden' && !el.closest('[inert]')
      && el.tabIndex >= 0 && (r.width > 0 || el.matches('.skip-link'));
  }).map(el => ({index: Array.prototype.indexOf.call(all, el),
                 reached: !!(window.__yibanTabbed && window.__yibanTabbed.has(el)),
                 radioGroup: el.matches('input[type=radio]') ? el.name : null,
                 selector: cssPath(el),
                 name: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' +
                       (el.innerText || el.value || '').trim().slice(0, 30) + '"'}));
}""".replace("__CSS_PATH__", CSS_PATH)

FORGET_TABBED = "() => { window.__yibanTabbed = new Set(); }"
FOCUS_BY_INDEX = "index => { document.querySelectorAll('*')[index].focus(); }"


@functools.cache
def wording(app, lang: str) -> tuple[str, str]:
    """("Yiban", "Error:") as the app says them in the page's language."""
    with app.test_request_context(), force_locale(lang.replace("-", "_")):
        return gettext("Yiban"), gettext("Error:")


def finding(rule: str, message: str, selector: str | None = None) -> dict:
    return {"rule": rule, "message": message, "selector": selector}


def tab_through(page) -> tuple[list[dict], list[dict]]:
    """Press Tab until focus comes round again; what got focus, and what went wrong."""
    problems, order = [], []
    page.evaluate(FORGET_TABBED)
    if page.locator("[data-error-summary]").count():
        # Let `autofocus` land first, or it pulls focus back in the middle of the walk.
        error_summary_focused(page)
    for _ in range(150):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        if focused["again"]:
            if focused["inner"]:
                continue  # the next part of the same native control
            break
        order.append(focused)
    else:
        problems.append(finding("keyboard-trap",
                                "Tab never came round again (150 presses): a keyboard trap?"))
    return order, problems


def check_focus(page) -> list[dict]:
    """Every focusable element is reachable with Tab, on screen when focused, and
    shows a focus indicator."""
    order, problems = tab_through(page)
    for focused in order:
        if not focused["indicator"]:
            problems.append(finding("focus-visible",
                                    f"no visible focus indicator on {focused['name']}",
                                    focused["selector"]))
        if not focused["onScreen"]:
            problems.append(finding("focus-on-screen",
                                    f"focused but not on screen: {focused['name']}",
                                    focused["selector"]))
    # Only the checked (or first) radio of a group is a Tab stop; the arrow keys move
    # within the group. Check the focus indicator of the others directly.
    radio_groups_reached = set()
    focusable = page.evaluate(FOCUSABLE)
    by_index = {f["index"]: f for f in focusable}
    for f in focusable:
        if f["reached"] and f["radioGroup"]:
            radio_groups_reached.add(f["radioGroup"])
    for f in focusable:
        if f["reached"]:
            continue
        if f["radioGroup"] in radio_groups_reached:
            page.evaluate(FOCUS_BY_INDEX, f["index"])
            focused = page.evaluate(FOCUSED)
            if focused and not focused["indicator"]:
                problems.append(finding("focus-visible",
                                        f"no visible focus indicator on {focused['name']}",
                                        focused["selector"]))
        else:
            problems.append(finding("keyboard-reachable",
                                    f"cannot be reached with Tab: {by_index[f['index']]['name']}",
                                    f["selector"]))
    return problems


def check_facts(page, wording_for, text_px: int = MIN_TEXT_PX) -> list[dict]:
    """One h1, landmarks, lang/dir, title form, text size and line height, target size.
    wording_for(lang) -> (brand, error prefix) as the app says them. text_px: the body
    text size the display mode promises (≥ 18; 32 with the largest text setting)."""
    text_px = max(text_px, MIN_TEXT_PX)
    facts = page.evaluate(PAGE_FACTS, {"text": text_px, "line": MIN_LINE_HEIGHT,
                                       "target": MIN_TARGET_PX})
    problems = []
    if facts["h1"] != 1:
        problems.append(finding("one-h1", f"{facts['h1']} <h1> elements, want exactly 1",
                                "h1" if facts["h1"] else None))
    for landmark, element in (("banner", "<header>"), ("main", "<main>"),
                              ("contentinfo", "<footer>")):
        if facts[landmark] != 1:
            problems.append(finding("landmarks", f"{facts[landmark]} {landmark} landmarks "
                                    f"({element}), want 1"))
    if facts["navigation"] < 1:
        problems.append(finding("landmarks", "no navigation landmark (<nav>)"))
    if not facts["lang"]:
        problems.append(finding("html-lang-dir", "<html> has no lang"))
    if facts["dir"] not in ("ltr", "rtl"):
        problems.append(finding("html-lang-dir",
                                f"<html dir={facts['dir']!r}>, want ltr or rtl"))

    brand, error = wording_for(facts["lang"] or "zh-Hans-CN")
    title = facts["title"]
    if not (title.endswith(f" – {brand}") and title[:-len(f" – {brand}")].strip()):
        problems.append(finding("title-format",
                                f"title {title!r} is not of the form '… – {brand}'"))
    if facts["errors"] and not title.startswith(error):
        problems.append(finding("title-format", f"the page shows errors but its title "
                                f"{title!r} does not start with {error!r}"))
    if not facts["errors"] and title.startswith(error):
        problems.append(finding("title-format", f"title {title!r} starts with {error!r} "
                                "but the page shows no error"))

    def size_rule(size):
        if size < MIN_TEXT_PX - 0.01:
            return "body-text-18"
        return "text-size-setting" if size < text_px - 0.01 else "line-height"

    if facts["bodySize"] < text_px - 0.01 or facts["bodyLineHeight"] < MIN_LINE_HEIGHT:
        problems.append(finding(
            size_rule(facts["bodySize"]),
            f"body text {facts['bodySize']} px, line height {facts['bodyLineHeight']:.2f}; "
            f"want ≥ {text_px} px and ≥ {MIN_LINE_HEIGHT}", "body"))
    for t in facts["smallText"]:
        problems.append(finding(size_rule(t["size"]), f"text smaller than {text_px} px or "
                                f"lines tighter than {MIN_LINE_HEIGHT}: {t['text']}",
                                t["selector"]))
    for t in facts["smallTargets"]:
        problems.append(finding("target-44", f"target smaller than {MIN_TARGET_PX}×"
                                f"{MIN_TARGET_PX}: {t['text']}", t["selector"]))
    return problems


# Primary actions: the buttons that are not secondary (the macros' .button, and links
# styled as one), shown on the page.
PRIMARY_ACTIONS = """(least) => {
  __CSS_PATH__
  const small = [];
  for (const el of document.querySelectorAll('.button:not(.button--secondary)')) {
    const cs = getComputedStyle(el), r = el.getBoundingClientRect();
    if (cs.display === 'none' || cs.visibility === 'hidden' || r.width <= 1 || r.height <= 1
        || el.closest('.visually-hidden, template')) continue;
    if (r.width < least - 0.5 || r.height < least - 0.5)
      small.push({text: `${el.tagName.toLowerCase()} "${(el.innerText || '').trim().slice(0, 40)}": `
                        + `${r.width.toFixed(1)}×${r.height.toFixed(1)} px`, selector: cssPath(el)});
  }
  return small;
}""".replace("__CSS_PATH__", CSS_PATH)


def check_primary_targets(page, least_px: int = ELDER_PRIMARY_PX) -> list[dict]:
    """Every primary action at least least_px × least_px (MIIT: 60 in elder mode),
    measured from its bounding box."""
    return [finding("target-60-elder", f"primary action smaller than {least_px}×{least_px}: "
                    f"{t['text']}", t["selector"])
            for t in page.evaluate(PRIMARY_ACTIONS, least_px)]


def check_reflow(page) -> list[dict]:
    """No sideways scrolling at 320 CSS px (the viewport is put back afterwards)."""
    viewport = page.viewport_size
    page.set_viewport_size({"width": NARROWEST_PX, "height": viewport["height"]})
    try:
        reflow = page.evaluate(REFLOW)
    finally:
        page.set_viewport_size(viewport)
    if reflow["scrollWidth"] > reflow["clientWidth"]:
        return [finding("reflow-320", f"scrolls sideways at {NARROWEST_PX} px: "
                        f"{reflow['scrollWidth']} px wide; too wide: {reflow['wide']}",
                        reflow["selectors"][0] if reflow["selectors"] else None)]
    return []


# WCAG 1.4.12: the user's own spacing must not clip or hide any text.
TEXT_SPACING_CSS = """* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
  word-spacing: 0.16em !important; } p { margin-block-end: 2em !important; }"""
# The overrides go in a constructed style sheet: a strict Content-Security-Policy
# (style-src 'self', as the site sends) blocks an injected <style> element, but not this.
TEXT_SPACING = """(css) => {
  __CSS_PATH__
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  const root = document.documentElement;
  const clipped = [...document.body.querySelectorAll('*')].filter(el => {
    if (el.closest('.visually-hidden, .skip-link') || el.matches('input, textarea, select'))
      return false;
    const cs = getComputedStyle(el);
    const hides = v => v === 'hidden' || v === 'clip';
    return (hides(cs.overflowX) && el.scrollWidth > el.clientWidth + 1)
        || (hides(cs.overflowY) && el.scrollHeight > el.clientHeight + 1);
  }).slice(0, 5);
  const result = {sideways: root.scrollWidth > root.clientWidth,
                  clipped: clipped.map(el => el.outerHTML.replace(/\\s+/g, ' ').slice(0, 120)),
                  selectors: clipped.map(cssPath)};
  document.adoptedStyleSheets = document.adoptedStyleSheets.filter(s => s !== sheet);
  return result;
}""".replace("__CSS_PATH__", CSS_PATH)

FORCED_COLORS_STOPS = 8  # the first Tab stops: header, skip link, the page's own controls


def check_text_spacing(page) -> list[dict]:
    """WCAG 1.4.12 overrides at 320 px: nothing clipped, nothing scrolls sideways."""
    viewport = page.viewport_size
    page.set_viewport_size({"width": NARROWEST_PX, "height": viewport["height"]})
    try:
        result = page.evaluate(TEXT_SPACING, TEXT_SPACING_CSS)
    finally:
        page.set_viewport_size(viewport)
    problems = []
    if result["sideways"]:
        problems.append(finding("text-spacing", "with WCAG 1.4.12 text spacing the page "
                                f"scrolls sideways at {NARROWEST_PX} px"))
    problems += [finding("text-spacing", f"text clipped with WCAG 1.4.12 spacing: {html}",
                         selector)
                 for html, selector in zip(result["clipped"], result["selectors"])]
    return problems


def check_forced_colors(page) -> list[dict]:
    """Windows high contrast (forced colours) removes shadows and backgrounds: the
    first Tab stops must still show a focus outline."""
    page.emulate_media(forced_colors="active")
    problems = []
    try:
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        page.evaluate(FORGET_TABBED)
        for _ in range(FORCED_COLORS_STOPS):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if focused is not None and focused["inner"]:
                continue  # a part of a native control: the browser draws its ring
            if focused is None or focused["again"]:
                break
            if not focused["outline"]:
                problems.append(finding("forced-colors-focus", "no focus outline in forced "
                                        f"colours on {focused['name']}", focused["selector"]))
    finally:  # back to what the display mode emulates (modes.apply)
        page.emulate_media(forced_colors=getattr(page.context, "yiban_media", {}).get(
            "forced_colors", "none"))
    return problems


def check_requests(requests: list[str], own_url: str) -> list[dict]:
    """No request to any host but the site itself."""
    own = urlsplit(own_url).netloc
    return [finding("third-party-request", f"request to another host: {url}")
            for url in requests
            if urlsplit(url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(url).netloc != own]


def check_structure(page, wording_for, own_url: str, requests: list[str],
                    mode=None) -> list[dict]:
    """All the structure checks, in the order the test has always run them; with a
    display mode (modes.py), its text size and, in elder mode, 60 px primary actions."""
    text_px = mode.text_px if mode is not None else MIN_TEXT_PX
    problems = (check_facts(page, wording_for, text_px) + check_focus(page)
                + check_reflow(page) + check_text_spacing(page) + check_forced_colors(page)
                + check_requests(requests, own_url))
    if mode is not None and mode.primary_px:
        problems += check_primary_targets(page, mode.primary_px)
    return problems
