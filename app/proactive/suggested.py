"""服务找人 for the person signed in: what the rules suggest today, less what the
citizen dismissed, and for a helper only what the consent covers. The home page shows
them; 不再提示 dismisses one."""
from __future__ import annotations

from flask import g

from ..core.clock import china_date
from ..core.deps import now, platform, store
from ..messages.access import centre
from .rules import applied_services, suggestions


def due_suggestions():
    """What 服务找人 suggests to the signed-in citizen today, dismissed or not. A
    licence due for renewal is also a reminder in the messages (and a text), once:
    made here, where it is known anyway, not in a request of its own."""
    applied = applied_services(platform().applications_of(g.user.id))
    due = suggestions(g.user, china_date(now()), applied)
    if g.get("acting") is None:
        centre().remind_renewals(g.user.id, due)
    return due


def suggestions_for_user(services) -> list[tuple]:
    """服务找人: (suggestion, service) for the signed-in citizen, or nobody. Not those
    the citizen dismissed (until their reason changes); for a helper acting for the
    citizen, only those the consent's services cover."""
    if g.user is None:
        return []
    by_code = {s.code: s for s in services}
    dismissed = store().dismissed_suggestions(g.user.id)
    acting = g.get("acting")
    return [(s, by_code[s.service_code]) for s in due_suggestions()
            if s.service_code in by_code and store().suggestion_hash(s.key) not in dismissed
            and (acting is None or acting.covers(s.service_code))]
