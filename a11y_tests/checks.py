"""The structure checks every page state must pass, as functions that
return findings instead of asserting, so that both the pytest suite (test_structure.py,
test_display_modes.py) and the audit command (python -m a11y_tests) use them. Some
depend on the display mode (modes.py): the body text size it promises (32 px with the
largest text setting) and, in elder mode, 60×60 px primary actions.

A finding is a dict: {"rule": check id (see rules.yaml), "message": what is wrong,
"selector": a CSS selector of the element concerned or None}.
"""
from __future__ import annotations

import functools
import itertools
from urllib.parse import urlsplit

from flask_babel import force_locale, gettext

from .support import error_summary_focused
from .timing import timed

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


# What has focus now, and whether its styles show it (the fallback when no screenshot
# can be compared: see focus_shown). The style indicator is an outline, or a box-shadow
# that is not there without focus (buttons carry a shadow all the time).
# Also: where it is (viewport and document coordinates, for the screenshot and the
# reading-order check), whether it is fixed on screen, its direction, its tabindex,
# and a signature of everything that decides how its focus looks (its own styles and
# those of ::before/::after, focused and not, the background behind it, how close an
# ancestor that clips is): elements with the same signature look the same when focused,
# so one screenshot comparison serves them all.
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
  const PROPS = ['outline-style', 'outline-width', 'outline-color', 'outline-offset',
    'box-shadow', 'background-color', 'background-image', 'color', 'border-top-color',
    'border-right-color', 'border-bottom-color', 'border-left-color', 'border-top-width',
    'border-right-width', 'border-bottom-width', 'border-left-width', 'border-radius',
    'text-decoration-line', 'text-decoration-color', 'text-decoration-thickness',
    'opacity', 'transform', 'filter', 'visibility', 'clip-path'];
  const PSEUDO = ['content', 'display', 'position', 'background-color', 'box-shadow',
    'outline-style', 'outline-color', 'border-top-color', 'border-top-width', 'opacity'];
  const style = () => {
    const cs = getComputedStyle(el);
    const pseudo = ['::before', '::after'].map(p => {
      const ps = getComputedStyle(el, p);
      return PSEUDO.map(k => ps.getPropertyValue(k)).join('|');
    });
    return {outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2
              && !/rgba\\(.*,\\s*0\\)$/.test(cs.outlineColor) && cs.outlineColor !== 'transparent',
            shadow: cs.boxShadow,
            look: PROPS.map(k => cs.getPropertyValue(k)).join('|') + '#' + pseudo.join('#')};
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
  // What is behind it (the first opaque background up the tree, and any image on the
  // way) and how close the nearest clipping ancestor's edges are (clamped: a ring
  // further than 16 px from an edge is not clipped by it).
  let behind = '', fixed = false, clip = '';
  for (let a = el; a; a = a.parentElement) {
    const cs = getComputedStyle(a);
    if (cs.position === 'fixed' || cs.position === 'sticky') fixed = true;
    if (a === el) continue;
    if (!behind || behind.endsWith('+')) {
      if (cs.backgroundImage !== 'none') behind += cs.backgroundImage.slice(0, 200) + '+';
      if (!/^(transparent|rgba\\(.*,\\s*0\\))$/.test(cs.backgroundColor)) behind += cs.backgroundColor;
    }
    if (!clip && (cs.overflowX !== 'visible' || cs.overflowY !== 'visible')
        && a !== document.body && a !== document.documentElement) {
      const c = a.getBoundingClientRect(), near = d => Math.max(0, Math.min(16, Math.round(d)));
      clip = [r.left - c.left, r.top - c.top, c.right - r.right, c.bottom - r.bottom].map(near).join(',');
    }
  }
  // The direction the element flows in: its parent's (a link marked dir=ltr for its
  // own words, e.g. "English" on a right-to-left page, still sits in a right-to-left line).
  const dir = getComputedStyle(el.parentElement || el).direction;
  const text = !!(el.innerText || el.value || '').trim();
  return {index, again, inner, name: describe(el), selector: cssPath(el), focusVisible: el.matches(':focus-visible'),
          outline: focused.outline,
          indicator: focused.outline || (focused.shadow !== 'none' && focused.shadow !== unfocused.shadow),
          onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
                    && r.top < innerHeight && r.left < innerWidth,
          rect: {x: r.left, y: r.top, width: r.width, height: r.height},
          box: [r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY],
          viewport: [innerWidth, innerHeight], fixed, dir, tabIndex: el.tabIndex,
          signature: [el.tagName, el.type || '', text, r.width < 4 || r.height < 4, dir,
                      focused.look, unfocused.look, behind || 'none', clip].join('~')};
}""".replace("__CSS_PATH__", CSS_PATH)

FOCUSABLE = """() => {
  __CSS_PATH__
  const all = document.querySelectorAll('*');
  const selector = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
  return [...document.querySelectorAll(selector)].filter(el => {
    const cs = getComputedStyle(el), r = el.getBoundingClientRect();
    // Inside a closed <details> only its own summary is reachable (a disclosure menu).
    const closed = el.closest('details:not([open])');
    const folded = closed && !(el.closest('summary') && el.closest('summary').parentElement === closed);
    return cs.display !== 'none' && cs.visibility !== 'hidden' && !el.closest('[inert]') && !folded
      && el.tabIndex >= 0 && (r.width > 0 || el.matches('.skip-link'));
  }).map(el => ({index: Array.prototype.indexOf.call(all, el), tabIndex: el.tabIndex,
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


def tab_through(page, on_stop=None) -> tuple[list[dict], list[dict]]:
    """Press Tab until focus comes round again; what got focus, and what went wrong.
    on_stop(focused): called at each stop while the element has focus. A stop reached
    after focus left the page (to the browser's own UI, when Tab wraps round) has
    "after_gap": it does not follow the one before it in the page's order."""
    problems, order = [], []
    page.evaluate(FORGET_TABBED)
    if page.locator("[data-error-summary]").count():
        # Let `autofocus` land first, or it pulls focus back in the middle of the walk.
        error_summary_focused(page)
    gap = False
    for _ in range(150):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            gap = True
            continue
        if focused["again"]:
            if focused["inner"]:
                continue  # the next part of the same native control
            break
        focused["after_gap"], gap = gap, False
        if on_stop is not None:
            on_stop(focused)
        order.append(focused)
    else:
        problems.append(finding("keyboard-trap",
                                "Tab never came round again (150 presses): a keyboard trap?"))
    return order, problems


# ---- focus visible: the element focused and not, compared pixel by pixel -------------
FOCUS_MARGIN_PX = 8  # round the element's box: outlines, offsets and rings drawn outside it
FOCUS_DIFF_LEVEL = 40  # a pixel counts as changed when a colour channel moves this much (of 255)
# Too few changed pixels: fewer than a 1 CSS px ring round the element would change
# (WCAG 2.4.13 asks for at least a 2 px perimeter; 2.4.7 for any visible indicator).
_FOCUS_VERDICTS: dict[str, tuple[bool, str]] = {}  # signature (+ media) -> (shown, detail)
_FOCUS_CACHE_MAX = 20_000
# How focus was judged in this process (for measuring the cost): compared by screenshots,
# the verdict of an element of the same look reused, or the styles (no screenshot).
FOCUS_STATS = {"screenshots": 0, "reused": 0, "styles": 0}
# Blur the focused element and give focus back to that very element (by reference: the
# blur may change the page, e.g. an answer checked when its field loses focus).
BLUR = "() => { const el = window.__yibanBlurred = document.activeElement; if (el) el.blur(); }"
REFOCUS = "() => { if (window.__yibanBlurred) window.__yibanBlurred.focus(); }"


def changed_pixels(before: bytes, after: bytes, level: int = FOCUS_DIFF_LEVEL) -> int:
    """How many pixels differ (any channel by `level` or more) between two PNGs."""
    import io

    from PIL import Image, ImageChops

    a = Image.open(io.BytesIO(before)).convert("RGB")
    b = Image.open(io.BytesIO(after)).convert("RGB")
    if a.size != b.size:
        return a.size[0] * a.size[1]
    r, g, bl = ImageChops.difference(a, b).split()
    most = ImageChops.lighter(ImageChops.lighter(r, g), bl)
    return sum(most.point(lambda v: 255 if v >= level else 0).histogram()[255:])


def _focus_clip(focused: dict) -> tuple[dict, float] | None:
    """The element's box plus the margin, within the viewport; and the perimeter (in
    CSS px) of the part of the element in view. None when none of it is in view."""
    r, (width, height) = focused["rect"], focused["viewport"]
    left, top = max(0.0, r["x"] - FOCUS_MARGIN_PX), max(0.0, r["y"] - FOCUS_MARGIN_PX)
    right = min(float(width), r["x"] + r["width"] + FOCUS_MARGIN_PX)
    bottom = min(float(height), r["y"] + r["height"] + FOCUS_MARGIN_PX)
    seen_w = min(width, r["x"] + r["width"]) - max(0, r["x"])
    seen_h = min(height, r["y"] + r["height"]) - max(0, r["y"])
    if right - left < 1 or bottom - top < 1 or seen_w <= 0 or seen_h <= 0:
        return None
    return ({"x": left, "y": top, "width": right - left, "height": bottom - top},
            2 * (seen_w + seen_h))


def focus_shown(page, focused: dict) -> tuple[bool | None, str]:
    """Whether the element that has focus now looks different from itself without
    focus: screenshots of its box (plus FOCUS_MARGIN_PX) focused and blurred, and the
    pixels that changed. (True/False, how many changed), or (None, why) when no
    screenshot can say (a part of a native control, nothing in view, a failure):
    then the style heuristic decides. Elements with the same look (FOCUSED's
    signature, in the same emulated media) share one comparison."""
    if focused["inner"]:
        return None, "a part of a native control"
    clip = _focus_clip(focused)
    if clip is None:
        return None, "not in view"
    media = getattr(page.context, "yiban_media", None)
    key = f"{sorted(media.items()) if media else ''}~{focused['signature']}"
    if key in _FOCUS_VERDICTS:
        FOCUS_STATS["reused"] += 1
        return _FOCUS_VERDICTS[key]
    box, perimeter = clip
    shot = {"clip": box, "animations": "disabled", "caret": "hide", "timeout": 5_000}
    try:
        with_focus = page.screenshot(**shot)
        page.evaluate(BLUR)
        try:
            without = page.screenshot(**shot)
        finally:
            page.evaluate(REFOCUS)
    except Exception as error:  # noqa: BLE001 - the style heuristic decides instead
        return None, f"no screenshot ({type(error).__name__})"
    FOCUS_STATS["screenshots"] += 1
    changed = changed_pixels(without, with_focus)
    verdict = (changed >= perimeter,
               f"{changed} pixels change on focus, want at least {perimeter:.0f} "
               "(a 1 px ring round it)")
    if len(_FOCUS_VERDICTS) < _FOCUS_CACHE_MAX:
        _FOCUS_VERDICTS[key] = verdict
    return verdict


def _judge_focus(page, focused: dict, screenshots: bool) -> None:
    """focused["shown"], ["shown_by"] and ["shown_detail"]: the screenshot's verdict,
    or the style heuristic's where no screenshot can decide."""
    shown, detail = focus_shown(page, focused) if screenshots else (None, "off")
    if shown is None:
        FOCUS_STATS["styles"] += 1
        focused["shown"], focused["shown_by"] = focused["indicator"], "styles"
        focused["shown_detail"] = f"no outline or focus shadow in its styles ({detail})"
    else:
        focused["shown"], focused["shown_by"], focused["shown_detail"] = shown, "screenshot", detail


def check_focus(page, screenshots: bool = True) -> list[dict]:
    """Every focusable element is reachable with Tab, on screen when focused, shows a
    focus indicator (by screenshot comparison; the style heuristic where no screenshot
    can decide), and Tab follows the reading order (check_tab_order)."""
    order, problems = tab_through(page, lambda f: _judge_focus(page, f, screenshots))
    for focused in order:
        if not focused["shown"]:
            problems.append(finding("focus-visible",
                                    f"no visible focus indicator on {focused['name']}: "
                                    f"{focused['shown_detail']}", focused["selector"]))
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
            if focused:
                _judge_focus(page, focused, screenshots)
                if not focused["shown"]:
                    problems.append(finding("focus-visible",
                                            f"no visible focus indicator on {focused['name']}: "
                                            f"{focused['shown_detail']}", focused["selector"]))
        else:
            problems.append(finding("keyboard-reachable",
                                    f"cannot be reached with Tab: {by_index[f['index']]['name']}",
                                    f["selector"]))
    return problems + check_tab_order(order, focusable)


# ---- Tab order follows the reading order ------------------------------------------------
ORDER_TOLERANCE_PX = 10


def _goes_back(a: dict, b: dict, tol: float = ORDER_TOLERANCE_PX) -> bool:
    """Whether stop b, reached from stop a, comes before a in the visual reading order:
    wholly above a and starting before it, or on the same line and wholly before it
    ("before": to the left; on a right-to-left page, to the right). A move up and
    towards the line's end (a column beside the one before) is not going back."""
    al, at, ar, ab = a["box"]
    bl, bt, br, bb = b["box"]
    rtl = b["dir"] == "rtl"
    above = bb <= at + tol
    same_line = not above and bt < ab - tol
    if rtl:
        starts_before, wholly_before = br > ar + tol, bl >= ar - tol
    else:
        starts_before, wholly_before = bl < al - tol, br <= al + tol
    return (above and starts_before) or (same_line and wholly_before)


def check_tab_order(order: list[dict], focusable: list[dict]) -> list[dict]:
    """No positive tabindex (it puts an element before the page's own order), and each
    Tab stop after the one before it in the reading order (tab_through's stops: those
    fixed on screen, with no box, or after focus left the page are not compared)."""
    problems = [finding("tab-order", f"tabindex={f['tabIndex']} (positive) on {f['name']}: "
                        "Tab visits it out of the page's order", f["selector"])
                for f in focusable if f.get("tabIndex", 0) > 0]
    for a, b in itertools.pairwise(order):
        if b["after_gap"] or a["fixed"] or b["fixed"] or a["inner"] or b["inner"]:
            continue
        if a["box"][2] - a["box"][0] < 1 or b["box"][2] - b["box"][0] < 1:
            continue
        if _goes_back(a, b):
            problems.append(finding(
                "tab-order", f"Tab goes back against the reading order ({b['dir']}): from "
                f"{a['name']} to {b['name']}, which comes before it on screen", b["selector"]))
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
    with timed("check: facts"):
        problems = check_facts(page, wording_for, text_px)
    with timed("check: focus (Tab walk, screenshots)"):
        problems += check_focus(page)
    with timed("check: reflow"):
        problems += check_reflow(page)
    with timed("check: text spacing"):
        problems += check_text_spacing(page)
    with timed("check: forced colours"):
        problems += check_forced_colors(page)
    problems += check_requests(requests, own_url)
    if mode is not None and mode.primary_px:
        with timed("check: elder targets"):
            problems += check_primary_targets(page, mode.primary_px)
    return problems
