"""Who is signed in, idle expiry, and the sign-in guard."""
from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session, url_for

from .deps import platform

TOUCH_EVERY_SECONDS = 60  # refresh "last seen" at most this often (fewer cookie writes)


def init_app(app):
    app.before_request(load_signed_in_person)


def load_signed_in_person():
    g.user = None
    g.session_expired = False
    person_id = session.get("person_id")
    if not person_id:
        return
    now = time.time()
    idle_limit = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    if now - session.get("seen", 0) > idle_limit:
        # The session ends but the draft stays: everything was saved at each step.
        sign_out()
        session["expired_person_id"] = person_id  # whose answers may be parked now
        g.session_expired = True
        return
    g.user = platform().person(person_id)
    if g.user is None:
        sign_out()
        return
    if now - session.get("seen", 0) > TOUCH_EVERY_SECONDS:
        session["seen"] = now


def sign_in(person_id: str) -> None:
    session.clear()  # a new session identity on sign-in (no fixation)
    session.permanent = True
    session["person_id"] = person_id
    session["seen"] = time.time()


def sign_out() -> None:
    for key in ("person_id", "seen"):
        session.pop(key, None)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths: never redirect to another site after sign-in."""
    if not target:
        return default
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/")
            or target.startswith("//") or "\\" in target):
        return default
    return target


def sign_in_url(next_path: str | None = None) -> str:
    return url_for("account.sign_in", next=next_path or request.full_path.rstrip("?"),
                   expired=1 if g.get("session_expired") else None)


def login_required(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        if g.user is None:
            return redirect(sign_in_url())
        return view(*args, **kwargs)
    return guarded
