"""Friendly error pages. An expired form or sign-in never loses the user's answers."""
from __future__ import annotations

import logging

from flask import render_template, request
from flask_wtf.csrf import CSRFError

from .apply.drafts import keep_unsaved_answers
from .core.form_tokens import leave_session_alone, stale_token_of_this_session
from .core.limits import seconds_to_wait
from .platform import PlatformUnavailable

log = logging.getLogger(__name__)


def init_app(app):
    @app.errorhandler(400)
    def bad_request(_error):
        # A query parameter outside its allowed values (e.g. a speech rate): a page in
        # the reader's language, not Werkzeug's English one.
        return render_template("errors/400.html"), 400

    @app.errorhandler(404)
    def not_found(_error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(413)
    def too_large(_error):
        return render_template("errors/413.html"), 413

    @app.errorhandler(429)
    def too_many(_error):
        # Says how long to wait; never refreshes by itself (no surprise, no time limit).
        wait = seconds_to_wait()
        response = app.make_response((render_template("errors/429.html", wait=wait), 429))
        response.headers["Retry-After"] = str(wait)
        return response

    @app.errorhandler(500)
    def server_error(_error):
        return render_template("errors/500.html"), 500

    @app.errorhandler(PlatformUnavailable)
    def platform_unavailable(error):
        # The platform is down, slow or its circuit is open (app/platform/http): a kind
        # page at once, never a hung worker or a trace. Drafts live in the front's own
        # store and submissions in its outbox, so nothing is lost.
        log.warning("platform unavailable: %s", error)
        response = app.make_response((render_template("errors/unavailable.html"), 503))
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(CSRFError)
    def expired_form(_error):
        # On a question page the typed answers are kept and the user sent back to it,
        # but only under a token this browser was given before (app/form_tokens.py):
        # a post without one, or with someone else's, keeps nothing and changes nothing.
        if request.endpoint == "apply.question" and stale_token_of_this_session():
            return keep_unsaved_answers(**request.view_args)
        leave_session_alone()
        return render_template("errors/expired_form.html"), 400
