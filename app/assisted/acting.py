"""Assisted mode on every request: a helper acting for a citizen stays inside that
citizen's consent (its services), and everything the helper sees or changes of the
citizen's data is written to the citizen's access log.

The rule is kept per route: every endpoint a helper acting for a citizen can reach is
either in ACCESS_ACTIONS (what the entry says) or in NO_ENTRY (why it needs none). An
endpoint in neither is logged all the same, as "view_page", so a new route is never
missed; tests/test_route_matrix.py fails until it is put in one of the tables."""
from __future__ import annotations

from flask import abort, g, request

from ..core.deps import consents, platform

# What a citizen-data page means in the access log, by endpoint and method. A POST
# answered 200 showed the page again (a validation error): it counts as a view.
ACCESS_ACTIONS = {
    ("apply.start", "GET"): "start_draft",
    ("apply.question", "GET"): "view_draft",
    ("apply.question", "POST"): "save_answer",
    ("apply.check", "GET"): "view_draft",
    ("apply.check", "POST"): "submit",
    ("applications.index", "GET"): "view_applications",
    ("applications.detail", "GET"): "view_application",
    ("applications.confirmation", "GET"): "view_application",
    ("applications.submission", "GET"): "view_application",
    ("applications.withdraw", "GET"): "view_application",
    ("applications.withdraw", "POST"): "withdraw",
    # After sending: requests for more (补正), ratings, the message centre.
    ("applications.supplement", "GET"): "view_application",
    ("applications.supplement", "POST"): "supplement",
    ("applications.rating", "GET"): "view_application",
    ("applications.rating", "POST"): "rate",
    ("applications.text_number", "POST"): "text_number",
    # 服务找人 on the home page: suggestions from her facts (a card's expiry date).
    ("catalogue.home", "GET"): "view_suggestions",
    ("messages.index", "GET"): "view_messages",
    ("messages.detail", "GET"): "view_messages",
    # Offline entry: an answer entered offline and sent later (201: applied).
    ("offline.send", "POST"): "save_answer",
}
# Endpoints a helper acting for a citizen can reach (not refused: a refusal shows
# nothing) that need no entry here, and why.
# What every page carries while acting (the banner naming the citizen, the count of
# her unread messages) is the frame of the visit, not a look at her data.
_PUBLIC = "shows the same to everyone: nothing of hers"
_OWN = "the helper's own sign-in, settings or browser: nothing of hers"
_IN_VIEW = "logged by the view itself, once for each citizen it shows"
_READING = "the reading of a page, whose own rendering was logged"
NO_ENTRY = {
    "static": _PUBLIC,
    "catalogue.search": _PUBLIC,
    "catalogue.service": _PUBLIC,
    "account.sign_in": _OWN,
    "account.sign_out_page": _OWN,
    "account.sign_out_everywhere_page": _OWN,
    "account.signed_out": _OWN,
    "account.language": _OWN,  # only this browser's cookie, for a helper
    "account.extend_session": _OWN,
    "display.settings": _OWN,
    "display.save": _OWN,
    "display.elder": _OWN,
    "apply.validate_field": "checks what the helper is typing; shows nothing stored",
    "assisted.sign_in": _OWN,
    "assisted.leave": _OWN,
    "assisted.worklist": _IN_VIEW,
    "assisted.act": _IN_VIEW,
    "assisted.in_person": _IN_VIEW,
    "messages.read_all": "changes nothing when a helper sends it (only she marks as read)",
    # A reading aloud is made by rendering its page again through the app, a request
    # logged as that page (app/speech/on_demand.py); a stored one is then served by id,
    # and the citizen's own are refused to anyone else (404).
    "speech.help": _PUBLIC,
    "speech.page_audio_on_demand": _READING,
    "speech.script_json_on_demand": _READING,
    "speech.script_json": _READING,
    "speech.page_audio": _READING,
    "speech.sentence_audio": _READING,
    "operations.healthz": _PUBLIC,
    "operations.readyz": _PUBLIC,
    "operations.metrics": _PUBLIC,
    "offline.service_worker": _PUBLIC,
    "offline.manifest": _PUBLIC,
    "offline.rules": _PUBLIC,
    "offline.blank_question": _PUBLIC,
    "offline.blank_service": _PUBLIC,  # rendered for nobody, like the blank questions
    "offline.page": _PUBLIC,
    "offline.status": "tags and a form token: nothing of hers",
}
CATCH_ALL_ACTION = "view_page"
CITIZEN_DATA_BLUEPRINTS = ("apply", "applications")


def init_app(app):
    app.before_request(keep_helper_in_scope)
    app.after_request(log_helper_access)


def acting_helper_id() -> str | None:
    """The helper acting for g.user on this request, for acted_by on the record."""
    return g.helper.id if g.get("acting") is not None else None


def covers(service_code: str) -> bool:
    """May this page show or change the service for g.user? Always, for the citizen."""
    return g.get("acting") is None or g.acting.covers(service_code)


def service_of_request() -> str | None:
    args = request.view_args or {}
    if "code" in args:
        return args["code"]
    if "number" in args:
        application = platform().application(args["number"], g.user.id)
        return application.service_code if application else None
    return None


def keep_helper_in_scope():
    if g.get("acting") is None or request.blueprint not in CITIZEN_DATA_BLUEPRINTS:
        return None
    code = service_of_request()
    if code is not None and not covers(code):
        abort(403)
    return None


def access_action(endpoint: str | None, method: str, status: int) -> str | None:
    """The access-log action of a response to a helper acting for a citizen, or None
    when it shows and changes nothing of hers. HEAD is answered before the view runs
    (app/core/form_tokens.py) and OPTIONS never runs it: they show nothing."""
    if status >= 400 or method in ("HEAD", "OPTIONS") or endpoint in NO_ENTRY:
        return None
    shown = "GET" if status == 200 else method
    return (ACCESS_ACTIONS.get((endpoint, shown)) or ACCESS_ACTIONS.get((endpoint, method))
            or CATCH_ALL_ACTION)


def log_helper_access(response):
    if g.get("acting") is None:
        return response
    action = access_action(request.endpoint, request.method, response.status_code)
    if action:
        args = request.view_args or {}
        consents().record_access(g.user.id, g.helper.id, "helper", action,
                                 args.get("number") or args.get("code"))
    return response
