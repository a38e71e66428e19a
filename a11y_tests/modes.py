"""The display modes and languages the audits run pages in, as data in one place.

A display mode is what a citizen chose in 显示设置 (or 长辈版), applied the way the site
itself keeps it: the `yiban_display` cookie, a urlencoded query string (see
app/display/preferences.py, DisplayPreferences.to_cookie). It is set on the browser context for
the site's URL, so it works on a deployment (--base-url) just as on the local app.
"standard" is no cookie at all: what a first visitor gets.

Some modes are not a cookie but the device: with no cookie the theme is "auto", and the
stylesheet follows `prefers-contrast: more` and `prefers-color-scheme: dark`; Windows
high contrast is `forced-colors: active`. Those are emulated media features of the
browser (Playwright's emulate_media), not anything the site stores.

A language is a browser in that language (its Accept-Language: the context's locale,
fixed when the context is made, see context_options) with the `yiban_lang` cookie
(app/core/i18n.py) set to it, as if the citizen had also picked it in the header.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from .support import CONTEXT_OPTIONS, DEFAULT_MEDIA, tab

DISPLAY_COOKIE = "yiban_display"  # app.display.COOKIE
LOCALE_COOKIE = "yiban_lang"  # app.i18n.LOCALE_COOKIE


@dataclass(frozen=True)
class Mode:
    id: str
    description: str
    # The display settings in the cookie ({}: no cookie).
    preferences: dict = field(default_factory=dict)
    # Emulated media features, over DEFAULT_MEDIA (a plain laptop browser).
    media: dict = field(default_factory=dict)
    # What <html> must carry in this mode (proof that the mode really is applied).
    html: dict = field(default_factory=dict)
    # Body text at least this many CSS px.
    text_px: int = 18
    # Primary actions (.button:not(.button--secondary)) at least this many CSS px
    # square (None: the general 44 px target rule only).
    primary_px: int | None = None
    # The theme whose colours the page must show (for the emulated device themes).
    palette: str | None = None

    def __str__(self):
        return self.id

    @property
    def cookie(self) -> str | None:
        """The value of the yiban_display cookie, or None for no cookie."""
        return urlencode(self.preferences) or None

    def emulation(self) -> dict:
        """Every emulated media feature, so that switching modes leaves nothing behind."""
        return {**DEFAULT_MEDIA, **self.media}


STANDARD = Mode("standard", "no display cookie: what a first visitor gets (18 px text, "
                "the device's own theme, here light with no contrast preference)",
                html={"data-text-size": "standard", "data-theme": "auto",
                      "data-elder": "off"})
LARGE = Mode("large", "the largest text size (32 px)", {"text_size": "largest"},
             html={"data-text-size": "largest", "data-elder": "off"}, text_px=32)
HIGH = Mode("high", "the high-contrast theme", {"theme": "high"},
            html={"data-theme": "high", "data-elder": "off"})
DARK = Mode("dark", "the dark high-contrast theme", {"theme": "dark"},
            html={"data-theme": "dark", "data-elder": "off"})
ELDER = Mode("elder", "长辈版 (elder mode): larger text, high contrast, wide spacing, simple "
             "layout, speech on, primary actions at least 60×60 px", {"elder": "1"},
             html={"data-elder": "on", "data-text-size": "larger", "data-theme": "high",
                   "data-spacing": "wide", "data-layout": "simple", "data-speech": "on"},
             text_px=26, primary_px=60)
# The device asks, the site has no cookie: the "auto" theme must follow it.
DEVICE_HIGH = Mode("device-high", "no cookie; the device asks for more contrast "
                   "(prefers-contrast: more)", media={"contrast": "more"},
                   html={"data-theme": "auto"}, palette="high")
DEVICE_DARK = Mode("device-dark", "no cookie; the device is in dark mode "
                   "(prefers-color-scheme: dark)", media={"color_scheme": "dark"},
                   html={"data-theme": "auto"}, palette="dark")
FORCED_COLORS = Mode("forced-colors", "no cookie; Windows high contrast "
                     "(forced-colors: active)", media={"forced_colors": "active"},
                     html={"data-theme": "auto"})

MODES = {m.id: m for m in (STANDARD, LARGE, HIGH, DARK, ELDER,
                           DEVICE_HIGH, DEVICE_DARK, FORCED_COLORS)}
# What the audit command runs unless told otherwise (--modes).
DEFAULT_MODES = ("standard", "large", "high", "dark", "elder")


@dataclass(frozen=True)
class Locale:
    code: str  # as the app names it (app.config["LOCALES"])
    browser: str  # the browser's own locale: its Accept-Language and navigator.language
    html_lang: str  # what <html lang> must say

    def __str__(self):
        return self.code


# The languages the front offers (app.config["LOCALES"]).
LOCALES = {loc.code: loc for loc in (
    Locale("zh_Hans_CN", "zh-CN", "zh-Hans-CN"),
    Locale("zh_Hant", "zh-TW", "zh-Hant"),
    Locale("en", "en-GB", "en"),
    Locale("ug", "ug-CN", "ug"),  # Uyghur, right to left
)}
# What the audit command runs unless told otherwise (--locales).
DEFAULT_LOCALES = ("zh_Hans_CN", "en")


def context_options(locale: Locale | None = None, mode: Mode | None = None) -> dict:
    """Options for browser.new_context: the audits' usual browser, in the language's
    locale (the Accept-Language it sends) and with the mode's emulated media."""
    options = dict(CONTEXT_OPTIONS)
    if locale is not None:
        options["locale"] = locale.browser
    if mode is not None:
        options.update(mode.emulation())
    return options


