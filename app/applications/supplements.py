"""补正: answering a department's request for more, on one accessible page.

The citizen (or a helper acting for them) writes an answer, uploads a file, or both;
a file is checked for its type and size and, if it is a picture, re-encoded without
its metadata (app/core/uploads.py). The answer goes to the platform, and the department's
part goes back into review. Routes of the applications blueprint (我的办件)."""
from __future__ import annotations

from flask import abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict

from ..assisted.acting import acting_helper_id
from ..core.auth import login_required
from ..core.clock import china_date
from ..core.deps import now, platform
from ..forms.builder import is_blank
from ..forms.declared import file_field, textarea_field
from ..platform import SupplementClosed
from ..core.uploads import UploadRefused, discard_replaced, store_upload, uploads
from .blueprint import bp, own_application

ANSWER_MAX = 1000
FILE_TYPES, FILE_MAX_MB = ("pdf", "jpg", "png"), 10
KEPT = "supplement_files"  # session: a valid file sent with an answer that had an error


def supplement_form(wants_file: bool, has_stored_file: bool, formdata=None) -> FlaskForm:
    """The answer and the file; the file is required when the department asked for one
    and none is kept from an earlier try."""
    class SupplementForm(FlaskForm):
        answer = textarea_field(
            _l("Your answer"), ANSWER_MAX,
            hint=_l("Write what the department asked for. If you send a file, you can leave this empty."))
        upload = file_field(
            _l("Upload a file") if wants_file else _l("Upload a file (if you have one)"),
            FILE_TYPES, FILE_MAX_MB, required=wants_file and not has_stored_file,
            hint=_l("A photo taken with your phone or a scan is fine."))
    return SupplementForm(formdata=formdata)


def own_supplement(number: str, supplement_id: int):
    application, service = own_application(number)
    supplement = next((s for s in application.supplements if s.id == supplement_id), None)
    if supplement is None:
        abort(404)
    return application, service, supplement


def send_answer(number: str, supplement_id: int, form, kept) -> str | None:
    """Send a checked answer to the platform: "sent", "closed" (answered elsewhere or
    closed meanwhile), or None with the error put on the form."""
    text = (form.answer.data or "").strip()
    file = kept
    try:
        if not is_blank(form.upload):
            file = store_upload(form.upload.data, g.user.id, replacing=kept)
    except UploadRefused as error:
        form.upload.errors.append(error.message)
        return None
    if not text and file is None:
        form.answer.errors.append(_("Write an answer or choose a file to upload"))
        return None
    answer = {"text": text, **({"file": file} if file else {})}
    try:
        platform().answer_supplement(number, g.user.id, supplement_id,
                                     uploads().with_documents(answer),  # the file's bytes
                                     acted_by=acting_helper_id())
    except SupplementClosed:
        discard_replaced(file, kept)  # a file stored for this answer goes with it
        return "closed"
    discard_replaced([kept, file], None)  # the platform keeps its own copy now
    kept_files = session.get(KEPT, {})
    kept_files.pop(str(supplement_id), None)
    session[KEPT] = kept_files
    return "sent"


def keep_valid_file(supplement_id: int, form, kept):
    """The answer had an error but the file was fine: keep it, so it is not asked
    again. Returns the file kept for this supplement now."""
    if form.upload.errors or is_blank(form.upload):
        return kept
    try:
        new = store_upload(form.upload.data, g.user.id, replacing=kept)
    except UploadRefused as error:
        form.upload.errors.append(error.message)
        return kept
    session[KEPT] = {**session.get(KEPT, {}), str(supplement_id): new}
    discard_replaced(kept, new)
    return new


@bp.route("/applications/<number>/supplements/<int:supplement_id>", methods=["GET", "POST"])
@login_required
def supplement(number, supplement_id):
    application, service, asked = own_supplement(number, supplement_id)
    kept = session.get(KEPT, {}).get(str(supplement_id))
    answered = asked.answered_at is not None or application.status not in (
        "submitted", "accepted", "in_progress")
    sent = request.method == "POST" and not answered
    form = supplement_form(asked.wants_file, bool(kept),
                           CombinedMultiDict((request.files, request.form)) if sent else None)
    if sent and form.validate():
        outcome = send_answer(number, supplement_id, form, kept)
        if outcome == "sent":
            return redirect(url_for("applications.detail", number=number,
                                    answered=supplement_id))
        answered = outcome == "closed"
    elif sent:
        kept = keep_valid_file(supplement_id, form, kept)
    today = china_date(now())
    return render_template(
        "applications/supplement.html", application=application, service=service,
        supplement=asked, form=form, stored_file=kept,
        answered=answered,
        overdue=bool(asked.deadline and asked.deadline < today and not answered))
