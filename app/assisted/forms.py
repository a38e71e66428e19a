"""The forms of assisted mode: the helper's sign-in, consent given in person, and the
question of how long a helper may act."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ..account.sign_in import SignInForm
from ..platform import Option, Question

# How long consent given at the counter lasts: this visit, a day, a week, a month.
IN_PERSON_HOURS = ("4", "24", "168", "720")


class HelperSignInForm(SignInForm):
    login = StringField(_l("Helper code or mobile number"),
                        validators=[InputRequired(_l("Enter your helper code or mobile number"))])


class InPersonConsentForm(FlaskForm):
    login = StringField(_l("The citizen's mobile number or ID number"),
                        validators=[InputRequired(_l("Ask the citizen to enter their mobile number or ID number"))])
    password = PasswordField(_l("The citizen's password"),
                             validators=[InputRequired(_l("Ask the citizen to enter their password"))])
    hours = RadioField(choices=[SelectChoice(h, h) for h in IN_PERSON_HOURS], default="4",
                       validators=[InputRequired(_l("Choose how long the helper may act"))])


def duration_question(key: str, values) -> Question:
    labels = {"4": _("4 hours (this visit)"), "24": _("1 day"), "168": _("7 days"),
              "720": _("30 days (the longest allowed)")}
    return Question(key=key, type="radio", label=_("How long may the helper act for you?"),
                    options=tuple(Option(v, labels[v]) for v in values))
