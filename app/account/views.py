"""Signing in and out (no CAPTCHA, no puzzle) and choosing the language."""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, jsonify, redirect,
                   render_template, request, url_for)
from flask_babel import gettext as _

from ..core.auth import extend, safe_next, seconds_left, sign_in, sign_out, sign_out_everywhere
from ..core.deps import platform
from ..core.i18n import apply_account_language, chose_language_before_sign_in, remember_choice
from ..apply.drafts import restore_parked_answers
from .sign_in import SignInForm, attempt_sign_in

bp = Blueprint("account", __name__)

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
