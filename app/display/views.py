"""显示设置 and 长辈版: plain form POSTs that set the display cookie and return the
citizen to where they were. htmx only makes the settings form instant."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from htmx_flask import make_response as htmx_response
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import Form

from ..core.auth import safe_next
from ..core.deps import locale
from ..core.extensions import csrf
from .preferences import (COOKIE, COOKIE_MAX_AGE, DisplayPreferences, preferences,
                       with_elder)
from ..forms.declared import checkboxes_field, radio_field
from ..core.security import cookie_options

bp = Blueprint("display", __name__, url_prefix="/display")

AIDS = ("large_cursor", "reading_guide", "speech")


class SettingsForm(Form):
    """The display settings, shown through the same components as any question. Saving
    reads the posted values itself (`posted_preferences`): any value is safe there."""

    text_size = radio_field(_l("Text size"), [
        ("standard", _l("Standard"), _l("Right for most people")),
        ("large", _l("Large"), _l("A little bigger than standard")),
        ("larger", _l("Larger"), _l("The size elder mode uses")),
        ("largest", _l("Largest"), _l("The biggest: fewer words fit on the screen")),
    ])
    theme = radio_field(_l("Colours"), [
        ("auto", _l("Follow my device"), _l("Uses high contrast or dark colours if your device asks for them")),
        ("standard", _l("Standard"), _l("Dark text on white")),
        ("high", _l("High contrast"), _l("Black on white with stronger lines")),
        ("dark", _l("Dark high contrast"), _l("White and yellow on black")),
    ])
    spacing = radio_field(_l("Spacing between lines and letters"), [
        ("standard", _l("Standard")),
        ("wide", _l("Wide")),
    ])
    layout = radio_field(_l("Layout"), [
        ("standard", _l("Standard")),
        ("simple", _l("Simplified"), _l("One column, fewer decorations, the main button first")),
    ])
    aids = checkboxes_field(_l("Reading aids"), [
        ("large_cursor", _l("Large mouse pointer")),
        ("reading_guide", _l("Reading guide"), _l("Highlights the line under the pointer")),
        ("speech", _l("Speech controls"), _l("Shows the player that reads the page aloud")),
    ])
    speech_rate = radio_field(_l("Reading speed"), [
        ("0.75", _l("Slow")),
        ("1", _l("Normal")),
        ("1.25", _l("Fast")),
        ("1.5", _l("Fastest")),
    ])
    speech_voice = radio_field(_l("Voice for reading aloud"), [
        ("device", _l("This device's voice"),
         _l("If your phone or computer has a voice for this language; otherwise the server's voice")),
        ("server", _l("Server voice"), _l("The same voice on every device")),
    ])
    chinese_voice = radio_field(_l("Voice for Traditional Chinese"), [
        ("yue", _l("Cantonese")),
        ("cmn", _l("Mandarin")),
    ], hint=_l("How pages in Traditional Chinese are read aloud"))


# Shown in the settings form; the voice for Traditional Chinese only where it is used.
def shown_settings() -> tuple[str, ...]:
    keys = ("text_size", "theme", "spacing", "layout", "aids", "speech_rate", "speech_voice")
    return keys + ("chinese_voice",) if locale() == "zh_Hant" else keys


def settings_form(prefs: DisplayPreferences) -> SettingsForm:
    data = {key: getattr(prefs, key) for key in
            ("text_size", "theme", "spacing", "layout", "speech_rate", "speech_voice",
             "chinese_voice")}
    return SettingsForm(data={**data, "aids": [aid for aid in AIDS if getattr(prefs, aid)]})


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
    return render_template("display/settings.html", form=settings_form(prefs),
                           shown=shown_settings(),
                           next_path=safe_next(request.args.get("next"), ""))


# Both posts change only this browser's own display cookie, nothing stored, so they
# carry no form token: a visitor who only reads pages then has no session stored for
# them. Another site cannot post them either: cross-site posts are refused before any
# view (app/core/form_tokens.py), and the cookie is SameSite=Lax.
@csrf.exempt
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


@csrf.exempt
@bp.post("/elder")
def elder():
    """One press turns 长辈版 on or off; the citizen's own settings are kept underneath."""
    on = request.form.get("on") == "1"
    flash(_("Elder mode is on: large text, high contrast, a simpler page and speech.")
          if on else _("Elder mode is off."))
    response = redirect(safe_next(request.form.get("next")))
    return with_cookie(response, with_elder(preferences(), on))

