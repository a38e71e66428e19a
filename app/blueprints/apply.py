"""The application journey: one question per page, check answers, submit."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import (Blueprint, abort, current_app, g, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from ..answers import display_answer
from ..assisted import acting_helper_id
from ..auth import login_required, sign_in_url
from ..deps import locale, platform, store
from ..forms.builder import answer_value, build_form, is_blank, prefill_value
from ..forms.fields import CompoundField
from ..platform import Question

bp = Blueprint("apply", __name__, url_prefix="/apply")


# ---- the schema, as pages -------------------------------------------------------
def load_service(code: str):
    service = platform().service(code, locale())
    questions = platform().form_schema(code, locale()) if service else []
    if service is None or not questions:
        abort(404)
    return service, questions


def is_shown(question: Question, answers: dict) -> bool:
    """`show_if` asks a question only when an earlier answer matches."""
    rule = question.show_if
    if not rule:
        return True
    value, expected = answers.get(rule["field"]), str(rule["equals"])
    return expected in value if isinstance(value, list) else value == expected


def active_questions(questions: list[Question], answers: dict) -> list[Question]:
    return [q for q in questions if is_shown(q, answers)]


def first_unanswered(questions, answers, required_only=False) -> Question | None:
    """The first question shown but never answered (an optional one answered blank
    counts as answered)."""
    return next((q for q in active_questions(questions, answers)
                 if q.key not in answers and (q.required or not required_only)), None)


def question_url(code: str, key: str, back_to_check: bool = False) -> str:
    return url_for("apply.question", code=code, key=key,
                   **({"return": "check"} if back_to_check else {}))


def next_url(code, questions, answers, current_key, back_to_check) -> str:
    """After an answer: the next question, or back to check answers (unless the new
    answer opened a question that still needs one)."""
    if back_to_check:
        missing = first_unanswered(questions, answers, required_only=True)
        if missing is None:
            return url_for("apply.check", code=code)
        return question_url(code, missing.key, back_to_check=True)
    active = active_questions(questions, answers)
    keys = [q.key for q in active]
    position = keys.index(current_key) if current_key in keys else -1
    if position + 1 < len(active):
        return question_url(code, active[position + 1].key)
    return url_for("apply.check", code=code)


def back_url(code, questions, answers, current_key, back_to_check) -> str:
    if back_to_check:
        return url_for("apply.check", code=code)
    keys = [q.key for q in active_questions(questions, answers)]
    position = keys.index(current_key) if current_key in keys else 0
    if position == 0:
        return url_for("catalogue.service", code=code)
    return question_url(code, keys[position - 1])


# ---- keeping unsaved answers --------------------------------------------------------
def posted_answer_data() -> dict:
    return {k: v for k, v in request.form.to_dict(flat=False).items() if k != "csrf_token"}


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


def save_upload(upload) -> dict:
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    extension = upload.filename.rsplit(".", 1)[-1].lower()
    stored = f"{secrets.token_hex(16)}.{extension}"
    upload.save(folder / stored)
    return {"filename": display_filename(upload.filename) or stored, "stored": stored,
            "size": (folder / stored).stat().st_size}


def display_filename(name: str) -> str:
    """The name to show back to the user: Chinese kept (unlike secure_filename), any
    path and control characters dropped. The file itself is stored under a random name."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:100]


# ---- views --------------------------------------------------------------------------
@bp.get("/<code>")
@login_required
def start(code):
    """Start or resume: go to the first question still unanswered."""
    _service, questions = load_service(code)
    draft = store().start_draft(g.user.id, code, acted_by=acting_helper_id())
    missing = first_unanswered(questions, draft.answers)
    if missing is None and draft.answers:
        return redirect(url_for("apply.check", code=code))
    return redirect(question_url(code, (missing or questions[0]).key))


