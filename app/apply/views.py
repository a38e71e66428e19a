"""The application journey: one question per page, check answers, submit."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import CombinedMultiDict

from ..assisted.acting import acting_helper_id
from ..core.auth import login_required
from ..core.deps import outbox, store
from ..core.templating import licence_name
from ..forms.builder import build_form, id_birth_date, is_blank, not_the_id_birth_date_message
from ..forms.fields import CompoundField
from ..outbox import PENDING
from ..platform import Question
from .answering import (QuestionPage, ShownForm, answer_without_sign_in, form_to_show,
                        keep_for_language_switch, page_context, save_sent_answer)
from .answers import display_answer
from .bundles import MATTERS_KEY, active_matters, by_topic
from .drafts import language_switch, show
from .journey import (active_questions, first_unanswered, from_id, load_service, next_url,
                      question_named, question_url)
from .licences import from_licence

bp = Blueprint("apply", __name__, url_prefix="/apply")


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
    q = question_named(questions, key)
    if g.user is None:
        return answer_without_sign_in(code, key)
    page = QuestionPage.of_request(code, q)
    switch = language_switch()
    if switch:
        return keep_for_language_switch(page, switch)
    if request.method == "POST":
        form, answers = save_sent_answer(page, questions)
        if answers is not None:
            return redirect(next_url(code, questions, answers, key, page.back_to_check))
        shown = ShownForm(form)
    else:
        shown = form_to_show(page)
    return render_template("apply/question.html", **page_context(page, service, questions, shown))


@bp.post("/<code>/<key>/validate")
def validate_field(code, key):
    """htmx: check one answer when the field loses focus; the same messages as on submit.

    A blank or half-typed answer is not complained about here: the user may not have
    finished it yet."""
    if g.user is None:
        abort(401)
    _service, questions = load_service(code)
    q = question_named(questions, key)
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
    draft = show(store().open_draft(g.user.id, code))
    if request.method == "POST":
        submitted = store().draft_by_key(g.user.id, request.form.get("submission_key", ""))
        if submitted is not None and (submitted.application_number or submitted.sent_at):
            # A double click or a resent form: the application exists or is on its way.
            return redirect(after_sending(submitted))
    if draft is None:
        return redirect(url_for("apply.start", code=code))

    active = active_questions(questions, draft.answers)
    missing = [q for q in active if answer_problem(q, draft.answers)]
    if request.method == "POST" and not missing:
        answers = {q.key: draft.answers[q.key] for q in active if q.key in draft.answers}
        # Stored first, then sent (app/outbox): a platform fault loses nothing.
        entry = outbox().enqueue(draft, answers, acting_helper_id())
        return redirect(sent_url(outbox().send_now(entry.id)))

    # A helper sees identifiers masked; the citizen checks their own in full.
    change_rows = [(q, check_lines(q, draft.answers), question_url(code, q.key, back_to_check=True))
                   for q in active]
    errors = [(f"change-{q.key}", answer_problem(q, draft.answers))
              for q in missing] if request.method == "POST" else []
    return render_template("apply/check.html", service=service, change_rows=change_rows,
                           groups=by_topic(service, change_rows) if service.is_bundle else None,
                           matters=active_matters(service, draft.answers)
                           if service.is_bundle else [],
                           draft=draft, missing=errors,
                           back=question_url(code, active[-1].key))


def answer_problem(q: Question, answers: dict) -> str | None:
    """Why the application cannot be sent yet because of this question: unanswered,
    or a birth date that no longer agrees with an ID number changed since."""
    if q.key not in answers:
        return _("Answer the question “%(question)s”", question=q.label) if q.required else None
    born = id_birth_date(q, answers)
    if born is not None and answers[q.key] != born.isoformat():
        return not_the_id_birth_date_message(born)
    return None


def check_lines(q: Question, answers: dict) -> list[str]:
    """An answer on check answers, saying so when it came from an electronic licence."""
    value = answers.get(q.key)
    if q.key == MATTERS_KEY and value == []:
        return [_("None of these")]
    lines = display_answer(q, value, masked=acting_helper_id() is not None)
    fact = from_licence(q, value, g.user) if q.key in answers else None
    if from_id(q, answers):
        lines.append(_("Taken from your ID number"))
    if fact is not None:
        lines.append(_("Taken from your electronic licence: %(licence)s",
                       licence=licence_name(fact.licence_type)))
    return lines
