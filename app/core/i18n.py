"""Locale choice, catalogue compilation, language tags and text direction.

The locale of a request, first match wins:
1. the explicit choice in this browser: the `yiban_lang` cookie the language switch sets;
2. the signed-in citizen's own preference, kept in the front's database when they
   switch while signed in (and put on the browser again at sign-in);
3. the browser's Accept-Language (zh-TW / zh-HK / zh-Hant → 繁體中文, ug → ئۇيغۇرچە,
   zh / zh-CN → 简体中文, en → English);
4. 简体中文.
"""
from __future__ import annotations

import os
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, g, request, session
from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from .clock import utcnow
from .front_store import FrontBase

LOCALE_COOKIE = "yiban_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Session keys: the signed-in citizen's stored language, and "this visitor chose a
# language before signing in" (that fresher choice then stays at sign-in).
ACCOUNT_LANGUAGE = "account_lang"
CHOSE_LANGUAGE = "chose_lang"

# (locale, the language's name in itself), in the order of the language switch.
LANGUAGES = [
    ("zh_Hans_CN", "简体中文"),
    ("zh_Hant", "繁體中文"),
    ("en", "English"),
    ("ug", "ئۇيغۇرچە"),
]

# Chinese regions that write Traditional characters; any other Chinese is Simplified.
_HANT_REGIONS = {"tw", "hk", "mo"}


class LanguagePreference(FrontBase):
    """A citizen's chosen language: the front's own data, never the platform's."""

    __tablename__ = "language_preference"
    person_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    locale: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


# ---- negotiation --------------------------------------------------------------------
def locale_for_tag(tag: str, supported) -> str | None:
    """The supported locale an Accept-Language tag asks for, if any.

    zh-TW, zh-HK, zh-MO, zh-Hant(-*) and yue → zh_Hant; zh, zh-CN, zh-SG, zh-Hans →
    zh_Hans_CN; otherwise the language part (ug-CN → ug, en-GB → en)."""
    parts = tag.lower().replace("_", "-").split("-")
    language, rest = parts[0], set(parts[1:])
    if language in ("zh", "yue", "cmn"):
        traditional = language == "yue" or "hant" in rest or (
            "hans" not in rest and rest & _HANT_REGIONS)
        wanted = ["zh_Hant"] if traditional else ["zh_Hans_CN"]
    else:
        wanted = [loc for loc in supported if loc.split("_")[0].lower() == language]
    return next((loc for loc in wanted if loc in supported), None)


def negotiate(accept_languages, supported) -> str | None:
    """The first supported locale in Accept-Language order (by quality)."""
    for value, _quality in accept_languages:
        if value == "*":
            continue
        found = locale_for_tag(value, supported)
        if found:
            return found
    return None


def select_locale() -> str:
    """Cookie, then the signed-in citizen's preference, then Accept-Language, then Chinese."""
    supported = current_app.config["LOCALES"]
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in supported:
        return chosen
    # A helper's browser is theirs: the citizen they act for does not set its language.
    if g.get("user") is not None and g.get("helper") is None:
        preferred = session.get(ACCOUNT_LANGUAGE)
        if preferred in supported:
            return preferred
    return (negotiate(request.accept_languages, supported)
            or current_app.config["BABEL_DEFAULT_LOCALE"])


# ---- the citizen's stored choice ----------------------------------------------------------
def stored_language(person_id: str) -> str | None:
    db = current_app.extensions["front_store"].db
    with db.session() as s:
        row = s.get(LanguagePreference, person_id)
        return row.locale if row else None


def store_language(person_id: str, locale: str) -> None:
    db = current_app.extensions["front_store"].db
    with db.session() as s:
        row = s.get(LanguagePreference, person_id)
        if row is None:
            s.add(LanguagePreference(person_id=person_id, locale=locale, updated_at=utcnow()))
        else:
            row.locale, row.updated_at = locale, utcnow()


def set_language_cookie(response, locale: str):
    from .security import cookie_options
    response.set_cookie(LOCALE_COOKIE, locale, max_age=COOKIE_MAX_AGE, **cookie_options())
    return response


def remember_choice(response, locale: str):
    """The language switch: the cookie for this browser and, for a citizen signed in
    (not a helper acting for one) who posted it, their account's preference too. A
    GET (a link, which another site can make) changes only this browser's cookie."""
    if request.method == "POST" and g.get("user") is not None and g.get("helper") is None:
        store_language(g.user.id, locale)
        session[ACCOUNT_LANGUAGE] = locale
    else:
        session[CHOSE_LANGUAGE] = True
    return set_language_cookie(response, locale)


def chose_language_before_sign_in() -> bool:
    """Read before sign-in clears the session."""
    return bool(session.get(CHOSE_LANGUAGE))


def apply_account_language(response, person_id: str, chose_here: bool):
    """At sign-in: the citizen's stored language becomes this browser's, unless they
    picked a language on this visit just before signing in (the fresher choice stays)."""
    stored = stored_language(person_id)
    if stored not in current_app.config["LOCALES"]:
        return response
    session[ACCOUNT_LANGUAGE] = stored
    if not chose_here:
        set_language_cookie(response, stored)
    return response


# ---- tags and direction -----------------------------------------------------------------
def html_lang(locale: str) -> str:
    """BCP 47 tag for the `lang` attribute: zh_Hans_CN -> zh-Hans-CN."""
    return str(locale).replace("_", "-")


@lru_cache(maxsize=64)  # CLDR data, asked for each piece of platform content on a page
def text_direction(locale: str) -> str:
    """"rtl" or "ltr", from CLDR (ug is written right to left)."""
    try:
        return Locale.parse(str(locale)).text_direction
    except Exception:  # not a locale Babel knows (e.g. a test's pseudo-locale)
        return "ltr"


def compile_catalogues(locales_dir: Path) -> None:
    """Compile each .po to .mo when the .mo is missing or older, so a fresh clone
    serves translated pages with no build step."""
    for po_path in locales_dir.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with open(po_path, "rb") as f:
            catalogue = read_po(f, locale=po_path.parent.parent.name)
        tmp = mo_path.with_suffix(f".mo.{os.getpid()}.tmp")  # two workers may compile at once
        with open(tmp, "wb") as f:
            write_mo(f, catalogue)
        tmp.replace(mo_path)
