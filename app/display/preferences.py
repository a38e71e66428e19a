"""Display preferences (text size, theme, spacing, layout, cursor, reading guide,
speech) kept in a cookie, so the very first server render is already right.

The cookie holds the citizen's own settings plus an `elder` flag: while 长辈版 is on,
the elder preset is what the page uses, and turning it off brings back the
citizen's own settings unchanged."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from urllib.parse import parse_qsl, urlencode

from flask import g, request

COOKIE = "yiban_display"
COOKIE_MAX_AGE = 365 * 24 * 3600

# Each setting: its allowed values, the first being the default.
TEXT_SIZES = ("standard", "large", "larger", "largest")  # 18, 22, 26, 32 CSS px
THEMES = ("auto", "standard", "high", "dark")  # auto follows prefers-contrast / -color-scheme
SPACINGS = ("standard", "wide")
LAYOUTS = ("standard", "simple")
SPEECH_RATES = ("1", "0.75", "1.25", "1.5")
# The spoken language of Traditional Chinese text (app/speech/voices.py): Cantonese
# (the default) or Mandarin.
CHINESE_VOICES = ("yue", "cmn")
# Who speaks 朗读本页 (static/js/speech.js): the device's own voice for the page's language
# when it has one (phones ship good Mandarin voices), else the server's audio; or always
# the server's. Without JavaScript the server's audio is all there is.
SPEECH_VOICES = ("device", "server")
TEXT_SIZE_PX = {"standard": 18, "large": 22, "larger": 26, "largest": 32}

CHOICES = {
    "text_size": TEXT_SIZES,
    "theme": THEMES,
    "spacing": SPACINGS,
    "layout": LAYOUTS,
    "speech_rate": SPEECH_RATES,
    "chinese_voice": CHINESE_VOICES,
    "speech_voice": SPEECH_VOICES,
}
SWITCHES = ("large_cursor", "reading_guide", "speech")


@dataclass(frozen=True)
class DisplayPreferences:
    text_size: str = "standard"
    theme: str = "auto"
    spacing: str = "standard"
    layout: str = "standard"
    large_cursor: bool = False
    reading_guide: bool = False
    speech: bool = False
    speech_rate: str = "1"
    chinese_voice: str = CHINESE_VOICES[0]
    speech_voice: str = SPEECH_VOICES[0]
    elder: bool = False

    def effective(self) -> DisplayPreferences:
        """What the page uses: the elder preset while 长辈版 is on (with the reader's own
        voices: a Cantonese listener stays with Cantonese, a device voice with it)."""
        if not self.elder:
            return self
        return replace(ELDER_PRESET, chinese_voice=self.chinese_voice,
                       speech_voice=self.speech_voice)

    def to_cookie(self) -> str:
        values = asdict(self)
        return urlencode({k: ("1" if v else "0") if isinstance(v, bool) else v
                          for k, v in values.items()})

    @classmethod
    def from_cookie(cls, raw: str | None) -> DisplayPreferences:
        """Unknown keys and values are ignored: a damaged cookie gives the defaults."""
        values = dict(parse_qsl(raw or "", keep_blank_values=False))
        return cls.from_values(values)

    @classmethod
    def from_values(cls, values) -> DisplayPreferences:
        """From a cookie or a posted form; anything not allowed keeps its default."""
        prefs = {}
        for key, allowed in CHOICES.items():
            if values.get(key) in allowed:
                prefs[key] = values.get(key)
        for key in (*SWITCHES, "elder"):
            prefs[key] = values.get(key) in ("1", "on", "true")
        return cls(**prefs)

    def html_attributes(self) -> dict[str, str]:
        """data-* attributes on <html> that the stylesheet keys on."""
        return {
            "data-text-size": self.text_size,
            "data-theme": self.theme,
            "data-spacing": self.spacing,
            "data-layout": self.layout,
            "data-cursor": "large" if self.large_cursor else "standard",
            "data-guide": "on" if self.reading_guide else "off",
            "data-speech": "on" if self.speech else "off",
            "data-elder": "on" if self.elder else "off",
        }


ELDER_PRESET = DisplayPreferences(
    text_size="larger", theme="high", spacing="wide", layout="simple",
    large_cursor=True, reading_guide=False, speech=True, speech_rate="1", elder=True)


def preferences() -> DisplayPreferences:
    """The request's stored preferences (own settings plus the elder flag), read once."""
    if "display" not in g:
        g.display = DisplayPreferences.from_cookie(request.cookies.get(COOKIE))
    return g.display


def current_display() -> DisplayPreferences:
    """What this page is rendered with."""
    return preferences().effective()


def with_elder(prefs: DisplayPreferences, on: bool) -> DisplayPreferences:
    return replace(prefs, elder=on)
