"""Parts of every page that depend only on the language: the offline bar's words, the
speech controls, the time-out warning's sentences, the footer. Each is rendered once per
process, language and script root (url_for's prefix) instead of on every page: about
half of a page's translated strings.

Such a template sees no request, session, person or display mode: those names are
refused while it renders (tests/test_render_path.py also checks each fragment's
names), so a later edit that reads one fails at once rather than showing one
person's page to everyone."""
from __future__ import annotations

from flask import current_app, has_request_context, request
from jinja2 import StrictUndefined
from markupsafe import Markup

from .deps import locale

# What a language-only fragment may use besides its own constants.
ALLOWED_NAMES = frozenset({"_", "gettext", "ngettext", "url_for"})
# Per-request names of base.html's context and Flask's globals, refused in a fragment.
REFUSED_NAMES = ("request", "session", "g", "config", "current_user", "current_helper",
                 "acting", "display", "csrf_token", "csp_nonce", "get_flashed_messages",
                 "offline_attributes", "speech_player", "unread_messages", "session_expires_in",
                 "offline_blank", "languages", "page_locale", "page_lang", "page_dir")

def per_language(name: str, **constants) -> Markup:
    """The rendered template `name` in this request's language, from the process's
    cache. `constants`: values that are the same for everyone (e.g. a setting)."""
    env = current_app.jinja_env
    cache = current_app.extensions.setdefault("language_fragments", {})
    script_root = request.script_root if has_request_context() else ""
    key = (name, locale(), script_root, tuple(sorted(constants.items())))
    html = None if env.auto_reload else cache.get(key)  # auto_reload: templates being edited
    if html is None:
        refused = {n: StrictUndefined(name=n, hint=f"{name} is cached per language: "
                                      f"it cannot use {n}") for n in REFUSED_NAMES}
        html = cache[key] = Markup(env.get_template(name).render(**refused, **constants))
    return html


def init_app(app) -> None:
    app.jinja_env.globals["per_language"] = per_language
