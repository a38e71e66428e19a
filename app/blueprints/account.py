"""Signing in and out (no CAPTCHA, no puzzle) and choosing the language."""
from __future__ import annotations

import math

from flask import (Blueprint, abort, current_app, jsonify, redirect,
                   render_template, request, url_for)
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from ..auth import extend, safe_next, seconds_left, sign_in, sign_out, sign_out_everywhere
from ..deps import platform, store
from ..i18n import apply_account_language, chose_language_before_sign_in, remember_choice
from ..clock import utcnow
from .apply import restore_parked_answers

bp = Blueprint("account", __name__)

FREE_TRIES = 3
MAX_WAIT_SECONDS = 300


class SignInForm(FlaskForm):
    login = StringField(_l("Mobile number or ID number"),
                        validators=[InputRequired(_l("Enter your mobile number or ID number"))])
    password = PasswordField(_l("Password"),
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
    locked out; also limited per address, app/limits.py). Returns who signed in, or
    None with the error put on the form."""
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


@bp.route("/sign-in", methods=["GET", "POST"], endpoint="sign_in")
def sign_in_page():
    form = SignInForm()
    next_path = safe_next(request.values.get("next"))
    if form.validate_on_submit():
        person = attempt_sign_in(
            form, platform().authenticate, platform().find_person_id,
            _("The mobile number, ID number or password is not right. Check them and try again."))
        if person is not None:
            return_to = restore_parked_answers(person)
            chose_here = chose_language_before_sign_in()
            sign_in(person.id)
            return apply_account_language(redirect(return_to or next_path), person.id,
                                          chose_here)
    return render_template("account/sign_in.html", form=form, next_path=next_path,
                           expired=request.args.get("expired") == "1")


@bp.post("/sign-out")
def sign_out_page():
    sign_out()
    return redirect(url_for("account.signed_out"))


@bp.post("/sign-out-everywhere")
def sign_out_everywhere_page():
    """End this account's sign-ins on every device (a lost phone, a shared computer)."""
    if seconds_left() is not None:
        sign_out_everywhere()
    return redirect(url_for("account.signed_out"))


@bp.post("/session/extend")
def extend_session():
    """"Stay signed in" in the time-out warning (static/js/yiban.js): one press starts
    the idle clock again. 401 when the sign-in has already ended."""
    if seconds_left() is None:
        return jsonify(signed_in=False), 401
    extend()
    return jsonify(signed_in=True, expires_in=seconds_left())


@bp.get("/signed-out")
def signed_out():
    return render_template("account/signed_out.html")


@bp.route("/language/<code>", methods=["GET", "POST"])
def language(code):
    """A plain link switches language and returns to the same page (no JavaScript).
    A signed-in citizen's switch is a POST, kept with their account too. (On a question page
    the switch is a button of the question's form instead, so what was typed is kept:
    see apply.question.)"""
    if code not in current_app.config["LOCALES"]:
        abort(404)
    return remember_choice(redirect(safe_next(request.args.get("next"))), code)
