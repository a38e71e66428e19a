"""The display modes' behaviour beyond one page's audit (each page state in each display
mode, language and JS setting is audited by python -m a11y_tests, which applies the
mode's own numbers: text size, 44 px targets, 60 px primary actions in elder mode,
reflow and text spacing):

- with no cookie, the device's prefers-contrast: more / prefers-color-scheme: dark
  give the high-contrast / dark colours; under forced colours (Windows high contrast)
  every focused element keeps its outline.
- 显示设置 works without JavaScript (a plain POST, then the page it came from, already
  in the new settings) and with it (htmx: the new attributes at once, no reload, the
  status says so, focus stays on the radio); the 长辈版 button works from the header of
  every kind of page with the keyboard alone and comes back to the same page; the
  reading guide's band is there only while the guide is on, and hidden from
  assistive technology.
"""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

import pytest

from .checks import check_primary_targets, tab_through
from .modes import (
    DARK,
    DEVICE_DARK,
    DEVICE_HIGH,
    ELDER,
    FORCED_COLORS,
    HIGH,
    MODES,
    STANDARD,
    Mode,
)
from .states import STATES

pytestmark = pytest.mark.a11y

STATE = {s.id: s for s in STATES}


# ---- text sizes ------------------------------------------------------------------------
BODY_FONT = "() => parseFloat(getComputedStyle(document.body).fontSize)"


@pytest.mark.only_js("on")
def test_every_text_size_step_gives_its_size(open_state):
    """18 px standard (the MIIT floor), then 22, 26 and the largest 32 px (≥ 30)."""
    sizes = {}
    for name, pixels in (("standard", 18), ("large", 22), ("larger", 26), ("largest", 32)):
        step = Mode(f"text-{name}", name, {"text_size": name},
                    html={"data-text-size": name})
        page = open_state(STATE["service-bundle"], step)
        sizes[name] = (page.evaluate(BODY_FONT), pixels)
    assert all(abs(got - want) < 0.01 for got, want in sizes.values()), sizes
    # No cookie at all: standard.
    page = open_state(STATE["service-bundle"], STANDARD)
    assert page.evaluate(BODY_FONT) == 18


# ---- what the device asks for -------------------------------------------------------------
PALETTE = """() => {
  const pick = (selector, props) => {
    const el = document.querySelector(selector);
    const cs = getComputedStyle(el);
    return props.map(p => `${selector} ${p}: ${cs.getPropertyValue(p)}`);
  };
  return [...pick('body', ['color', 'background-color']),
          ...pick('main a', ['color']),
          ...pick('.site-header', ['background-color', 'border-bottom-color']),
          ...pick('.button', ['color', 'background-color']),
          ...pick('.site-footer', ['background-color'])];
}"""


@pytest.mark.only_js("on")
@pytest.mark.parametrize(("device", "theme"), [(DEVICE_HIGH, HIGH), (DEVICE_DARK, DARK)],
                         ids=["prefers-contrast-more", "prefers-color-scheme-dark"])
def test_with_no_cookie_the_device_preference_chooses_the_theme(device, theme,
                                                                open_state):
    state = STATE["service-bundle"]  # links, a button, header and footer
    standard = open_state(state, STANDARD).evaluate(PALETTE)
    chosen = open_state(state, theme).evaluate(PALETTE)
    followed = open_state(state, device).evaluate(PALETTE)
    assert followed == chosen, f"{device.id} does not give the {theme.id} colours"
    assert followed != standard
    # A theme the citizen chose wins over the device.
    explicit = replace(device, id=f"standard-on-{device.id}", preferences={"theme": "standard"},
                       html={"data-theme": "standard"})
    assert open_state(state, explicit).evaluate(PALETTE) == standard


@pytest.mark.only_js("on")
@pytest.mark.parametrize("state", ["service-bundle", "question-date-invalid",
                                   "question-radio-empty", "check-answers-complete",
                                   "display-settings", "application-timeline"])
