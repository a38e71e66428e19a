"""The format-level rules of a question as JSON, for checking answers in the browser
while offline (static/js/offline.js). Built from the same schema, constants and message
functions as the server's form (builder.py), so the two cannot drift;
tests/test_offline.py runs both on the same answers and compares the verdicts."""
from __future__ import annotations

from ..platform import Question
from . import builder as b

# A stand-in for the length typed so far: the browser puts the real number in its place.
LENGTH_MARK = 987654321
SIZE_MARK = 98765  # likewise the size of a chosen file, in MB


def _text(value) -> str:
    return str(value)


def question_rules(question: Question) -> dict:
    v = question.validation
    kind = question.type
    rules = {"key": question.key, "type": kind, "required": question.required,
             "show_if": question.show_if, "label": question.label,
             "required_message": _text(b.required_message(question))}
    messages = {}
    if kind in ("text", "name", "textarea"):
        maximum = v.get("max_length", b.TEXTAREA_DEFAULT_MAX if kind == "textarea"
                        else b.TEXT_DEFAULT_MAX)
        rules.update(max=maximum, min=v.get("min_length"), multiline=kind == "textarea")
        messages["too_long"] = b.too_long_message(maximum, LENGTH_MARK).replace(
            f"{LENGTH_MARK}", "{length}") if maximum else None
        messages["too_short"] = b.too_short_message(v["min_length"]) \
            if v.get("min_length") else None
    if kind == "name":
        rules["name_max"] = b.NAME_MAX
        messages.update(name_too_long=b.name_too_long_message(),
                        name_digits=_text(b.NAME_DIGITS_MESSAGE))
    problems = {"id_number": b.ID_MESSAGES, "mobile": b.MOBILE_MESSAGES,
                "bank_account": b.BANK_MESSAGES}
    if kind in problems:
        messages.update({k: _text(m) for k, m in problems[kind].items()})
    if kind == "date":
        rules.update(when=v.get("date"), min_age=v.get("min_age"), max_age=v.get("max_age"),
                     under_age=v.get("under_age"))
        messages.update({k: _text(m) for k, m in b.MISSING_DATE_PART.items()})
        messages.update({k: _text(m) for k, m in b.DATE_MESSAGES.items()})
        if "min_age" in v:
            messages["min_age"] = b.min_age_message(v["min_age"])
        if "max_age" in v:
            messages["max_age"] = b.max_age_message(v["max_age"])
        if "under_age" in v:
            messages["under_age"] = b.under_age_message(v["under_age"])
        # Agreement with the ID number is checked by the server when the answer is sent
        # (the browser does not keep the other answers).
        # "2月只有28天": the day count of each month, February of a leap year apart.
        messages["month_days"] = [
            b.impossible_date_message({"year": "2001", "month": str(month), "day": "32"})
            for month in range(1, 13)]
        messages["february_leap"] = b.impossible_date_message(
            {"year": "2004", "month": "2", "day": "30"})
    if kind == "address":
        rules["max_parts"] = b.ADDRESS_MAX
        messages.update({k: _text(m) for k, m in b.ADDRESS_MESSAGES.items()})
    if kind in ("radio", "yesno", "checkboxes"):
        rules["options"] = [[o.value, str(o.label)] for o in b.options_for(question)]
    if kind == "checkboxes":
        minimum = v.get("min_choices", 1)
        rules["min_choices"] = minimum
        messages["min_choices"] = b.min_choices_message(minimum)
    if kind == "file":
        allowed = [t for t in v.get("file_types", b.FILE_TYPES_DEFAULT)]
        max_mb = v.get("max_mb", b.FILE_MB_DEFAULT)
        rules.update(types=allowed, max_bytes=max_mb * 1024 * 1024)
        messages.update(type=b.file_type_message(allowed), empty=_text(b.FILE_EMPTY_MESSAGE),
                        size=b.too_big_message(SIZE_MARK * 1024 * 1024, max_mb).replace(
                            f"{SIZE_MARK}.0", "{size}"))
    rules["messages"] = messages
    return rules
