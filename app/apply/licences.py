"""免证办理: what the citizen's electronic licences already say is not asked again.

A question whose `prefill` reads a licence (`licence.<type>.<attr>`) and for which the
citizen holds that licence is shown as a confirmed fact, "已从电子证照获取", naming the
licence: one press confirms it, and a plain "这不对？" link opens the field to correct
it. An answer that differs from the licence (a correction) is shown as an answer."""
from __future__ import annotations

from dataclasses import dataclass

from ..forms.builder import answer_value, form_class, prefill_value
from ..platform import Person, Question


@dataclass(frozen=True)
class LicenceFact:
    licence_type: str  # e.g. social_security_card
    value: object  # as the answer would be stored (normalised)


def licence_type(question: Question) -> str | None:
    parts = (question.prefill or "").split(".")
    return parts[1] if len(parts) == 3 and parts[0] == "licence" else None


def licence_fact(question: Question, person: Person | None) -> LicenceFact | None:
    """What the citizen's licence says the answer is, or None."""
    kind = licence_type(question)
    if kind is None or person is None or person.licence(kind) is None:
        return None
    raw = prefill_value(question, person)
    if raw in (None, ""):
        return None
    return LicenceFact(kind, normalised(question, raw))


def normalised(question: Question, value):
    """A value as the question would store it (ID numbers upper case, dates ISO …)."""
    # Never shown or sent, so without a form token (signing one costs more than the rest).
    form = form_class(question)(formdata=None, data={question.key: value}, meta={"csrf": False})
    return answer_value(question, form.field)


def from_licence(question: Question, answer, person: Person | None) -> LicenceFact | None:
    """The fact, when the stored answer is what the licence says (not a correction)."""
    fact = licence_fact(question, person)
    return fact if fact is not None and answer == fact.value else None
