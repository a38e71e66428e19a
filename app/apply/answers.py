"""Answers as people read them, on check-answers and in the application's detail."""
from __future__ import annotations

from flask_babel import gettext as _

from ..forms.builder import options_for
from ..forms.numbers import GROUPS, display_number
from ..platform import Question
from ..core.templating import long_date



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
    if kind in GROUPS:
        return [display_number(kind, str(value), masked)]
    return [str(value)]
