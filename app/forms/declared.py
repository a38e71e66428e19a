"""Fields for forms the front declares itself (sign-in, display settings, a rating, a
补正 answer, consent): the same checks and components as a schema question, from a
label and a hint rather than a platform `Question`."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import RadioField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from . import widgets
from .builder import REQUIRED_MESSAGES, _clean_lines, file_check, length_check, required_check


def radio_field(label, options, hint=None, default=None, message=REQUIRED_MESSAGES["radio"]):
    """One answer from `options`: (value, label) or (value, label, hint)."""
    options = [(*option, None)[:3] for option in options]
    return RadioField(label, description=hint, default=default,
                      choices=[SelectChoice(value, text) for value, text, _hint in options],
                      validators=[InputRequired(message)],
                      invalid_choice_message=message,
                      widget=widgets.Choices(hints={v: h for v, _t, h in options if h}))


def checkboxes_field(label, options=(), hint=None):
    """Any number of `options` (none too): (value, label) or (value, label, hint). The
    choices may be set on the bound field when they are known only in the request."""
    options = [(*option, None)[:3] for option in options]
    return SelectMultipleField(label, description=hint, validate_choice=False,
                               choices=[SelectChoice(value, text) for value, text, _h in options],
                               widget=widgets.Choices(multiple=True,
                                                      hints={v: h for v, _t, h in options if h}))


def textarea_field(label, max_length: int, hint=None, required: bool = False, message=None):
    return TextAreaField(label, description=hint, filters=[_clean_lines],
                         validators=[required_check(required, message), length_check(max_length)],
                         widget=widgets.CharacterCount(max_length))


def file_field(label, types, max_mb: int, hint=None, required: bool = False):
    return FileField(label, description=hint,
                     validators=[required_check(required, REQUIRED_MESSAGES["file"]),
                                 file_check(tuple(types), max_mb)],
                     widget=widgets.FileUpload(types, max_mb))


DURATIONS = {"4": _l("4 hours (this visit)"), "24": _l("1 day"), "168": _l("7 days"),
             "720": _l("30 days (the longest allowed)")}


def duration_field(values, default: str):
    """How long a helper may act for the citizen."""
    return radio_field(_l("How long may the helper act for you?"),
                       [(v, DURATIONS[v]) for v in values], default=default,
                       message=_l("Choose how long the helper may act"))
