"""Rate limits (Flask-Limiter) on what can be guessed or scraped: passwords, consent
and helper codes, search. Generous for people, who are also slowed down per account
after wrong passwords (account.wait_seconds) and never locked out; tight enough that
a script cannot try thousands of accounts or codes from one place.

One Limiter per app (made in init_app), so two apps in one process (the tests) never
share counters; the limits are attached to endpoints here, in one table, rather than
as decorators spread over the blueprints."""
from __future__ import annotations

import hashlib
import math
import time

from flask import current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many

DEFAULTS = {
    # Password checks from one address: citizen and helper sign-in share one budget.
    "RATELIMIT_SIGN_IN": "20 per minute;300 per hour",
    # Consent codes (a helper's code typed by a citizen; a citizen's password at the
    # helper's counter), per signed-in account.
    "RATELIMIT_CONSENT": "10 per minute;60 per hour",
    "RATELIMIT_SEARCH": "120 per minute",
    # Answers parked for after sign-in (an expired sign-in), per address: people need
    # a handful; a script must not fill the disk.
    "RATELIMIT_PARK": "10 per minute;60 per hour",
    # The time until the next try is allowed, not the top of the next hour.
    "RATELIMIT_STRATEGY": "moving-window",
}

# (endpoint, methods, config key of the limit, shared scope, key function name)
LIMITS = (
    ("account.sign_in", ["POST"], "RATELIMIT_SIGN_IN", "sign-in", "address"),
    ("assisted.sign_in", ["POST"], "RATELIMIT_SIGN_IN", "sign-in", "address"),
    ("assisted.in_person", ["POST"], "RATELIMIT_CONSENT", "consent", "account"),
    ("consent.grant", ["POST"], "RATELIMIT_CONSENT", "consent", "account"),
    ("catalogue.search", None, "RATELIMIT_SEARCH", "search", "address"),
)


def signed_in_account() -> str:
    """Who is signed in (helper first: an acting helper is limited as themself), else
    the address. Hashed, so no account id sits in the limiter's storage or log lines."""
    if g.get("helper") is not None:
        who = f"helper:{g.helper.id}"
    elif g.get("user") is not None:
        who = f"person:{g.user.id}"
    else:
        return get_remote_address()
    return hashlib.sha256(who.encode()).hexdigest()[:32]


KEYS = {"address": get_remote_address, "account": signed_in_account}


def init_app(app) -> None:
    """After the blueprints are registered: the limits wrap their view functions.
    Behind a reverse proxy the client's address must be restored first (werkzeug's
    ProxyFix), or everyone shares the proxy's one budget."""
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    limiter = Limiter(get_remote_address, storage_uri=app.config["RATELIMIT_STORAGE_URI"],
                      strategy=app.config["RATELIMIT_STRATEGY"], key_prefix="yiban")
    limiter.init_app(app)
    app.extensions["rate_limiter"] = limiter
    for endpoint, methods, config_key, scope, key in LIMITS:
        limit = limiter.shared_limit(app.config[config_key], scope, key_func=KEYS[key],
                                     methods=methods)
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])


def allow(config_key: str, scope: str, key: str = "address") -> bool:
    """One more use of something that is no endpoint of its own (parking answers,
    speech synthesis), counted in the limiter's storage like the endpoints' limits.
    False when the budget is spent (nothing is counted then)."""
    limiter = current_app.extensions["rate_limiter"].limiter
    who = KEYS[key]()
    items = parse_many(current_app.config[config_key])
    if not all(limiter.test(item, scope, who) for item in items):
        return False
    for item in items:
        limiter.hit(item, scope, who)
    return True


def seconds_to_wait() -> int:
    """For the 429 page: how long until the limit that was hit lets the next try in."""
    limiter = current_app.extensions.get("rate_limiter")
    hit = limiter.current_limit if limiter is not None else None
    if hit is None:
        return 60
    return max(1, math.ceil(hit.window.reset_time - time.time()))
