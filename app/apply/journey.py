"""The journey through a service's questions: which are asked, in what order, and the
page before and after each one."""
from __future__ import annotations

from flask import abort, g, url_for

from ..core.deps import locale, platform
from ..forms.builder import id_birth_date
from ..platform import Question, condition_holds
from .bundles import journey


# ---- the schema, as pages -------------------------------------------------------
def load_service(code: str):
    """The service and its journey: for a bundle, the matters page first, and each
    field once, asked while a matter that needs it is part of the application. Built
    once per request (a question page asks twice: its view and the offline copy's
    attributes); the list is only read."""
    key = (code, locale())
    held = g.setdefault("_journeys", {})
    if key not in held:
        service = platform().service(code, locale())
        questions = journey(service, platform().form_schema(code, locale())) if service else []
        held[key] = (service, questions)
    service, questions = held[key]
    if service is None or not questions:
        abort(404)
    return service, questions


def question_named(questions: list[Question], key: str) -> Question:
    """The question with this key, or 404."""
    question = next((q for q in questions if q.key == key), None)
    if question is None:
        abort(404)
    return question


def is_shown(question: Question, answers: dict) -> bool:
    """`show_if` asks a question only when an earlier answer matches (for a bundle's
    field, also: only while a matter that needs it is part of the application)."""
    return condition_holds(question.show_if, answers)


def active_questions(questions: list[Question], answers: dict) -> list[Question]:
    return [q for q in questions if is_shown(q, answers)]


def from_id(question: Question, answers: dict) -> bool:
    """A date of birth taken from the confirmed ID number (`from_id`): not asked again."""
    born = id_birth_date(question, answers, "from_id")
    return born is not None and answers.get(question.key) == born.isoformat()


def asked_questions(questions: list[Question], answers: dict, current: str) -> list[Question]:
    """The pages a citizen goes through from `current`: the active questions less
    what was derived."""
    return [q for q in active_questions(questions, answers)
            if q.key == current or not from_id(q, answers)]


def first_unanswered(questions, answers, required_only=False) -> Question | None:
    """The first question shown but never answered (an optional one answered blank
    counts as answered)."""
    return next((q for q in active_questions(questions, answers)
                 if q.key not in answers and (q.required or not required_only)), None)


def question_url(code: str, key: str, back_to_check: bool = False) -> str:
    return url_for("apply.question", code=code, key=key,
                   **({"return": "check"} if back_to_check else {}))


def next_url(code, questions, answers, current_key, back_to_check) -> str:
    """After an answer: the next question, or back to check answers (unless the new
    answer opened a question that still needs one)."""
    if back_to_check:
        missing = first_unanswered(questions, answers, required_only=True)
        if missing is None:
            return url_for("apply.check", code=code)
        return question_url(code, missing.key, back_to_check=True)
    active = asked_questions(questions, answers, current_key)
    keys = [q.key for q in active]
    position = keys.index(current_key) if current_key in keys else -1
    if position + 1 < len(active):
        return question_url(code, active[position + 1].key)
    return url_for("apply.check", code=code)


def back_url(code, questions, answers, current_key, back_to_check) -> str:
    if back_to_check:
        return url_for("apply.check", code=code)
    keys = [q.key for q in asked_questions(questions, answers, current_key)]
    position = keys.index(current_key) if current_key in keys else 0
    if position == 0:
        return url_for("catalogue.service", code=code)
    return question_url(code, keys[position - 1])
