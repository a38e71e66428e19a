"""Whole pages that are the same for every anonymous visitor (the home page, a service
page), kept per process and answered in front of Flask: a repeated anonymous GET runs
no before-request hook, loads no session and renders nothing.

What may differ between two visitors, and how a kept page never carries it over:
- the session: a request that carries the session cookie is never answered from here,
  and a page is kept only when its response set no cookie at all (so nobody's CSRF
  token, flash message, session id or reading script is in it: each of those writes
  the session);
- the CSP nonce: every answer gets a fresh one, written into the kept page's script
  tags and policy header (the page is kept split at its nonce);
- the request id: this request's own (or the one the proxy sent);
- everything else the page is rendered from is in the key: scheme, host, script root,
  path and query, every cookie but the session's (language, display settings), the
  Accept-Language header and htmx's HX-* headers.

A view says its page may be kept with `@shared_page`; the page is then kept only if the
request was anonymous, the answer a 200 and the session untouched. The platform's
catalogue version (asked at most every CATALOGUE_CHECK_SECONDS, as the catalogue kept
in memory is) is part of every entry: a catalogue change drops them all. The size is
bounded (PAGE_CACHE_MB per process, least recently used pages go first); 0 turns it
off, as do Flask's debug mode and reloading templates.

Storage is cachetools' LRUCache (bounded by bytes) behind a lock. Flask-Caching was
not used: it caches what a view returns, so a hit would still run every
before-request hook (sign-in, form tokens, locale, display) and Flask's request
machinery, which is most of what an anonymous page costs once rendered."""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from functools import wraps

from cachetools import LRUCache
from flask import current_app, g, request, session
import brotli
import gzip
from werkzeug.datastructures import Accept
from werkzeug.http import parse_accept_header, parse_cookie

from .platform_cache import catalogue_cache

# Keys of the WSGI environ (a client cannot set them: its headers are HTTP_*).
OFFERED = "yiban.page_cache.offered"  # this request's page may be kept, if the view says so
INTERNAL = "yiban."  # keys of an internal re-render (speech's): never answered from here
# Headers made afresh for each answer.
PER_ANSWER = frozenset({"content-length", "content-encoding", "x-request-id"})


@dataclass(frozen=True)
class KeptPage:
    version: str
    status: str
    headers: tuple  # (name, value, or the value's parts split at the nonce)
    body: tuple[bytes, ...]  # the page split at its nonce
    route: str

    @property
    def size(self) -> int:
        return sum(len(part) for part in self.body) + 512


def shared_page(view):
    """The page this view renders is the same for every anonymous visitor with the
    same language, display settings and URL (see the module docstring)."""
    @wraps(view)
    def marked(*args, **kwargs):
        g.shared_page = True
        return view(*args, **kwargs)
    return marked