@pytest.mark.parametrize("base", [STANDARD, ELDER, DARK], ids=str)
def test_forced_colours_keep_every_focus_outline(state, base, open_state):
    """Windows high contrast drops shadows and backgrounds: every Tab stop (the whole
    page, not only the first ones as in test_structure) still shows an outline."""
    mode = replace(base, id=f"{base.id}+forced-colors", media=FORCED_COLORS.media)
    page = open_state(STATE[state], mode)
    assert page.evaluate("() => matchMedia('(forced-colors: active)').matches")
    order, problems = tab_through(page)
    assert len(order) > 5 and not problems
    missing = [f["name"] for f in order if not f["outline"]]
    assert not missing, f"no focus outline under forced colours in {base.id} mode: {missing}"


# ---- 显示设置 ----------------------------------------------------------------------------
HTML_DATA = "() => ({...document.documentElement.dataset})"


@pytest.mark.only_js("off")
def test_settings_without_javascript_post_and_return_to_the_page(open_state):
    page = open_state(STATE["service-bundle"], STANDARD)
    page.locator("header a[href^='/display']").click()
    assert urlsplit(page.url).path == "/display"
    page.locator("label[for=text_size-4]").click()  # largest
    page.locator("label[for=theme-4]").click()  # dark
    page.locator("label[for=aids-2]").click()  # reading guide
    with page.expect_navigation():
        page.locator("main form.display-form button[type=submit]").click()
    assert urlsplit(page.url).path == "/services/retirement", "not back on the page"
    data = page.evaluate(HTML_DATA)
    assert (data["textSize"], data["theme"], data["guide"]) == ("largest", "dark", "on"), data
    assert page.locator("main .notification--status").count() == 1
    assert page.evaluate(BODY_FONT) == 32
    # …and on every later page.
    page.goto("/sign-in")
    assert page.evaluate(HTML_DATA)["textSize"] == "largest"


@pytest.mark.only_js("on")
def test_settings_with_javascript_apply_at_once_and_keep_focus(open_state):
    """Through htmx (its data-hx-* attributes), under the site's Content-Security-Policy:
    no policy violation, and htmx injects no <style> of its own."""
    page = open_state(STATE["display-settings"], STANDARD)
    page.evaluate("() => { window.__samePage = true; window.__csp = [];"  # gone on reload
                  " document.addEventListener('securitypolicyviolation', e =>"
                  " window.__csp.push(e.violatedDirective + ' ' + e.blockedURI)); }")
    largest = page.locator("#text_size-4")
    page.locator("#text_size-1").focus()
    page.keyboard.press("ArrowDown")  # the keyboard way: standard -> large
    page.locator("html[data-text-size=large]").wait_for(state="attached")
    status = page.locator("#display-status")
    assert status.get_attribute("role") == "status"
    status.locator(".display-form__saved").wait_for()
    assert status.inner_text().strip()
    assert page.evaluate("() => document.activeElement.id") == "text_size-2"
    assert page.evaluate(BODY_FONT) == 22
    # A pointer too; the theme changes the colours at once.
    largest.check()
    page.locator("html[data-text-size=largest]").wait_for(state="attached")
    page.locator("#theme-4").check()
    page.locator("html[data-theme=dark]").wait_for(state="attached")
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == \
        "rgb(0, 0, 0)"
    assert page.evaluate("() => window.__samePage") is True, "the page was reloaded"
    assert page.evaluate("() => document.activeElement.id") == "theme-4"
    assert page.evaluate("() => window.__csp") == []
    assert page.evaluate("() => document.querySelectorAll('style').length") == 0
    # The cookie keeps it for the next page.
    page.goto("/")
    data = page.evaluate(HTML_DATA)
    assert (data["textSize"], data["theme"]) == ("largest", "dark")


