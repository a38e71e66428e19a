"""Answers entered offline (static/js/offline.js), applied to the server draft when
the device is online again: one saved answer per request, in the order they were
entered, each through the same form and checks as the question page, each with its
own idempotency key so a resent answer (the reply was lost) is applied once.

Privacy: the device copy is tied to an opaque tag of whoever signed in (a keyed
hash, never an identifier), so a different person signing in on the same device
wipes it; a helper's entries carry the tag of the citizen they were made for."""
from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, g, url_for
from flask_babel import gettext as _
from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.datastructures import CombinedMultiDict

from ..apply.drafts import open_draft
from ..assisted.acting import acting_helper_id, covers
from ..core.clock import utcnow
from ..core.deps import store
from ..forms.builder import answer_value, build_form, is_blank
from ..core.front_store import FrontBase
from ..core.uploads import UploadRefused, discard_replaced


class OfflineApplied(FrontBase):
    """The idempotency keys of saved answers already applied (its table comes from the
    front's migrations)."""

    __tablename__ = "offline_applied"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(60))
    service_code: Mapped[str] = mapped_column(String(60))
    question_key: Mapped[str] = mapped_column(String(60))
    applied_at: Mapped[datetime] = mapped_column(DateTime)


def device_tag(kind: str, identifier: str) -> str:
    """An opaque, stable tag of a person on this site (keyed hash): the device can tell
    "same person as before" without ever holding who it is."""
    return store().db.keyring.lookup(f"offline-device:{kind}:{identifier}")[:32]


def page_tags() -> dict:
    """owner: who is signed in on this device; for: whose application the page is."""
    if g.get("helper") is not None:
        owner = device_tag("helper", g.helper.id)
    elif g.get("user") is not None:
        owner = device_tag("person", g.user.id)
    else:
        return {}
    tags = {"owner": owner}
    if g.get("user") is not None:
        tags["for"] = device_tag("person", g.user.id)
    return tags


def known_answers(code: str, questions) -> dict:
    """The draft's answers that decide which question comes next (show_if), so the
    device can walk the journey offline. Only choice answers are named in conditions."""
    if g.get("user") is None:
        return {}
    keys = set()

    def collect(rule):
        if rule:
            for part in rule.get("all", []) + rule.get("any", []):
                collect(part)
            if "field" in rule:
                keys.add(rule["field"])
    for q in questions:
        collect(q.show_if)
    draft = open_draft(g.user.id, code)
    answers = draft.answers if draft else {}
    return {k: answers[k] for k in keys if k in answers}


class Refused(Exception):
    """Nothing was applied; `result` says why, for the device to show."""

    def __init__(self, http_status: int, **result):
        super().__init__(result["status"])
        self.http_status, self.result = http_status, result


def check_sender(code: str, entry_for: str) -> None:
    """The sign-in and (for a helper) the consent must still hold, for this citizen and
    this service: otherwise nothing is stored and the device keeps the entry."""
    if g.get("user") is None:
        if g.get("helper") is not None:
            raise Refused(409, status="consent_ended", message=consent_ended_message())
        raise Refused(401, status="signed_out",
                      message=_("Sign in again to send what is saved on this device."))
    if entry_for and entry_for != device_tag("person", g.user.id):
        raise Refused(409, status="other_person", message=_(
            "This was entered for another citizen. Switch to that citizen to send it."))
    if not covers(code):
        raise Refused(409, status="consent_ended", message=consent_ended_message())


def consent_ended_message() -> str:
    return _("The citizen's authorisation has ended or does not cover this service. "
             "Nothing was sent: what you entered stays on this device until they "
             "authorise you again, or until you delete it.")


def apply_saved_answer(code: str, key: str, idempotency_key: str, entry_for: str,
                       formdata, files, load_service, save_upload, question_url) -> tuple[dict, int]:
    """Apply one saved answer to the draft, as pressing Continue on its question would.

    Returns (result, HTTP status): 201 applied, 200 applied before (same key),
    422 refused by a check (kept as pending on the draft, shown on its question)."""
    try:
        check_sender(code, entry_for)
    except Refused as refused:
        return refused.result, refused.http_status
    if not idempotency_key or len(idempotency_key) > 64:
        abort(400)
    _service, questions = load_service(code)
    q = next((x for x in questions if x.key == key), None)
    if q is None:
        abort(404)
    db = store().db
    with db.session() as s:
        if s.get(OfflineApplied, idempotency_key) is not None:
            return {"status": "ok", "repeated": True}, 200
    draft = store().start_draft(g.user.id, code, acted_by=acting_helper_id())
    stored_file = draft.answers.get(key) if q.type == "file" else None
    form = build_form(q, draft.answers.get(key), CombinedMultiDict((files, formdata)),
                      has_stored_file=bool(stored_file), answers=draft.answers)
    value, problem = None, None
    if form.validate():
        try:
            value = (save_upload(form.field.data, stored_file)
                     if q.type == "file" and not is_blank(form.field)
                     else stored_file if q.type == "file" else answer_value(q, form.field))
        except UploadRefused as error:
            problem = error.message
    else:
        problem = form.field.errors[0]
    if problem is not None:
        # The question page shows what was sent, to correct it there.
        store().keep_pending(draft.id, key, {k: v for k, v in formdata.to_dict(flat=False).items()
                                             if k != "csrf_token"})
        return {"status": "invalid", "message": str(problem),
                "url": question_url(code, key)}, 422
    store().save_answers(draft.id, {key: value}, acted_by=acting_helper_id())
    discard_replaced(stored_file, value)
    with db.session() as s:
        s.add(OfflineApplied(key=idempotency_key, owner_id=g.user.id, service_code=code,
                             question_key=key, applied_at=utcnow()))
    return {"status": "ok", "check": url_for("apply.check", code=code)}, 201


def keep_days() -> int:
    return current_app.config["OFFLINE_KEEP_DAYS"]
