"""What a question page shows and does, decided one step at a time: the answer typed
before (kept on the draft), a fact from the citizen's electronic licence (免证, confirmed
rather than typed), a prefilled value, or the stored answer; and saving a sent answer."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from flask import g, redirect, request, url_for

from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.validators import ValidationError

from ..assisted.acting import acting_helper_id
from ..core.auth import sign_in_url
from ..core.deps import store
from ..core.i18n import remember_choice
from ..core.uploads import UploadRefused, discard_replaced, store_upload
from ..forms.builder import (answer_value, build_form, check_date, id_birth_date, is_blank,
                             prefill_value)
from ..platform import Question
from .answers import display_answer
from .bundles import MATTERS_KEY, always_done
from .drafts import KEPT_FOR, keep_unsaved_answers, language_switch, posted_answer_data, show
from .journey import active_questions, back_url, from_id, question_url
from .licences import LicenceFact, from_licence, licence_fact


@dataclass
class QuestionPage:
    """One question of a signed-in citizen's draft, as the request asks for it."""
    code: str
    question: Question
    draft: object
    back_to_check: bool = False
    correcting: bool = False  # "这不对？": the licence fact opened as a field to correct it
    acted_by: str | None = field(default_factory=acting_helper_id)

    @classmethod
    def of_request(cls, code: str, question: Question) -> QuestionPage:
        draft = show(store().start_draft(g.user.id, code, acted_by=acting_helper_id()))
        return cls(code, question, draft, back_to_check=request.args.get("return") == "check",
                   correcting=request.args.get("correct") == "1")

    @property
    def key(self) -> str:
        return self.question.key

    @property
    def stored(self):
        return self.draft.answers.get(self.key)

    @property
    def stored_file(self):
        return self.stored if self.question.type == "file" else None

    @cached_property
    def licence(self) -> LicenceFact | None:
        return licence_fact(self.question, g.user)

    def url(self) -> str:
        """This page again: the form's action."""
        return url_for("apply.question", code=self.code, key=self.key,
                       **({"return": "check"} if self.back_to_check else {}),
                       **({"correct": 1} if self.correcting else {}))

    def correct_url(self) -> str:
        """The licence fact opened as a field to correct it."""
        return url_for("apply.question", code=self.code, key=self.key, correct=1,
                       **({"return": "check"} if self.back_to_check else {}))


@dataclass
class ShownForm:
    form: object
    restored: bool = False  # answers typed before an expired sign-in or a stale form
    prefilled: bool = False
    fact: LicenceFact | None = None


def answer_without_sign_in(code: str, key: str):
    """Nobody is signed in: a helper whose consent ended goes back to the worklist
    (nothing typed is kept for anyone); a citizen's typed answer is kept for after
    sign-in."""
    if g.helper is not None:
        return redirect(url_for("assisted.worklist"))
    if request.method != "POST":
        return redirect(sign_in_url())
    response = keep_unsaved_answers(code, key)
    switch = language_switch()
    return remember_choice(response, switch) if switch else response


def keep_for_language_switch(page: QuestionPage, switch: str):
    """The language buttons sent the form: keep what was typed, unvalidated, and show
    the same question again in the new language."""
    store().keep_pending(page.draft.id, page.key,
                         {**posted_answer_data(page.question), KEPT_FOR: "language"})
    return remember_choice(redirect(question_url(page.code, page.key, page.back_to_check)),
                           switch)


def save_upload(upload, replacing: dict | None = None) -> dict:
    """Store a checked file for the citizen (app/core/uploads.py: images re-encoded
    without their metadata, encrypted, within their quota)."""
    return store_upload(upload, g.user.id, replacing)


def save_sent_answer(page: QuestionPage, questions: list[Question]):
    """Check the sent answer and store it on the draft. Returns the form (with its
    errors) and whether the answer was saved, with the draft's answers now."""
    q, stored_file = page.question, page.stored_file
    form = build_form(q, page.stored, CombinedMultiDict((request.files, request.form)),
                      has_stored_file=bool(stored_file), answers=page.draft.answers)
    if not form.validate():
        return form, None
    try:
        if q.type == "file":
            value = (save_upload(form.field.data, stored_file) if not is_blank(form.field)
                     else stored_file)
        else:
            value = answer_value(q, form.field)
    except UploadRefused as error:
        form.field.errors.append(error.message)
        return form, None
    answers = {**page.draft.answers, page.key: value}
    derived, stale = derived_from_id(questions, page.key, page.draft.answers, answers)
    saved = {page.key: value, **derived}
    store().save_answers(page.draft.id, saved, acted_by=page.acted_by, forget=stale)
    discard_replaced(stored_file, value)
    return form, {k: v for k, v in {**answers, **saved}.items() if k not in stale}


def derived_from_id(questions: list[Question], key: str, before: dict, answers: dict):
    """高龄津贴: a date of birth whose `from_id` names the ID question just answered is
    taken from that number (which holds it) when it keeps the date's rules; else it
    is asked, and its rules say what is wrong. Returns the derived answers, and the
    keys of dates taken from the number before that no longer hold (to ask again)."""
    derived, stale = {}, set()
    for q in questions:
        if q.validation.get("from_id") != key:
            continue
        born = id_birth_date(q, answers, "from_id")
        try:
            if born is None:
                raise ValidationError("not a valid ID number")
            check_date(q, born, answers)
        except ValidationError:
            if from_id(q, before):
                stale.add(q.key)
            continue
        derived[q.key] = born.isoformat()
    return derived, frozenset(stale)


def form_to_show(page: QuestionPage) -> ShownForm:
    """What the question shows when opened: what was typed and kept, else the licence
    fact to confirm, else the stored answer or a prefilled one."""
    q, key, draft = page.question, page.key, page.draft
    has_stored_file = bool(page.stored_file)
    if key in draft.pending:
        kept = dict(draft.pending[key])
        restored = kept.pop(KEPT_FOR, None) != "language"
        return ShownForm(build_form(q, page.stored, MultiDict(kept), has_stored_file=has_stored_file),
                         restored=restored)
    known = page.licence
    if known is not None and not page.correcting and (
            key not in draft.answers or from_licence(q, page.stored, g.user)):
        return ShownForm(build_form(q, known.value), fact=known)  # the page sends it back
    if key in draft.answers:
        return ShownForm(build_form(q, page.stored, has_stored_file=has_stored_file))
    initial = prefill_value(q, g.user)
    return ShownForm(build_form(q, initial, has_stored_file=has_stored_file),
                     prefilled=initial not in (None, ""))


def page_context(page: QuestionPage, service, questions, shown: ShownForm) -> dict:
    """Everything the question template shows, from the page and the form it shows."""
    q, key, fact = page.question, page.key, shown.fact
    position = [x.key for x in active_questions(questions, page.draft.answers)]
    return dict(
        service=service, question=q, form=shown.form,
        back=back_url(page.code, questions, page.draft.answers, key, page.back_to_check),
        action=page.url(),
        stored_file=page.stored_file, restored=shown.restored, prefilled=shown.prefilled,
        fact=fact, fact_lines=(display_answer(q, fact.value, masked=page.acted_by is not None)
                               if fact else None),
        correct_url=page.correct_url(),
        correcting_licence=page.licence if page.correcting else None,
        always_included=always_done(service) if key == MATTERS_KEY else [],
        step=(position.index(key) + 1 if key in position else None), steps=len(position))