# ---- 长辈版 from every header ------------------------------------------------------------------
PAGE_KINDS = ["home", "search-results", "service-bundle", "sign-in", "not-found",
              "display-settings", "question-address-empty", "check-answers-complete",
              "my-applications", "application-timeline"]
ELDER_BUTTON = "header .elder-toggle__button"


def tab_to(page, selector: str, limit: int = 40) -> None:
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_elder_mode_by_keyboard_from_the_header_returns_to_the_same_page(js, kind,
                                                                         open_state):
    page = open_state(STATE[kind], STANDARD)
    where = page.url
    for on, key in ((True, "Enter"), (False, "Space")):
        tab_to(page, ELDER_BUTTON)
        with page.expect_navigation():
            page.keyboard.press(key)
        assert page.url == where, f"pressing 长辈版 went to {page.url}, not {where}"
        data = page.evaluate(HTML_DATA)
        assert data["elder"] == ("on" if on else "off"), data
        assert (data["theme"], data["layout"]) == (("high", "simple") if on
                                                  else ("auto", "standard")), data
        assert page.locator(".notification--status").count() == 1


@pytest.mark.only_js("on")
def test_elder_mode_primary_actions_and_targets(open_state):
    """Beyond every state's own check: the header button itself and the start button
    of a service page are 60×60 in elder mode, and only then."""
    page = open_state(STATE["service-bundle"], ELDER)
    for selector in (ELDER_BUTTON, "main .button--start"):
        box = page.locator(selector).first.bounding_box()
        assert box["width"] >= 60 and box["height"] >= 60, (selector, box)
    assert check_primary_targets(page, 60) == []
    page = open_state(STATE["service-bundle"], STANDARD)
    assert page.locator(ELDER_BUTTON).bounding_box()["height"] < 60


# ---- the reading guide ---------------------------------------------------------------------
GUIDE = Mode("guide", "reading guide on", {"reading_guide": "1"}, html={"data-guide": "on"})


@pytest.mark.only_js("on")
def test_reading_guide_band_only_while_on_and_hidden_from_assistive_technology(
                                                                               open_state):
    page = open_state(STATE["service-bundle"], STANDARD)
    assert page.locator(".reading-guide").count() == 0

    page = open_state(STATE["service-bundle"], GUIDE)
    band = page.locator(".reading-guide")
    assert band.count() == 1 and band.get_attribute("aria-hidden") == "true"
    page.mouse.move(200, 400)
    box = band.bounding_box()
    assert box and box["y"] < 400 < box["y"] + box["height"], box
    page.mouse.move(200, 600)
    assert band.bounding_box()["y"] > box["y"], "the band does not follow the pointer"

    # Switched off (and on again) in 显示设置 without a reload.
    page.goto("/display")
    page.locator("#aids-2").uncheck()
    page.locator("html[data-guide=off]").wait_for(state="attached")
    assert page.locator(".reading-guide").count() == 0
    page.locator("#aids-2").check()
    page.locator("html[data-guide=on]").wait_for(state="attached")
    assert page.locator(".reading-guide").count() == 1


def test_every_mode_is_described_and_distinct():
    """The modes are data (modes.py): each one applied gives a different <html>."""
    signatures = {(m.cookie, tuple(sorted(m.emulation().items()))) for m in MODES.values()}
    assert len(signatures) == len(MODES)
    from app.display.preferences import DisplayPreferences
    for mode in MODES.values():
        prefs = DisplayPreferences.from_cookie(mode.cookie).effective()
        attributes = prefs.html_attributes()
        assert {k: v for k, v in attributes.items() if k in mode.html} == mode.html, mode.id


def test_every_language_of_the_app_can_be_audited(live_server):
    """--locales takes every language the app serves, each with its <html lang>."""
    from app.core.i18n import html_lang

    from .modes import LOCALES
    for code in live_server.app.config["LOCALES"]:
        assert code in LOCALES, f"modes.LOCALES lacks {code}"
        assert LOCALES[code].html_lang == html_lang(code)