class PageCache:
    """WSGI middleware in front of the Flask app."""

    def __init__(self, app, wsgi_app, record_hit):
        self.app = app
        self.wsgi_app = wsgi_app
        self.record_hit = record_hit  # (environ, route, status, seconds) -> request id
        self.pages = LRUCache(maxsize=max(1, int(app.config["PAGE_CACHE_MB"] * 1024 * 1024)),
                              getsizeof=lambda page: page.size)
        self.lock = threading.Lock()
        self.session_cookie = app.config["SESSION_COOKIE_NAME"]

    # ---- in front of Flask --------------------------------------------------------
    def __call__(self, environ, start_response):
        started = time.perf_counter()
        key = self.key(environ) if self.enabled(environ) else None
        version = self.catalogue_version() if key is not None else None
        if version is None:
            return self.wsgi_app(environ, start_response)
        with self.lock:
            page = self.pages.get(key)
            if page is not None and page.version != version:
                self.pages.clear()  # the catalogue changed: every kept page is stale
                page = None
        if page is not None:
            return self.answer(page, environ, start_response, started)
        return self.render_and_keep(key, version, environ, start_response)

    def enabled(self, environ) -> bool:
        return (environ.get("REQUEST_METHOD") == "GET"
                and self.pages.maxsize > 1 and not self.app.debug
                and not self.app.jinja_env.auto_reload
                and not any(name.startswith(INTERNAL) for name in environ))

    def key(self, environ) -> tuple | None:
        """None for a request that brings a session: it may be signed in, hold a
        form token or a message, so it is never answered from here nor kept."""
        cookies = parse_cookie(environ)
        if self.session_cookie in cookies:
            return None
        return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"),
                environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""),
                environ.get("QUERY_STRING", ""), tuple(sorted(cookies.items(multi=True))),
                environ.get("HTTP_ACCEPT_LANGUAGE"),
                tuple(sorted((name, value) for name, value in environ.items()
                             if name.startswith("HTTP_HX_"))))

    def catalogue_version(self) -> str | None:
        """The version pages are kept under; None (nothing kept or answered) when the
        platform cannot say: Flask then answers, with its unavailable page if need be."""
        platform = self.app.extensions["platform"]
        if not hasattr(platform, "catalogue_version"):
            return None
        cache = catalogue_cache(platform, self.app.config.get("CATALOGUE_CHECK_SECONDS", 5.0))
        try:
            return str(cache.current_version(platform))
        except Exception:  # noqa: BLE001 — any failure: let Flask answer as it would
            return None

    def answer(self, page: KeptPage, environ, start_response, started: float):
        nonce = secrets.token_urlsafe(18)
        body = nonce.encode().join(page.body)
        headers = [(name, value if isinstance(value, str) else nonce.join(value))
                   for name, value in page.headers]
        algorithm = self.encoding(environ.get("HTTP_ACCEPT_ENCODING", ""))
        if algorithm and len(body) >= self.app.config["COMPRESS_MIN_SIZE"]:
            body = self.compress(body, algorithm)
            headers.append(("Content-Encoding", algorithm))
        headers.append(("Content-Length", str(len(body))))
        request_id = self.record_hit(environ, page.route, 200,
                                     time.perf_counter() - started)
        headers.append(("X-Request-ID", request_id))
        start_response(page.status, headers)
        return [body]

    def encoding(self, accept_encoding: str) -> str | None:
        """As Flask-Compress chooses for a page: the first of COMPRESS_ALGORITHM the
        browser accepts."""
        accepted = parse_accept_header(accept_encoding, Accept)
        return next((name for name in self.app.config["COMPRESS_ALGORITHM"]
                     if accepted[name] > 0), None)

    def compress(self, body: bytes, algorithm: str) -> bytes:
        """With Flask-Compress's settings (config.py), so a kept page weighs the same."""
        config = self.app.config
        if algorithm == "br":
            return brotli.compress(body, mode=config["COMPRESS_BR_MODE"],
                                   quality=config["COMPRESS_BR_LEVEL"],
                                   lgwin=config["COMPRESS_BR_WINDOW"],
                                   lgblock=config["COMPRESS_BR_BLOCK"])
        return gzip.compress(body, config["COMPRESS_LEVEL"])

    def render_and_keep(self, key, version, environ, start_response):
        environ[OFFERED] = None
        answered = {}

        def capture(status, headers, exc_info=None):
            answered.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        offer = environ.get(OFFERED)
        if (offer is not None and answered.get("status", "").startswith("200 ")
                and not any(name.lower() == "set-cookie" for name, _ in answered["headers"])):
            page_body, nonce, route = offer
            split = lambda value: tuple(value.split(nonce)) if nonce in value else value
            headers = tuple((name, split(value)) for name, value in answered["headers"]
                            if name.lower() not in PER_ANSWER)
            page = KeptPage(version, answered["status"], headers,
                            tuple(page_body.split(nonce.encode())), route)
            if page.size <= self.pages.maxsize:  # a page bigger than the whole cache: not kept
                with self.lock:
                    self.pages[key] = page
        return body


# ---- inside Flask: what the view rendered ----------------------------------------------
def offer_page(response):
    """After every other hook but compression: the uncompressed page of an anonymous
    shared page, for the middleware to keep once it has seen the final headers."""
    if (OFFERED in request.environ and g.get("shared_page") and response.status_code == 200
            and not response.is_streamed and g.get("csp_nonce")
            and g.get("user") is None and g.get("helper") is None
            and not session and not session.modified):
        route = request.url_rule.rule if request.url_rule else "(no route)"
        request.environ[OFFERED] = (response.get_data(), g.csp_nonce, route)
    return response


def init_app(app, record_hit) -> None:
    """Right after Flask-Compress (its hook must run last); before ProxyFix and
    WhiteNoise wrap the app, so the key sees the restored scheme and host."""
    app.config.setdefault("PAGE_CACHE_MB", 16)
    app.after_request(offer_page)
    app.wsgi_app = app.extensions["page_cache"] = PageCache(app, app.wsgi_app, record_hit)