def pick(names, table: dict, what: str) -> list:
    """Look names up (a comma-separated string or a list); ValueError names the choices."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in names if n not in table]
    if unknown or not names:
        raise ValueError(f"unknown {what} {', '.join(unknown) or '(none given)'}; "
                         f"choose from {', '.join(table)}")
    return [table[n] for n in dict.fromkeys(names)]


def apply(context, base_url: str, mode: Mode, locale: Locale | None = None) -> None:
    """Put the context (and its tab) in the display mode, and the language if given:
    the cookies for base_url replace whatever the site set before; the media features
    are emulated on the tab (and on the JS-off audit's replay, which reads them from
    the context). Takes effect at the next page load. (The Accept-Language is the
    context's own: make it with context_options(locale).)"""
    context.clear_cookies(name=DISPLAY_COOKIE)
    cookies = []
    if mode.cookie:
        cookies.append({"name": DISPLAY_COOKIE, "value": mode.cookie, "url": base_url})
    if locale is not None:
        context.clear_cookies(name=LOCALE_COOKIE)
        cookies.append({"name": LOCALE_COOKIE, "value": locale.code, "url": base_url})
        context.yiban_locale = locale
    if cookies:
        context.add_cookies(cookies)
    context.yiban_mode = mode
    context.yiban_media = mode.emulation()
    tab(context).emulate_media(**context.yiban_media)


HTML_ATTRIBUTES = """() => Object.fromEntries([...document.documentElement.attributes]
  .filter(a => a.name.startsWith('data-') || a.name === 'lang').map(a => [a.name, a.value]))"""


def mode_problem(page, mode: Mode | None, locale: Locale | None = None) -> str | None:
    """Why the page is not in the mode (and language), or None: its <html> must carry
    the mode's data-* attributes (and lang). mode None: the language only."""
    attributes = page.evaluate(HTML_ATTRIBUTES)
    wanted = dict(mode.html) if mode is not None else {}
    if locale is not None:
        wanted["lang"] = locale.html_lang
    wrong = {k: attributes.get(k) for k, v in wanted.items() if attributes.get(k) != v}
    if wrong:
        return (", ".join(filter(None, (mode and f"display mode {mode.id}",
                                        locale and f"language {locale.code}")))
                + f" not applied: <html> has {wrong}, want "
                + str({k: wanted[k] for k in wrong}))
    return None
