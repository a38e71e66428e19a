"""Whose a reading script is: the signed-in person (and the helper acting for them, in
assisted mode), a signed-in helper, or else this browser session (an anonymous id
kept in the signed session cookie). Every script is private to its owner."""
from __future__ import annotations

import secrets

from flask import g, session

SESSION_KEY = "speech_owner"


def signed_in() -> bool:
    return g.get("user") is not None or g.get("helper") is not None


def current_owner(create: bool = False) -> str | None:
    user, helper = g.get("user"), g.get("helper")
    parts = ([f"person:{user.id}"] if user is not None else []) + \
        ([f"helper:{helper.id}"] if helper is not None else [])
    if parts:
        return "|".join(parts)
    token = session.get(SESSION_KEY)
    if token is None and create:
        token = session[SESSION_KEY] = secrets.token_urlsafe(18)
    return f"session:{token}" if token else None
