"""Checking a sign-in form: the citizen's, and the helper's that extends it. Failures
slow the next try down, never lock anyone out."""
from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l, ngettext
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from ..core.clock import utcnow
from ..core.deps import store
from ..forms.widgets import PasswordInput, TextInput

FREE_TRIES = 3
MAX_WAIT_SECONDS = 300


# A login is a number or a code, typed character by character and read left to right.
LOGIN_INPUT = TextInput(autocomplete="username", spellcheck="false", dir="ltr")
PASSWORD_INPUT = PasswordInput(autocomplete="current-password", spellcheck="false")


class SignInForm(FlaskForm):
    login = StringField(_l("Mobile number or ID number"), widget=LOGIN_INPUT,
                        validators=[InputRequired(_l("Enter your mobile number or ID number"))])
    password = PasswordField(_l("Password"), widget=PASSWORD_INPUT,
                             validators=[InputRequired(_l("Enter your password"))])


def wait_seconds(login: str) -> int:
    """Failures past the free tries slow sign-in down (5 s, 10 s … 5 min); never a lock-out."""
    row = store().failures(login)
    if row is None or row.count < FREE_TRIES:
        return 0
    wait = min(5 * 2 ** (row.count - FREE_TRIES), MAX_WAIT_SECONDS)
    elapsed = (utcnow() - row.last_at).total_seconds()
    return max(0, math.ceil(wait - elapsed))


def throttle_key(login: str, find_account) -> str:
    """Failures count per account, found as sign-in finds it: "138 0000 0001", a
    U+3000 space or the ID number instead of the mobile all count for the same person.
    A login that names no account counts by itself, spaces removed."""
    account = find_account(login)
    return f"account:{account}" if account else "login:" + "".join(login.split()).upper()


def attempt_sign_in(form, authenticate, find_account, wrong_message: str):
    """Check the credentials of a sign-in-like form (slowed down after failures, never
    locked out; also limited per address, app/core/limits.py). Returns who signed in,
    or None with the error put on the form."""
    login = form.login.data.strip()
    throttle = throttle_key(login, find_account)
    waiting = wait_seconds(throttle)
    if waiting:
        form.login.errors.append(ngettext(
            "Too many tries. Wait %(num)d second, then try again.",
            "Too many tries. Wait %(num)d seconds, then try again.", waiting))
        return None
    who = authenticate(login, form.password.data)
    if who is None:
        store().record_failure(throttle)
        form.password.errors.append(wrong_message)
        return None
    store().clear_failures(throttle)
    return who
