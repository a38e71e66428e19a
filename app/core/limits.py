"""Rate limits (Flask-Limiter) on what can be guessed, scraped or made to cost: passwords,
consent and helper codes, search, parked answers, speech synthesis. Generous for people,
who are also slowed down per account after wrong passwords (account.wait_seconds) and never locked out; tight enough that
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
    # Sentences synthesised for reading aloud (clips already in the audio cache are
    # free and not counted), per address. An honest reader of 朗读本页 on an elder-mode
    # page needs about 40 sentences; the player fetches them one by one as they are
    # read (a few seconds each), the link without JavaScript all at once. 200 a minute
    # is five such pages at once from one address (a family or a service hall behind
    # one router, or a change of speed, which makes new clips); 2000 an hour is
    # fifty pages. A script of fresh cookies gets no more: the count is per address.
    "RATELIMIT_SPEECH": "200 per minute;2000 per hour",
    # The same, all addresses together: what the speech workers can synthesise
    # (about 20 short sentences a second on 2 cores) with room left for pages, so many
    # addresses together cannot keep the server busy either.
    "RATELIMIT_SPEECH_ALL": "1200 per minute;20000 per hour",
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


# Everyone together: one count for all clients (a global limit).
KEYS = {"address": get_remote_address, "account": signed_in_account,
        "everyone": lambda: "everyone"}

# Budgets of uses that are no endpoint of their own (see allow): name -> the limits
# (config key, key function name) that must all allow a use.
BUDGETS = {
    "park": (("RATELIMIT_PARK", "address"),),
    "speech": (("RATELIMIT_SPEECH", "address"), ("RATELIMIT_SPEECH_ALL", "everyone")),
}


def init_app(app) -> None:
    """After the blueprints are registered: the limits wrap their view functions.
    Behind a reverse proxy the client's address must be restored first (werkzeug's
    ProxyFix), or everyone shares the proxy's one budget."""
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    # The prefix keeps apart deployments (or tests) that share one Redis.
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "yiban")
    limiter = Limiter(get_remote_address, storage_uri=app.config["RATELIMIT_STORAGE_URI"],
                      strategy=app.config["RATELIMIT_STRATEGY"],
                      key_prefix=app.config["RATELIMIT_KEY_PREFIX"])
    limiter.init_app(app)
    app.extensions["rate_limiter"] = limiter
    # Every limit here is an endpoint's (below), checked when its view is called. The
    # library's hook before every request is for default and application-wide limits,
    # which we have none of: it would only look for them on each page.
    hooks = app.before_request_funcs.get(None, [])  # none when RATELIMIT_ENABLED is off
    app_wide = app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION")
    if limiter._check_request_limit in hooks and not app_wide:
        hooks.remove(limiter._check_request_limit)
    for endpoint, methods, config_key, scope, key in LIMITS:
        limit = limiter.shared_limit(app.config[config_key], scope, key_func=KEYS[key],
                                     methods=methods)
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])


def _limits_of(budget: str):
    """(limit, who it counts) for each limit of a budget, for this request."""
    return [(item, KEYS[key]())
            for config_key, key in BUDGETS[budget]
            for item in parse_many(current_app.config[config_key])]


def allow(budget: str, cost: int = 1) -> bool:
    """`cost` more uses of something that is no endpoint of its own (parking answers,
    synthesising sentences), counted in the limiter's storage (shared by every worker
    and instance when it is Redis) like the endpoints' limits. False when any limit of
    the budget would be passed (nothing is counted then). A cost above a limit counts
    as that limit, so one large use can still happen when the budget is whole."""
    extension = current_app.extensions["rate_limiter"]
    if not extension.enabled:  # RATELIMIT_ENABLED=False, like the endpoints' limits
        return True
    limiter = extension.limiter
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    checks = [(item, who, min(cost, item.amount)) for item, who in _limits_of(budget)]
    if not all(limiter.test(item, prefix, budget, who, cost=n) for item, who, n in checks):
        return False
    for item, who, n in checks:
        limiter.hit(item, prefix, budget, who, cost=n)
    return True


def seconds_until_allowed(budget: str) -> int:
    """For a refused use of a budget: how long until its fullest limit lets one in."""
    limiter = current_app.extensions["rate_limiter"].limiter
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    waits = [limiter.get_window_stats(item, prefix, budget, who).reset_time - time.time()
             for item, who in _limits_of(budget)
             if not limiter.test(item, prefix, budget, who)]
    return max(1, math.ceil(max(waits, default=60)))


def seconds_to_wait() -> int:
    """For the 429 page: how long until the limit that was hit lets the next try in."""
    limiter = current_app.extensions.get("rate_limiter")
    hit = limiter.current_limit if limiter is not None else None
    if hit is None:
        return 60
    return max(1, math.ceil(hit.window.reset_time - time.time()))
