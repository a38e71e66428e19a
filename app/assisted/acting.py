"""Assisted mode on every request: a helper acting for a citizen stays inside that
citizen's consent (its services), and everything the helper sees or changes of the
citizen's data is written to the citizen's access log."""
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
    ("messages.index", "GET"): "view_messages",
    ("messages.detail", "GET"): "view_messages",
    # Offline entry: an answer entered offline and sent later (201: applied).
    ("offline.send", "POST"): "save_answer",
}
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


def log_helper_access(response):
    if g.get("acting") is None or response.status_code >= 400:
        return response
    method = "GET" if response.status_code == 200 else request.method
    action = ACCESS_ACTIONS.get((request.endpoint, method))
    if action:
        args = request.view_args or {}
        consents().record_access(g.user.id, g.helper.id, "helper", action,
                                 args.get("number") or args.get("code"))
    return response
