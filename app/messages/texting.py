"""Texts a citizen asks for (not made from platform events): their application number."""
from __future__ import annotations

import logging

from flask import current_app, g
from flask_babel import force_locale, gettext as _

from ..core.templating import GENERAL_HOTLINE
from .senders import Outgoing
from .text import SMS_LOCALE

log = logging.getLogger(__name__)


def text_application_number(application, service) -> bool:
    """Text the number to the signed-in citizen's own mobile; False if it could not go."""
    person = g.user
    if not getattr(person, "mobile", None):
        return False
    with force_locale(SMS_LOCALE):
        body = _("[Yiban] Your application number for %(service)s is %(number)s. Questions: call %(hotline)s.",
                 service=str(service.name), number=application.number, hotline=GENERAL_HOTLINE)
    try:
        current_app.extensions["messages"].sender.send(Outgoing("sms", person.mobile, body))
    except Exception:  # a gateway fault: the page says so, nothing is lost
        log.exception("could not text application %s", application.number)
        return False
    return True
