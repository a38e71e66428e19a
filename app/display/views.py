"""显示设置 and 长辈版: plain form POSTs that set the display cookie and return the
citizen to where they were. htmx only makes the settings form instant."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from htmx_flask import make_response as htmx_response
from flask_babel import gettext as _

from ..core.auth import safe_next
from ..core.deps import locale
from .preferences import (COOKIE, COOKIE_MAX_AGE, DisplayPreferences, preferences,
                       with_elder)
from ..platform import Option, Question
from ..core.security import cookie_options

bp = Blueprint("display", __name__, url_prefix="/display")

AIDS = ("large_cursor", "reading_guide", "speech")


def setting_questions() -> dict[str, Question]:
    """The settings as questions, so they render through the same field macros."""
    def radio(key, label, options, hint=None):
        return Question(key=key, type="radio", label=label, hint=hint,
                        options=tuple(Option(value, text, option_hint)
                                      for value, text, option_hint in options))
    return {
        "text_size": radio("text_size", _("Text size"), [
            ("standard", _("Standard"), _("Right for most people")),
            ("large", _("Large"), _("A little bigger than standard")),
            ("larger", _("Larger"), _("The size elder mode uses")),
            ("largest", _("Largest"), _("The biggest: fewer words fit on the screen")),
        ]),
        "theme": radio("theme", _("Colours"), [
            ("auto", _("Follow my device"), _("Uses high contrast or dark colours if your device asks for them")),
            ("standard", _("Standard"), _("Dark text on white")),
            ("high", _("High contrast"), _("Black on white with stronger lines")),
            ("dark", _("Dark high contrast"), _("White and yellow on black")),
        ]),
        "spacing": radio("spacing", _("Spacing between lines and letters"), [
            ("standard", _("Standard"), None),
            ("wide", _("Wide"), None),
        ]),
        "layout": radio("layout", _("Layout"), [
            ("standard", _("Standard"), None),
            ("simple", _("Simplified"), _("One column, fewer decorations, the main button first")),
        ]),
        "aids": Question(key="aids", type="checkboxes", label=_("Reading aids"), options=(
            Option("large_cursor", _("Large mouse pointer")),
            Option("reading_guide", _("Reading guide"), _("Highlights the line under the pointer")),
            Option("speech", _("Speech controls"), _("Shows the player that reads the page aloud")),
        )),
        "speech_rate": radio("speech_rate", _("Reading speed"), [
            ("0.75", _("Slow"), None),
            ("1", _("Normal"), None),
            ("1.25", _("Fast"), None),
            ("1.5", _("Fastest"), None),
        ]),
        "speech_voice": radio("speech_voice", _("Voice for reading aloud"), [
            ("device", _("This device's voice"),
             _("If your phone or computer has a voice for this language; otherwise the server's voice")),
            ("server", _("Server voice"), _("The same voice on every device")),
        ]),
        "chinese_voice": radio("chinese_voice", _("Voice for Traditional Chinese"), [
            ("yue", _("Cantonese"), None),
            ("cmn", _("Mandarin"), None),
        ], hint=_("How pages in Traditional Chinese are read aloud")),
    }


# Shown in the settings form; the voice for Traditional Chinese only where it is used.
def shown_settings() -> tuple[str, ...]:
    keys = ("text_size", "theme", "spacing", "layout", "aids", "speech_rate", "speech_voice")
    return keys + ("chinese_voice",) if locale() == "zh_Hant" else keys


@dataclass(frozen=True)
class SettingField:
    """What the field macros need of a field: settings have no errors to show."""
    name: str
    data: object
    errors: tuple = ()

    @property
    def id(self) -> str:
        return self.name


def fields_for(prefs: DisplayPreferences) -> dict[str, SettingField]:
    fields = {key: SettingField(key, getattr(prefs, key))
              for key in ("text_size", "theme", "spacing", "layout", "speech_rate",
                          "speech_voice", "chinese_voice")}
    fields["aids"] = SettingField("aids", [aid for aid in AIDS if getattr(prefs, aid)])
    return fields


def posted_preferences() -> DisplayPreferences:
    values = {key: request.form.get(key) for key in
              ("text_size", "theme", "spacing", "layout", "speech_rate", "speech_voice")}
    # Only the 繁體中文 form asks for the voice; elsewhere the reader's choice stays.
    values["chinese_voice"] = request.form.get("chinese_voice") or preferences().chinese_voice
    aids = request.form.getlist("aids")
    values.update({aid: "1" if aid in aids else "0" for aid in AIDS})
    return DisplayPreferences.from_values(values)


def with_cookie(response, prefs: DisplayPreferences):
    response.set_cookie(COOKIE, prefs.to_cookie(), max_age=COOKIE_MAX_AGE, **cookie_options())
    return response


@bp.get("")
def settings():
    prefs = preferences().effective()
    return render_template("display/settings.html", fields=fields_for(prefs),
                           questions=setting_questions(), shown=shown_settings(),
                           next_path=safe_next(request.args.get("next"), ""))


@bp.post("")
def save():
    """Saving one's own settings leaves 长辈版: the page then shows exactly what was chosen."""
    prefs = posted_preferences()
    message = _("Your display settings are saved.")
    if request.htmx:
        # yiban.js applies the new attributes to <html> at once.
        response = htmx_response(render_template("display/_saved.html", message=message),
                                 trigger={"yiban:display": prefs.html_attributes()})
        return with_cookie(response, prefs)
    flash(message)
    next_path = safe_next(request.form.get("next"), url_for("display.settings"))
    return with_cookie(redirect(next_path), prefs)


@bp.post("/elder")
def elder():
    """One press turns 长辈版 on or off; the citizen's own settings are kept underneath."""
    on = request.form.get("on") == "1"
    flash(_("Elder mode is on: large text, high contrast, a simpler page and speech.")
          if on else _("Elder mode is off."))
    response = redirect(safe_next(request.form.get("next")))
    return with_cookie(response, with_elder(preferences(), on))

