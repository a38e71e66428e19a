"""The structure every page state must have, JS on and off (DESIGN.md §3), as a checklist:

- exactly one <h1>; the landmarks banner (header), navigation, main and contentinfo
  (footer); <html lang> (and dir) set
- a title "… – 易办", starting "错误：" when the page shows errors (both read from the
  app's own catalogue for the page's language, so the check holds in any locale)
- body text at least 18 CSS px with a line height of at least 1.5
  (body text contrast ≥ 7:1 is axe's color-contrast-enhanced, run in test_pages)
- no horizontal scrolling at 320 CSS px (WCAG 1.4.10)
- every focusable element reachable with Tab and showing a focus indicator
- every target at least 44×44 CSS px, except links inside a sentence (WCAG 2.5.5)
- no request to any host but the site itself
"""
from __future__ import annotations

import functools
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale, gettext

from .states import STATES

pytestmark = pytest.mark.a11y

MIN_TEXT_PX = 18
MIN_LINE_HEIGHT = 1.5
MIN_TARGET_PX = 44
NARROWEST_PX = 320

# Facts about the page as rendered. Plain synchronous DOM reads: they work in a page
# whose own JavaScript is off too (Playwright evaluates them from outside the page).
PAGE_FACTS = """() => {
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
    if (size < %(text)s - 0.01 || lineHeight < %(line)s * size - 0.01)
      small.push(`${describe(el)}: ${size}px / line height ${(lineHeight / size).toFixed(2)}`);
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
    if (width < %(target)s - 0.5 || height < %(target)s - 0.5)
      tooSmall.push(`${describe(el)}: ${width.toFixed(1)}×${height.toFixed(1)} px`);
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
}""" % {"text": MIN_TEXT_PX, "line": MIN_LINE_HEIGHT, "target": MIN_TARGET_PX}

REFLOW = """() => {
  const root = document.documentElement;
  const wide = [...document.body.querySelectorAll('*')]
    .filter(el => el.getBoundingClientRect().right > root.clientWidth + 0.5)
    .filter(el => !el.closest('.visually-hidden, .skip-link'))
    .slice(0, 5).map(el => el.outerHTML.replace(/\\s+/g, ' ').slice(0, 120));
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide};
}"""

# What has focus now, and whether it shows it. The indicator is an outline, or a
# box-shadow that is not there without focus (buttons carry a shadow all the time).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const all = document.querySelectorAll('*');
  const index = Array.prototype.indexOf.call(all, el);
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
  // The same element without focus, for comparison (then focus goes back where it was).
  el.blur();
  const unfocused = style();
  el.focus();
  const r = el.getBoundingClientRect();
  return {index, name: describe(el), focusVisible: el.matches(':focus-visible'),
          indicator: focused.outline || (focused.shadow !== 'none' && focused.shadow !== unfocused.shadow),
          onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
                    && r.top < innerHeight && r.left < innerWidth};
}"""

FOCUSABLE = """() => {
  const all = document.querySelectorAll('*');
  const selector = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
  return [...document.querySelectorAll(selector)].filter(el => {
    const cs = getComputedStyle(el), r = el.getBoundingClientRect();
    return cs.display !== 'none' && cs.visibility !== 'hidden' && !el.closest('[inert]')
      && el.tabIndex >= 0 && (r.width > 0 || el.matches('.skip-link'));
  }).map(el => ({index: Array.prototype.indexOf.call(all, el),
                 radioGroup: el.matches('input[type=radio]') ? el.name : null,
                 name: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' +
                       (el.innerText || el.value || '').trim().slice(0, 30) + '"'}));
}"""

FOCUS_BY_INDEX = "index => { document.querySelectorAll('*')[index].focus(); }"


@functools.cache
def wording(app, lang: str) -> tuple[str, str]:
    """("Yiban", "Error:") as the app says them in the page's language."""
    with app.test_request_context(), force_locale(lang.replace("-", "_")):
        return gettext("Yiban"), gettext("Error:")


def tab_through(page) -> tuple[list[dict], list[str]]:
    """Press Tab until focus comes round again; what got focus, and what went wrong."""
    problems, seen, order = [], set(), []
    for _ in range(150):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        if focused["index"] in seen:
            break
        seen.add(focused["index"])
        order.append(focused)
    else:
        problems.append("Tab never came round again (150 presses): a keyboard trap?")
    return order, problems


