"""Answers as people read them, on check-answers and in the application's detail."""
from __future__ import annotations

from flask_babel import gettext as _

from ..forms import identifiers
from ..forms.builder import options_for
from ..platform import Question
from ..core.templating import long_date

MASKS = {
    "id_number": identifiers.mask_id_number,
    "mobile": identifiers.mask_mobile,
    "bank_account": identifiers.mask_bank_account,
}


def display_answer(question: Question, value, masked: bool = False) -> list[str]:
    """An answer as lines of text for check-answers and the application detail."""
    if value in (None, "", [], {}):
        return []
    kind = question.type
    if kind in ("radio", "yesno", "checkboxes"):
        # The label keeps its language (platform content may be in Chinese only).
        labels = {o.value: o.label for o in options_for(question)}
        return [labels.get(v, v) for v in (value if kind == "checkboxes" else [value])]
    if kind == "date":
        return [long_date(value)]
    if kind == "address":
        return [value.get("region", ""), value.get("detail", "")]
    if kind == "file":
        return [_("%(name)s (%(size)s KB)", name=value["filename"],
                  size=max(1, round(value["size"] / 1024)))]
    if masked and kind in MASKS:
        return [MASKS[kind](value)]
    return [str(value)]
