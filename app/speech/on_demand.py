"""A page's reading script made when the player first asks for it.

With speech off, the player's URLs name the page (its path and query) instead of a
script. The first request for them renders that page again, as a GET in the same
browser's name (same cookies), reads it and stores the script for this owner; the
answer is then what the script's own URLs give. The page is named by the server, and
only pages of this site are rendered: nothing here takes text to read from the
client."""
from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import abort, current_app, request

# Keys in the WSGI environ (a client cannot set them: its headers are HTTP_*).
_BUILD = "yiban.speech.build_for"
_BUILT = "yiban.speech.script_id"


def builds_now(speech_on: bool) -> bool:
    """Build at render time: speech is on, this is the player's own re-render, or the
    page answers a form (a POST cannot be rendered again with the same content)."""
    return speech_on or _BUILD in request.environ or request.method != "GET"


def page_reference() -> str:
    """What names this page in the player's URLs: its path and query."""
    return request.full_path.rstrip("?") if request.query_string else request.path


def owner() -> str | None:
    """Whose script the re-render makes (set by `script_id_for`)."""
    return request.environ.get(_BUILD)


def record(script_id: str) -> None:
    if _BUILD in request.environ:
        request.environ[_BUILT] = script_id


def script_id_for(page: str, owner_id: str) -> str:
    """Render `page` as this browser would GET it and store its reading script."""
    parts = urlsplit(page)
    if (not page.startswith("/") or page.startswith("//") or parts.scheme or parts.netloc
            or parts.path.startswith("/static/") or owner() is not None):
        abort(404)
    environ = {key: value for key, value in request.environ.items()
               if not key.startswith(("wsgi.input", "werkzeug.", "yiban."))}
    environ.update({
        # WSGI strings are bytes as latin-1: a query of Chinese words (a search) too.
        "REQUEST_METHOD": "GET", "PATH_INFO": parts.path.encode().decode("latin-1"),
        "QUERY_STRING": quote(parts.query, safe="=&+%"),
        "CONTENT_LENGTH": "0", "wsgi.input": _Empty(), _BUILD: owner_id,
        "HTTP_ACCEPT": "text/html", "HTTP_ACCEPT_ENCODING": "identity",
    })
    environ.pop("CONTENT_TYPE", None)
    environ.pop("HTTP_HX_REQUEST", None)
    statuses = []
    # Its own app context, so its own `g`: a request inside this one would otherwise
    # share ours, and a page that renders for nobody (offline entry's blank pages clear
    # g.user) would leave this request no longer knowing whose script it asked for.
    with current_app.app_context():
        body = current_app.wsgi_app(environ, lambda status, headers, exc=None: statuses.append(status))
        try:
            for _chunk in body:
                pass
        finally:
            getattr(body, "close", lambda: None)()
    if _BUILT not in environ:  # not a page with the player (a redirect, a file)
        abort(404)
    return environ[_BUILT]


class _Empty:
    def read(self, *args):
        return b""

    def readline(self, *args):
        return b""