def focus_problems(page) -> list[str]:
    order, problems = tab_through(page)
    reached = {f["index"] for f in order}
    for focused in order:
        if not focused["indicator"]:
            problems.append(f"no visible focus indicator on {focused['name']}")
        if not focused["onScreen"]:
            problems.append(f"focused but not on screen: {focused['name']}")
    # Only the checked (or first) radio of a group is a Tab stop; the arrow keys move
    # within the group. Check the focus indicator of the others directly.
    radio_groups_reached = set()
    focusable = page.evaluate(FOCUSABLE)
    by_index = {f["index"]: f for f in focusable}
    for f in focusable:
        if f["index"] in reached and f["radioGroup"]:
            radio_groups_reached.add(f["radioGroup"])
    for f in focusable:
        if f["index"] in reached:
            continue
        if f["radioGroup"] in radio_groups_reached:
            page.evaluate(FOCUS_BY_INDEX, f["index"])
            focused = page.evaluate(FOCUSED)
            if focused and not focused["indicator"]:
                problems.append(f"no visible focus indicator on {focused['name']}")
        else:
            problems.append(f"cannot be reached with Tab: {by_index[f['index']]['name']}")
    return problems


@pytest.mark.parametrize("state", STATES, ids=str)
def test_page_structure(state, open_state, live_server):
    page = open_state(state)
    facts = page.evaluate(PAGE_FACTS)
    problems = []

    if facts["h1"] != 1:
        problems.append(f"{facts['h1']} <h1> elements, want exactly 1")
    for landmark, element in (("banner", "<header>"), ("main", "<main>"),
                              ("contentinfo", "<footer>")):
        if facts[landmark] != 1:
            problems.append(f"{facts[landmark]} {landmark} landmarks ({element}), want 1")
    if facts["navigation"] < 1:
        problems.append("no navigation landmark (<nav>)")
    if not facts["lang"]:
        problems.append("<html> has no lang")
    if facts["dir"] not in ("ltr", "rtl"):
        problems.append(f"<html dir={facts['dir']!r}>, want ltr or rtl")

    brand, error = wording(live_server.app, facts["lang"] or "zh-Hans-CN")
    title = facts["title"]
    if not (title.endswith(f" – {brand}") and title[:-len(f" – {brand}")].strip()):
        problems.append(f"title {title!r} is not of the form '… – {brand}'")
    if facts["errors"] and not title.startswith(error):
        problems.append(f"the page shows errors but its title {title!r} does not start "
                        f"with {error!r}")
    if not facts["errors"] and title.startswith(error):
        problems.append(f"title {title!r} starts with {error!r} but the page shows no error")

    if facts["bodySize"] < MIN_TEXT_PX or facts["bodyLineHeight"] < MIN_LINE_HEIGHT:
        problems.append(f"body text {facts['bodySize']} px, line height "
                        f"{facts['bodyLineHeight']:.2f}; want ≥ {MIN_TEXT_PX} px and ≥ "
                        f"{MIN_LINE_HEIGHT}")
    problems += [f"text smaller than {MIN_TEXT_PX} px or lines tighter than "
                 f"{MIN_LINE_HEIGHT}: {t}" for t in facts["smallText"]]
    problems += [f"target smaller than {MIN_TARGET_PX}×{MIN_TARGET_PX}: {t}"
                 for t in facts["smallTargets"]]

    problems += focus_problems(page)

    viewport = page.viewport_size
    page.set_viewport_size({"width": NARROWEST_PX, "height": viewport["height"]})
    try:
        reflow = page.evaluate(REFLOW)
    finally:
        page.set_viewport_size(viewport)
    if reflow["scrollWidth"] > reflow["clientWidth"]:
        problems.append(f"scrolls sideways at {NARROWEST_PX} px: {reflow['scrollWidth']} px "
                        f"wide; too wide: {reflow['wide']}")

    own = urlsplit(live_server.url).netloc
    foreign = [url for url in page.yiban_requests
               if urlsplit(url).scheme in ("http", "https", "ws", "wss")
               and urlsplit(url).netloc != own]
    problems += [f"request to another host: {url}" for url in foreign]

    assert not problems, f"{state.id} ({page.url}):\n  - " + "\n  - ".join(problems)
