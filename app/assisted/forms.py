"""The forms of assisted mode: the helper's sign-in, consent given in person, and the
question of how long a helper may act."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from ..account.sign_in import LOGIN_INPUT, PASSWORD_INPUT, SignInForm
from ..forms.declared import duration_field

# How long consent given at the counter lasts: this visit, a day, a week, a month.
IN_PERSON_HOURS = ("4", "24", "168", "720")


class HelperSignInForm(SignInForm):
    login = StringField(_l("Helper code or mobile number"), widget=LOGIN_INPUT,
                        validators=[InputRequired(_l("Enter your helper code or mobile number"))])


class InPersonConsentForm(FlaskForm):
    login = StringField(_l("The citizen's mobile number or ID number"), widget=LOGIN_INPUT,
                        validators=[InputRequired(_l("Ask the citizen to enter their mobile number or ID number"))])
    password = PasswordField(_l("The citizen's password"), widget=PASSWORD_INPUT,
                             validators=[InputRequired(_l("Ask the citizen to enter their password"))])
    hours = duration_field(IN_PERSON_HOURS, default="4")
