"""Long numbers as people read them: shown in groups (ID 6-8-4, bank card 4-4-4-4…,
mobile 3-4-4) whose spacing is CSS only, so copying gives the bare digits; a masked
number's stars are hidden from assistive technology, which hears "尾号0013" instead."""
from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

from . import identifiers

# Group sizes from the start; the last group takes what is left.
GROUPS = {
    "id_number": (6, 8, 4),
    "mobile": (3, 4, 4),
    "bank_account": (4, 4, 4, 4, 4),
}
MASKS = {
    "id_number": identifiers.mask_id_number,
    "mobile": identifiers.mask_mobile,
    "bank_account": identifiers.mask_bank_account,
}
NORMALIZE = {
    "id_number": identifiers.normalize_id_number,
    "mobile": identifiers.normalize_mobile,
    "bank_account": identifiers.normalize_bank_account,
}


def groups(text: str, sizes) -> list[str]:
    parts, at = [], 0
    for size in sizes:
        if at >= len(text):
            break
        parts.append(text[at:at + size])
        at += size
    if at < len(text):
        parts[-1] += text[at:]
    return parts


def _spans(parts) -> Markup:
    return Markup("").join(Markup('<span class="digits__group">%s</span>') % p for p in parts)


def grouped(kind: str, value: str) -> Markup:
    """The number in display groups; its text (and a copy of it) is the bare digits."""
    digits = NORMALIZE[kind](value)
    return Markup('<bdi class="digits number" dir="ltr">%s</bdi>') % _spans(groups(digits, GROUPS[kind]))


def masked(kind: str, value: str) -> Markup:
    """The masked number as seen (in groups, stars included) and, for assistive
    technology and speech, "尾号" and the last four digits."""
    shown = MASKS[kind](value)
    if kind == "bank_account":
        parts = shown.split(" ")
    else:
        parts = groups(shown, GROUPS[kind])
    last = NORMALIZE[kind](value)[-4:]
    if "*" not in shown[-4:]:
        spoken = _("ending in %(digits)s", digits=last)
    else:  # too short to show its end: nothing of it is said either
        spoken = _("hidden")
    return (Markup('<bdi class="digits number" dir="ltr" aria-hidden="true">%s</bdi>') % _spans(parts)
            + Markup('<span class="visually-hidden">%s</span>') % escape(spoken))


def display_number(kind: str, value: str, masked_: bool) -> Markup:
    return masked(kind, value) if masked_ else grouped(kind, value)


# An application number said over the phone or read in a text: YB 2026 1203 000001.
APPLICATION_GROUPS = (2, 4, 4, 6)


def spaced_application_number(number: str) -> str:
    """Plain text in groups (no run of digits long enough to pass for a personal
    number, which texts hide)."""
    return " ".join(groups(number, APPLICATION_GROUPS))
