"""Security headers on every response, a CSP nonce per request, and the flags of the
cookies the front sets (a strict CSP: no inline script or style)."""
from __future__ import annotations

import secrets

from flask import current_app, g, request

# Only our own files: no inline script or style anywhere (htmx is told not to inject
# its indicator styles: meta htmx-config in base.html). data: images only for the
# favicon `data:,`, which spares every first visit a /favicon.ico request.
CSP = ("default-src 'none'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
       "img-src 'self' data:; media-src 'self'; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")

# Static files (served by WhiteNoise, app/core/static_files.py): nothing in them may load or
# run anything (an SVG opened on its own included).
STATIC_CSP = "default-src 'none'; style-src 'self'; frame-ancestors 'none'"
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Same-origin only: Flask-WTF checks the Referer of HTTPS form posts (so never
    # "no-referrer"), and no other site learns our paths.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
                           "magnetometer=(), microphone=(), payment=(), usb=()"),
    # frame-ancestors says this to current browsers; older ones (elders' old phones)
    # only understand X-Frame-Options.
    "X-Frame-Options": "DENY",
    # No other site may open us in a shared window or embed our responses (speech
    # audio of a page with personal data included).
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app):
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(add_headers)


def csp_nonce() -> str:
    """This response's nonce, for the nonce attribute of our <script> tags."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def over_https() -> bool:
    """Behind HTTPS: the operator says so (YIBAN_SECURE_COOKIES=1, e.g. behind a proxy
    that ends TLS), or the request itself came over HTTPS."""
    return bool(current_app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def cookie_options() -> dict:
    """Flags for the front's own cookies (display, language), as for the session."""
    return {"httponly": True, "samesite": "Lax", "secure": over_https()}


def add_headers(response):
    response.headers["Content-Security-Policy"] = CSP.format(nonce=csp_nonce())
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    # Browsers ignore HSTS over plain HTTP; not sending it there also keeps a local
    # https://localhost experiment from pinning localhost to HTTPS for a year.
    if over_https():
        response.headers["Strict-Transport-Security"] = HSTS
    # Pages for someone signed in are never kept: on a shared computer the Back button
    # must not show them after signing out. (Speech sets its own, stricter rules.)
    if (g.get("user") is not None or g.get("helper") is not None) \
            and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response