@bp.route("/<code>/<key>", methods=["GET", "POST"])
def question(code, key):
    service, questions = load_service(code)
    q = next((x for x in questions if x.key == key), None)
    if q is None:
        abort(404)
    if g.user is None:
        if g.helper is not None:
            # A helper whose consent ended: nothing typed is kept for anyone.
            return redirect(url_for("assisted.worklist"))
        if request.method == "POST":
            return keep_unsaved_answers(code, key)
        return redirect(sign_in_url())

    draft = store().start_draft(g.user.id, code, acted_by=acting_helper_id())
    back_to_check = request.args.get("return") == "check"
    stored = draft.answers.get(key)
    stored_file = stored if q.type == "file" else None
    restored = False
    prefilled = False

    if request.method == "POST":
        form = build_form(q, stored, CombinedMultiDict((request.files, request.form)),
                          has_stored_file=bool(stored_file))
        if form.validate():
            if q.type == "file":
                value = save_upload(form.field.data) if not is_blank(form.field) else stored_file
            else:
                value = answer_value(q, form.field)
            store().save_answers(draft.id, {key: value}, acted_by=acting_helper_id())
            answers = {**draft.answers, key: value}
            return redirect(next_url(code, questions, answers, key, back_to_check))
    elif key in draft.pending:
        form = build_form(q, stored, MultiDict(draft.pending[key]),
                          has_stored_file=bool(stored_file))
        restored = True
    else:
        initial = stored if key in draft.answers else prefill_value(q, g.user)
        prefilled = key not in draft.answers and initial not in (None, "")
        form = build_form(q, initial, has_stored_file=bool(stored_file))

    position = [x.key for x in active_questions(questions, draft.answers)]
    return render_template(
        "apply/question.html", service=service, question=q, form=form,
        back=back_url(code, questions, draft.answers, key, back_to_check),
        action=question_url(code, key, back_to_check), stored_file=stored_file,
        restored=restored, prefilled=prefilled,
        step=(position.index(key) + 1 if key in position else None), steps=len(position))


@bp.post("/<code>/<key>/validate")
def validate_field(code, key):
    """htmx: check one answer when the field loses focus; the same messages as on submit.

    A blank or half-typed answer is not complained about here: the user may not have
    finished it yet."""
    if g.user is None:
        abort(401)
    _service, questions = load_service(code)
    q = next((x for x in questions if x.key == key), None)
    if q is None:
        abort(404)
    form = build_form(q, None, CombinedMultiDict((request.files, request.form)),
                      has_stored_file=True)
    field = form.field
    # Blank, or a date/address with parts still empty: the user is still typing.
    unfinished = is_blank(field) or (isinstance(field, CompoundField)
                                     and not all(field.data.values()))
    errors = [] if unfinished or form.validate() else field.errors
    return render_template("apply/_field_error.html", errors=errors)


@bp.route("/<code>/check", methods=["GET", "POST"])
@login_required
def check(code):
    service, questions = load_service(code)
    draft = store().open_draft(g.user.id, code)
    if request.method == "POST":
        submitted = store().draft_by_key(g.user.id, request.form.get("submission_key", ""))
        if submitted is not None and submitted.application_number:
            # A double click or a resent form: the application already exists.
            return redirect(url_for("applications.confirmation",
                                    number=submitted.application_number))
    if draft is None:
        return redirect(url_for("apply.start", code=code))

    active = active_questions(questions, draft.answers)
    missing = [q for q in active if q.required and q.key not in draft.answers]
    if request.method == "POST" and not missing:
        answers = {q.key: draft.answers[q.key] for q in active if q.key in draft.answers}
        application = platform().submit(code, g.user.id, answers, draft.submission_key,
                                        acted_by=acting_helper_id())
        store().mark_submitted(draft.id, application.number)
        return redirect(url_for("applications.confirmation", number=application.number))

    # A helper sees identifiers masked; the citizen checks their own in full.
    change_rows = [(q, display_answer(q, draft.answers.get(q.key),
                                      masked=acting_helper_id() is not None),
                    question_url(code, q.key, back_to_check=True)) for q in active]
    errors = [(f"change-{q.key}", _("Answer the question “%(question)s”", question=q.label))
              for q in missing] if request.method == "POST" else []
    return render_template("apply/check.html", service=service, change_rows=change_rows,
                           draft=draft, missing=errors,
                           back=question_url(code, active[-1].key))
