"""The 我的办件 blueprint, shared by its three page modules (views: the list, a
submission, withdrawal; supplements: 补正; ratings: 好差评), and the ownership check
they all start with."""
from __future__ import annotations

from flask import Blueprint, abort, g

from ..core.deps import locale, platform

bp = Blueprint("applications", __name__, url_prefix="/my")


def own_application(number: str):
    """The signed-in citizen's application, or 404: someone else's looks like nothing."""
    application = platform().application(number, g.user.id)
    if application is None:
        abort(404)
    service = platform().service(application.service_code, locale())
    return application, service


def helpers_of(application) -> dict:
    """The helpers who acted on an application, by id, asked of the platform once each
    (the page names them: "sent on the citizen's behalf by …")."""
    ids = {application.submitted_by} | {event.acted_by for event in application.timeline}
    return {helper_id: platform().helper(helper_id) for helper_id in ids - {None}}
