"""Locale choice, catalogue compilation and language tags."""
from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, request

LOCALE_COOKIE = "yiban_lang"


def select_locale() -> str:
    """Explicit choice (cookie) first, then the browser's Accept-Language, then Chinese."""
    supported = current_app.config["LOCALES"]
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in supported:
        return chosen
    # Accept-Language says zh-CN / en-GB; match on the language part as well.
    by_language = {loc.split("_")[0]: loc for loc in reversed(supported)}
    for value, _quality in request.accept_languages:
        tag = value.replace("-", "_")
        if tag in supported:
            return tag
        if tag.split("_")[0].lower() in by_language:
            return by_language[tag.split("_")[0].lower()]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def html_lang(locale: str) -> str:
    """BCP 47 tag for the `lang` attribute: zh_Hans_CN -> zh-Hans-CN."""
    return str(locale).replace("_", "-")


def compile_catalogues(locales_dir: Path) -> None:
    """Compile each .po to .mo when the .mo is missing or older, so a fresh clone
    serves translated pages with no build step."""
    for po_path in locales_dir.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with open(po_path, "rb") as f:
            catalogue = read_po(f, locale=po_path.parent.parent.name)
        tmp = mo_path.with_suffix(".mo.tmp")
        with open(tmp, "wb") as f:
            write_mo(f, catalogue)
        tmp.replace(mo_path)
