"""Which refused form posts may still keep what was typed, and which are refused
outright (CSRF by parking: a post from another site must never put answers on
anyone's draft, nor touch the session).

A question page posted with a token that went stale in this same browser (the sign-in
was renewed in another tab, which issues a new token) keeps the answers. Everything
else is refused with the plain 400 page and the session left as it was: a missing
token, a token issued to another session (an attacker can get a validly signed token
from their own), and any unsafe request another site sent."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, g, request, session
from itsdangerous import BadData, URLSafeTimedSerializer

TOKEN_KEY = "csrf_token"  # where Flask-WTF keeps this session's raw token
EARLIER_KEY = "earlier_csrf_tokens"  # raw tokens this browser held before a sign-in
KEEP_EARLIER = 3
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def init_app(app) -> None:
    # First of all before-request hooks: a cross-site post is refused, and a HEAD
    # answered, before the sign-in is even looked at (so `seen` is not moved either).
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(0, refuse_cross_site_posts)
    hooks.insert(0, answer_head_without_running_the_view)


def answer_head_without_running_the_view():
    """HEAD never changes anything (no draft started, no session written) and shows
    nothing, so it needs no access-log entry either: the views are not run for it.
    Static files are still answered by Flask as usual."""
    if request.method == "HEAD" and request.endpoint != "static":
        leave_session_alone()
        return "", 200


def leave_session_alone() -> None:
    """This response must not write the session (app/sessions.py reads the flag)."""
    g.leave_session_alone = True


def session_left_alone() -> bool:
    return bool(g.get("leave_session_alone"))


def cross_site() -> bool:
    """The browser says another site sent this request (Sec-Fetch-Site), or its
    Origin is not ours. Browsers too old for either send neither."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return True
    origin = request.headers.get("Origin")
    return origin is not None and urlsplit(origin).netloc != request.host


def refuse_cross_site_posts():
    if request.method not in SAFE_METHODS and cross_site():
        leave_session_alone()
        abort(400)


def remember_earlier_token(old_session: dict) -> None:
    """On sign-in the session starts afresh with a new token; the forms still open in
    this browser carry the old one, which may keep what was typed (never pass)."""
    earlier = [old_session.get(TOKEN_KEY), *old_session.get(EARLIER_KEY, [])]
    session[EARLIER_KEY] = [t for t in earlier if t][:KEEP_EARLIER]


def _raw_token(signed: str) -> str | None:
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    try:
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").loads(signed)
    except BadData:
        return None


def stale_token_of_this_session() -> bool:
    """The posted token was issued to this browser's session before it was renewed."""
    signed = request.form.get(TOKEN_KEY) or request.headers.get("X-CSRFToken")
    raw = _raw_token(signed) if signed else None
    return raw is not None and raw in session.get(EARLIER_KEY, [])
