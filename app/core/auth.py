"""Who is signed in (a citizen, or a helper possibly acting for a citizen), idle
expiry, and the sign-in guards."""
from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for

from .account_copies import account_copies
from .account_copies import init_app as account_copies_init
from .deps import consents, store
from .form_tokens import remember_earlier_token
from .sessions import new_session_id

TOUCH_EVERY_SECONDS = 60  # refresh "last seen" at most this often (fewer cookie writes)
# The page warns this long before an idle sign-in ends (at least 2 minutes, to read and answer it).
WARN_BEFORE_SECONDS = 180
EXPIRES_IN_HEADER = "Yiban-Session-Expires-In"


def init_app(app):
    account_copies_init(app)
    app.before_request(load_signed_in_person)
    app.after_request(tell_htmx_time_left)


def load_signed_in_person():
    """g.user is whose data the page shows: the citizen signed in, or the citizen a
    helper acts for while (and only while) that citizen's consent holds."""
    g.user = g.helper = g.acting = None
    g.session_expired = g.consent_ended = g.platform_down = False
    person_id, helper_id = session.get("person_id"), session.get("helper_id")
    if not (person_id or helper_id):
        return
    now = time.time()
    idle_limit = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    if now - session.get("seen", 0) > idle_limit:
        # The session ends but the draft stays: everything was saved at each step.
        sign_out()
        # Whose answers may be parked now; a helper's never go to a citizen's sign-in.
        session["expired_person_id"] = person_id or f"helper:{helper_id}"
        g.session_expired = True
        return
    revoked_at = store().sessions_revoked_at(session_account())
    if revoked_at is not None and session.get("signed_in_at", 0) <= revoked_at:
        sign_out()  # "sign out everywhere" was used after this sign-in
        return
    if helper_id:
        load_helper(helper_id)
    else:
        g.user = account_copies().get("person", person_id)
    if g.user is None and g.helper is None:
        sign_out()
        return
    if now - session.get("seen", 0) > TOUCH_EVERY_SECONDS:
        session["seen"] = now


def seconds_left() -> int | None:
    """Seconds until this sign-in ends if nothing more happens, counted as the server
    will count it: from `seen`, which a request moves only every TOUCH_EVERY_SECONDS,
    so a page may be up to that much closer to the end than the idle limit. None when
    nobody is signed in."""
    if g.get("user") is None and g.get("helper") is None:
        return None
    idle_limit = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    return max(0, int(idle_limit - (time.time() - session.get("seen", 0))))


def extend() -> None:
    """Start the idle clock again now (the time-out warning's "Stay signed in")."""
    session["seen"] = time.time()


def tell_htmx_time_left(response):
    """An htmx request (inline validation, display settings) may have moved `seen`:
    the page's time-out warning reads the new count from this header."""
    left = seconds_left()
    if left is not None and request.htmx:
        response.headers[EXPIRES_IN_HEADER] = str(left)
    return response


def load_helper(helper_id: str) -> None:
    g.helper = account_copies().get("helper", helper_id)
    citizen_id = session.get("acting_for")
    if g.helper is None or not citizen_id:
        return
    # Consent is checked on every request: a revoked or expired authorisation ends
    # the assisted session at once.
    g.acting = consents().active(helper_id, citizen_id)
    if g.acting is None:
        session.pop("acting_for", None)
        g.consent_ended = True
        return
    g.user = account_copies().get("person", citizen_id)


def _start_session(**identity) -> None:
    earlier = dict(session)
    session.clear()  # a new session identity on sign-in (no fixation) …
    remember_earlier_token(earlier)
    session.permanent = True
    session.update(identity)
    session["seen"] = session["signed_in_at"] = time.time()
    new_session_id()  # … under a new id, the old one deleted from the store


def session_account() -> str:
    """The account this session is signed in to (for "sign out everywhere")."""
    if session.get("helper_id"):
        return f"helper:{session['helper_id']}"
    return f"person:{session.get('person_id')}"


def sign_out_everywhere() -> None:
    """End every session of the signed-in account, on every device, this one too."""
    store().revoke_sessions(session_account(), time.time())
    sign_out()


def sign_in(person_id: str) -> None:
    _start_session(person_id=person_id)


def sign_in_helper(helper_id: str) -> None:
    _start_session(helper_id=helper_id)


def act_for(citizen_id: str | None) -> None:
    """Start (or, with None, stop) acting for a citizen; consent is checked per request."""
    if citizen_id:
        session["acting_for"] = citizen_id
    else:
        session.pop("acting_for", None)


def sign_out() -> None:
    for key in ("person_id", "helper_id", "acting_for", "seen", "signed_in_at"):
        session.pop(key, None)
    new_session_id()  # a copy of the old cookie opens nothing any more


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths: never redirect to another site after sign-in."""
    if not target:
        return default
    parts = urlsplit(target)
    # Control characters: urlsplit drops tab and line breaks (so "/\t/evil" would pass as
    # "//evil" in a browser), and a line break in the Location header is an error.
    if (parts.scheme or parts.netloc or not target.startswith("/")
            or target.startswith("//") or "\\" in target
            or any(ord(ch) < 32 or ord(ch) == 127 for ch in target)):
        return default
    return target


def sign_in_url(next_path: str | None = None) -> str:
    return url_for("account.sign_in", next=next_path or request.full_path.rstrip("?"),
                   expired=1 if g.get("session_expired") else None)


def login_required(view):
    """A citizen's page: the citizen, or a helper acting for them with consent."""
    @wraps(view)
    def guarded(*args, **kwargs):
        if g.user is None:
            if g.helper is not None:  # not (or no longer) acting for anyone
                return redirect(url_for("assisted.worklist"))
            return redirect(sign_in_url())
        return view(*args, **kwargs)
    return guarded


def citizen_required(view):
    """Only the citizen themself: consent, the access log. Never a helper."""
    @wraps(view)
    def guarded(*args, **kwargs):
        if g.helper is not None:
            abort(403)
        if g.user is None:
            return redirect(sign_in_url())
        return view(*args, **kwargs)
    return guarded


def helper_required(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        if g.helper is None:
            return redirect(url_for("assisted.sign_in", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return guarded
