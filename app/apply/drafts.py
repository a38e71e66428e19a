"""Answers not yet saved: kept on the draft (a language switch, a stale form token) or
parked across an expired sign-in and put back on the draft after the next one. Used by
the question page, the sign-in page and the expired-form handler."""
from __future__ import annotations

import json

from flask import abort, current_app, g, redirect, request, session

from ..core.auth import sign_in_url
from ..core.deps import store
from ..core.limits import allow
from ..forms.builder import longest_answer
from ..platform import Question
from .journey import load_service, question_url


# ---- the draft a page shows ------------------------------------------------------------
def show(draft):
    """The draft this request's page shows (a question, check answers): what the page's
    frame reads of it (offline.js's known answers, app/offline) then comes from here
    rather than from the database a second time."""
    g.shown_draft = draft
    return draft


def open_draft(owner_id: str, code: str):
    """The open draft of an application, as this request's page shows it."""
    draft = g.get("shown_draft")
    if draft is not None and (draft.owner_id, draft.service_code) == (owner_id, code):
        return draft
    return store().open_draft(owner_id, code)


# ---- keeping unsaved answers --------------------------------------------------------
# On a question page the language switch is a set of buttons of the question's form
# (templates/base.html, `language_form`), so switching sends what was typed: it is kept
# unvalidated on the draft and shown again, in the new language, on the same question.
LANGUAGE_FIELD = "yiban_language"
KEPT_FOR = "_kept_for"  # why pending answers were kept: "language" shows no notice


# What is kept unvalidated is bounded by the schema: only the question's own fields,
# each at most its longest valid answer, and a few KB in all (else nothing is kept).
KEEP_AT_MOST_BYTES = 8 * 1024


def posted_answer_data(q: Question) -> dict:
    longest = longest_answer(q)
    data = {name: [value[:longest] for value in values]
            for name, values in request.form.to_dict(flat=False).items()
            if name == q.key or name.startswith(f"{q.key}-")}
    size = len(json.dumps(data, ensure_ascii=False).encode())
    return data if size <= KEEP_AT_MOST_BYTES else {}


def language_switch() -> str | None:
    """The language a question form was sent to switch to (None: an ordinary answer)."""
    code = request.form.get(LANGUAGE_FIELD) if request.method == "POST" else None
    return code if code in current_app.config["LOCALES"] else None


def keep_unsaved_answers(code: str, key: str):
    """The sign-in ended or the form token went stale: keep what was typed.

    Signed in: the answers wait on the draft. Signed out: they are parked and come
    back after sign-in. Either way the user returns to the same question."""
    _service, questions = load_service(code)
    q = next((x for x in questions if x.key == key), None)
    if q is None:
        abort(404)
    data = posted_answer_data(q)
    target = question_url(code, key, request.args.get("return") == "check")
    if g.get("user") is not None:
        draft = store().start_draft(g.user.id, code)
        store().keep_pending(draft.id, key, data)
        return redirect(target)
    # Parked rows belong to nobody yet: bounded in size (above), in number per address
    # and in time (the idle timeout; `flask maintenance prune` and each park sweep).
    if data and allow("park"):
        token = store().park(code, key, data, current_app.config["SESSION_IDLE_TIMEOUT"])
        session["parked"] = {"token": token, "return_to": target,
                             "owner": session.get("expired_person_id")}
    return redirect(sign_in_url(target))


def restore_parked_answers(person) -> str | None:
    """After sign-in: put parked answers on the person's draft; the question to go back to.

    Answers typed under someone else's expired sign-in (a shared computer) are dropped."""
    ticket = session.pop("parked", None) or {}
    parked = store().unpark(ticket.get("token", ""), current_app.config["SESSION_IDLE_TIMEOUT"])
    if parked is None or ticket.get("owner") not in (None, person.id):
        return None
    draft = store().start_draft(person.id, parked.service_code)
    store().keep_pending(draft.id, parked.question_key, parked.data)
    return ticket["return_to"]
