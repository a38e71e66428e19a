"""The application journey: one question per page, check answers, submit."""
from __future__ import annotations

import json
from pathlib import Path

from flask import (Blueprint, abort, current_app, g, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from ..answers import display_answer
from ..assisted import acting_helper_id
from ..bundles import MATTERS_KEY, active_matters, always_done, by_topic, journey
from ..auth import login_required, sign_in_url
from ..deps import locale, outbox, platform, store
from ..forms.builder import answer_value, build_form, is_blank, longest_answer, prefill_value
from ..forms.fields import CompoundField
from ..i18n import remember_choice
from ..licences import from_licence, licence_fact
from ..limits import allow
from ..templating import licence_name
from ..outbox import PENDING
from ..platform import Question, condition_holds
from ..uploads import UploadUnreadable, display_filename, store_upload  # noqa: F401

bp = Blueprint("apply", __name__, url_prefix="/apply")


# ---- the schema, as pages -------------------------------------------------------
def load_service(code: str):
    """The service and its journey: for a bundle, the matters page first, and each
    field once, asked while a matter that needs it is part of the application."""
    service = platform().service(code, locale())
    questions = journey(service, platform().form_schema(code, locale())) if service else []
    if service is None or not questions:
        abort(404)
    return service, questions


def is_shown(question: Question, answers: dict) -> bool:
    """`show_if` asks a question only when an earlier answer matches (for a bundle's
    field, also: only while a matter that needs it is part of the application)."""
    return condition_holds(question.show_if, answers)


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
    if data and allow("RATELIMIT_PARK", "park"):
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


def save_upload(upload) -> dict:
    """Store a checked file (app/uploads.py: images re-encoded without their metadata)."""
    return store_upload(upload, Path(current_app.config["UPLOAD_DIR"]))


# ---- sending ---------------------------------------------------------------------------
def sent_url(entry) -> str:
    """Where a sent draft leads: its confirmation once the platform has taken it,
    else the page that says it is saved and on its way (or could not be sent)."""
    if entry.application_number:
        return url_for("applications.confirmation", number=entry.application_number)
    return url_for("applications.submission", entry_id=entry.id)


def after_sending(draft) -> str:
    """A draft sent already (a second click, a resent form): where it stands now."""
    entry = outbox().by_key(draft.submission_key)
    if entry is None:  # sent before the outbox existed
        return url_for("applications.confirmation", number=draft.application_number)
    if entry.state == PENDING and (entry.lease_until is not None or entry.attempts == 0):
        # The first click is sending it (or just stored it): take part, or wait a moment.
        entry = outbox().send_now(entry.id)
    return sent_url(entry)


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
            response = keep_unsaved_answers(code, key)
            switch = language_switch()
            return remember_choice(response, switch) if switch else response
        return redirect(sign_in_url())

    draft = store().start_draft(g.user.id, code, acted_by=acting_helper_id())
    back_to_check = request.args.get("return") == "check"
    stored = draft.answers.get(key)
    stored_file = stored if q.type == "file" else None
    restored = False
    prefilled = False
    # 免证: a fact from the citizen's licence is confirmed, not typed; "这不对？" opens
    # the field (?correct=1) to correct it.
    correcting = request.args.get("correct") == "1"
    fact = None

    switch = language_switch()
    if switch:
        store().keep_pending(draft.id, key, {**posted_answer_data(q), KEPT_FOR: "language"})
        return remember_choice(redirect(question_url(code, key, back_to_check)), switch)
    if request.method == "POST":
        form = build_form(q, stored, CombinedMultiDict((request.files, request.form)),
                          has_stored_file=bool(stored_file))
        if form.validate():
            try:
                if q.type == "file":
                    value = (save_upload(form.field.data) if not is_blank(form.field)
                             else stored_file)
                else:
                    value = answer_value(q, form.field)
            except UploadUnreadable as error:
                form.field.errors.append(error.message)
            else:
                store().save_answers(draft.id, {key: value}, acted_by=acting_helper_id())
                answers = {**draft.answers, key: value}
                return redirect(next_url(code, questions, answers, key, back_to_check))
    elif key in draft.pending:
        kept = dict(draft.pending[key])
        restored = kept.pop(KEPT_FOR, None) != "language"
        form = build_form(q, stored, MultiDict(kept), has_stored_file=bool(stored_file))
    else:
        known = licence_fact(q, g.user)
        if known is not None and not correcting and (
                key not in draft.answers or from_licence(q, stored, g.user)):
            fact = known
            form = build_form(q, known.value)  # the page sends it back, confirmed
        else:
            initial = stored if key in draft.answers else prefill_value(q, g.user)
            prefilled = key not in draft.answers and initial not in (None, "")
            form = build_form(q, initial, has_stored_file=bool(stored_file))

    position = [x.key for x in active_questions(questions, draft.answers)]
    correcting_licence = licence_fact(q, g.user) if correcting else None
    return render_template(
        "apply/question.html", service=service, question=q, form=form,
        back=back_url(code, questions, draft.answers, key, back_to_check),
        action=url_for("apply.question", code=code, key=key,
                       **({"return": "check"} if back_to_check else {}),
                       **({"correct": 1} if correcting else {})),
        stored_file=stored_file, restored=restored, prefilled=prefilled,
        fact=fact, fact_lines=(display_answer(q, fact.value, masked=acting_helper_id() is not None)
                               if fact else None),
        correct_url=url_for("apply.question", code=code, key=key, correct=1,
                            **({"return": "check"} if back_to_check else {})),
        correcting_licence=correcting_licence,
        always_included=always_done(service) if key == MATTERS_KEY else [],
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
        if submitted is not None and (submitted.application_number or submitted.sent_at):
            # A double click or a resent form: the application exists or is on its way.
            return redirect(after_sending(submitted))
    if draft is None:
        return redirect(url_for("apply.start", code=code))

    active = active_questions(questions, draft.answers)
    missing = [q for q in active if q.required and q.key not in draft.answers]
    if request.method == "POST" and not missing:
        answers = {q.key: draft.answers[q.key] for q in active if q.key in draft.answers}
        # Stored first, then sent (app/outbox): a platform fault loses nothing.
        entry = outbox().enqueue(draft, answers, acting_helper_id())
        return redirect(sent_url(outbox().send_now(entry.id)))

    # A helper sees identifiers masked; the citizen checks their own in full.
    change_rows = [(q, check_lines(q, draft.answers), question_url(code, q.key, back_to_check=True))
                   for q in active]
    errors = [(f"change-{q.key}", _("Answer the question “%(question)s”", question=q.label))
              for q in missing] if request.method == "POST" else []
    return render_template("apply/check.html", service=service, change_rows=change_rows,
                           groups=by_topic(service, change_rows) if service.is_bundle else None,
                           matters=active_matters(service, draft.answers)
                           if service.is_bundle else [],
                           draft=draft, missing=errors,
                           back=question_url(code, active[-1].key))


def check_lines(q: Question, answers: dict) -> list[str]:
    """An answer on check answers, saying so when it came from an electronic licence."""
    value = answers.get(q.key)
    if q.key == MATTERS_KEY and value == []:
        return [_("None of these")]
    lines = display_answer(q, value, masked=acting_helper_id() is not None)
    fact = from_licence(q, value, g.user) if q.key in answers else None
    if fact is not None:
        lines.append(_("Taken from your electronic licence: %(licence)s",
                       licence=licence_name(fact.licence_type)))
    return lines
