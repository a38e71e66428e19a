"""The app's message centre, and which of its messages the person looking may see."""
from __future__ import annotations

from flask import current_app, g

from ..assisted.acting import covers
from .centre import CITIZEN_ONLY, MessageCentre


def centre() -> MessageCentre:
    return current_app.extensions["messages"]


def visible_to_viewer(message) -> bool:
    """The citizen sees all their messages; a helper acting for them only those about
    services their consent covers, and nothing about consent itself."""
    if g.get("acting") is None:
        return True
    if message.kind in CITIZEN_ONLY:
        return False
    return message.service_code is None or covers(message.service_code)
