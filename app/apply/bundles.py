"""A bundle (一件事) as one journey.

The platform describes a bundle as matters, each with the keys of the fields it needs
(`Matter.fields`; a field several matters need has one key, so it is one `Question`
tagged with all of them). The front merges that into one journey:

* the optional matters are chosen first, on one page (`matters`), each with its
  plain-language help;
* every field is asked once, and only while a matter that needs it is part of the
  application (chosen, or required and its `applies_if` holds);
* check answers groups the answers by topic, not by department.

Single matters have no tagged fields: their journey is their schema as it is."""
from __future__ import annotations

from dataclasses import replace

from flask_babel import gettext as _

from ..platform import Matter, Option, Question, Service, condition_holds

# The page (and answer) where the citizen chooses optional matters. The platform keeps
# this key free (seed.check_service) and reads the answer to know which parts to open.
MATTERS_KEY = "matters"


def matters_question(service: Service) -> Question | None:
    """The "which of these shall we also do" page, or None when nothing is optional."""
    optional = [m for m in service.matters if m.optional]
    if not optional:
        return None
    return Question(
        key=MATTERS_KEY, type="checkboxes",
        label=_("Which of these should we also do for you?"),
        hint=_("Choose the ones that apply to you, or none. You can change this before you send the application."),
        required=False, topic=MATTERS_KEY,
        options=tuple(Option(m.key, m.name, m.help) for m in optional))


def matter_rule(matter: Matter) -> dict | None:
    """When the matter is part of the application, as a show_if rule (None: always)."""
    conditions = []
    if matter.optional:
        conditions.append({"field": MATTERS_KEY, "equals": matter.key})
    if matter.applies_if:
        conditions.append(matter.applies_if)
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"all": conditions}


def journey(service: Service, schema: list[Question]) -> list[Question]:
    """The questions of the service in the order they are asked, each carrying in its
    show_if when it is needed."""
    by_key = {m.key: m for m in service.matters if m.key}
    choice = matters_question(service)
    questions = [choice] if choice else []
    for question in schema:
        needed_by = [by_key[k] for k in question.matters if k in by_key]
        rules = [matter_rule(m) for m in needed_by]
        if rules and None not in rules:  # no matter that is always done needs it
            need = {"any": rules}
            question = replace(question, show_if=need if question.show_if is None
                               else {"all": [question.show_if, need]})
        questions.append(question)
    return questions


def active_matters(service: Service, answers: dict) -> list[Matter]:
    """The matters this application is for, as far as the answers tell so far."""
    chosen = answers.get(MATTERS_KEY) or []
    return [m for m in service.matters
            if (not m.optional or m.key in chosen) and condition_holds(m.applies_if, answers)]


def always_done(service: Service) -> list[Matter]:
    """Matters done for everyone who applies (shown on the choosing page)."""
    return [m for m in service.matters if not m.optional and not m.applies_if]


REQUEST_TOPIC = "request"  # the catalogue topic of answers about what is applied for


def by_topic(service: Service, rows: list[tuple]) -> list[tuple[str, list[tuple]]]:
    """Check-answer rows (question, lines, href) grouped under topic headings: the
    chosen matters first, then the service's topics in order, then the rest."""
    names = {MATTERS_KEY: _("What this application covers")}
    names.update({t.key: t.name for t in service.topics})
    # One heading for what is applied for: the chosen matters and the answers about
    # them (the catalogue's "request" topic), not two that read almost the same.
    names[REQUEST_TOPIC] = names[MATTERS_KEY]
    order = [MATTERS_KEY] + [t.key for t in service.topics if t.key != REQUEST_TOPIC] + [None]

    def topic_of(row):
        topic = row[0].topic if row[0].topic in names else None
        return MATTERS_KEY if topic == REQUEST_TOPIC or row[0].key == MATTERS_KEY else topic
    groups = []
    for topic in order:
        members = [row for row in rows if topic_of(row) == topic]
        if members:
            groups.append((names.get(topic, _("Other answers")), members))
    return groups


def count_questions(service: Service) -> tuple[int, int]:
    """(questions asked once in the merged journey, questions over all matters if each
    matter asked its own) for a bundle whose matters list their fields."""
    merged = len({k for m in service.matters for k in m.fields})
    separate = sum(len(m.fields) for m in service.matters)
    return merged, separate
