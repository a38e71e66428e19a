"""Answers not yet saved: kept on the draft (a language switch, a stale form token) or
parked across an expired sign-in and put back on the draft after the next one. Used by
the question page, the sign-in page and the expired-form handler."""
from __future__ import annotations

from flask import current_app, g, redirect, request, session

from ..core.auth import sign_in_url
from ..core.deps import store
from .journey import question_url


# ---- keeping unsaved answers --------------------------------------------------------
# On a question page the language switch is a set of buttons of the question's form
# (templates/base.html, `language_form`), so switching sends what was typed: it is kept
# unvalidated on the draft and shown again, in the new language, on the same question.
LANGUAGE_FIELD = "yiban_language"
KEPT_FOR = "_kept_for"  # why pending answers were kept: "language" shows no notice


def posted_answer_data() -> dict:
    return {k: v for k, v in request.form.to_dict(flat=False).items()
            if k not in ("csrf_token", LANGUAGE_FIELD)}


def language_switch() -> str | None:
    """The language a question form was sent to switch to (None: an ordinary answer)."""
    code = request.form.get(LANGUAGE_FIELD) if request.method == "POST" else None
    return code if code in current_app.config["LOCALES"] else None


def keep_unsaved_answers(code: str, key: str):
    """The sign-in ended or the form token went stale: keep what was typed.

    Signed in: the answers wait on the draft. Signed out: they are parked and come
    back after sign-in. Either way the user returns to the same question."""
    data = posted_answer_data()
    target = question_url(code, key, request.args.get("return") == "check")
    if g.get("user") is not None:
        draft = store().start_draft(g.user.id, code)
        store().keep_pending(draft.id, key, data)
        return redirect(target)
    session["parked"] = {"token": store().park(code, key, data), "return_to": target,
                         "owner": session.get("expired_person_id")}
    return redirect(sign_in_url(target))


def restore_parked_answers(person) -> str | None:
    """After sign-in: put parked answers on the person's draft; the question to go back to.

    Answers typed under someone else's expired sign-in (a shared computer) are dropped."""
    ticket = session.pop("parked", None) or {}
    parked = store().unpark(ticket.get("token", ""))
    if parked is None or ticket.get("owner") not in (None, person.id):
        return None
    draft = store().start_draft(person.id, parked.service_code)
    store().keep_pending(draft.id, parked.question_key, parked.data)
    return ticket["return_to"]
