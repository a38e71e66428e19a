"""Forms are data: build a one-question WTForms form from a platform `Question`."""
from __future__ import annotations

import calendar

from datetime import date

from babel.dates import get_month_names
from flask_babel import format_date, gettext as _, get_locale, lazy_gettext as _l, ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from ..platform import Option, Person, Question
from ..core.uploads import sniff
from . import identifiers, widgets
from .fields import AddressField, CompoundField, DatePartsField, clean_text

TEXT_DEFAULT_MAX = 200
TEXTAREA_DEFAULT_MAX = 500
NAME_MAX = 50
ADDRESS_MAX = {"region": 60, "detail": 120}
FILE_TYPES_DEFAULT = ("pdf", "jpg", "png")
FILE_MB_DEFAULT = 5

REQUIRED_MESSAGES = {
    "name": _l("Enter your full name"),
    "id_number": _l("Enter your 18-digit ID number"),
    "mobile": _l("Enter your mobile number"),
    "bank_account": _l("Enter the account number"),
    "date": _l("Enter the date"),
    "radio": _l("Select an answer"),
    "yesno": _l("Select yes or no"),
    "checkboxes": _l("Select at least one option"),
    "address": _l("Enter the address"),
    "file": _l("Choose a file to upload"),
}
ID_MESSAGES = {
    "length": _l("An ID number has 18 characters"),
    "characters": _l("An ID number has 17 digits followed by a digit or the letter X"),
    "birth_date": _l("Digits 7 to 14 of an ID number are a date of birth – check them "
                     "against your ID card"),
    "check_digit": _l("This ID number is not valid – check each digit against your ID card"),
}
MOBILE_MESSAGES = {
    "length": _l("A mobile number has 11 digits"),
    "characters": _l("A mobile number can only contain digits"),
    "prefix": _l("A mobile number starts with 13 to 19"),
}
MISSING_DATE_PART = {
    "year": _l("The date must include a year"),
    "month": _l("The date must include a month"),
    "day": _l("The date must include a day"),
}
BANK_MESSAGES = {
    "length": _l("An account number has 12 to 19 digits"),
    "characters": _l("An account number can only contain digits"),
}


def required_message(question: Question):
    return REQUIRED_MESSAGES.get(question.type, _l("Enter your answer"))


def is_blank(field) -> bool:
    if isinstance(field, CompoundField):
        return field.is_empty
    if isinstance(field, FileField):
        return not getattr(field.data, "filename", None)
    data = field.data
    return data is None or data == "" or data == []


def make_required(question: Question, has_stored_file: bool = False):
    return required_check(question.required and not has_stored_file, required_message(question))


def required_check(required: bool, message=None):
    """Blank: the message when an answer is required, else nothing more to check."""
    def check(form, field):
        if is_blank(field):
            field.errors[:] = []
            if required:
                raise StopValidation(str(message))
            raise StopValidation()  # optional and blank: nothing more to check
    return check


def problem_validator(check, messages):
    def validate(form, field):
        problem = check(field.data)
        if problem:
            raise ValidationError(str(messages[problem]))
    return validate


# Messages with numbers are functions: the browser's copy of the rules
# (app/forms/browser_rules.py) renders them from here too, so they cannot drift.
def name_too_long_message() -> str:
    return ngettext("A name can be at most %(num)d character",
                    "A name can be at most %(num)d characters", NAME_MAX)


NAME_DIGITS_MESSAGE = _l("A name cannot contain digits")


def too_long_message(maximum: int, length) -> str:
    return ngettext("Your answer must be %(num)d character or fewer – it is %(length)d now",
                    "Your answer must be %(num)d characters or fewer – it is %(length)d now",
                    maximum, length=length)


def too_short_message(minimum: int) -> str:
    return ngettext("Your answer must be at least %(num)d character",
                    "Your answer must be at least %(num)d characters", minimum)


DATE_MESSAGES = {
    "digits": _l("Enter the date in numbers, for example 1960 3 21"),
    "year_digits": _l("The year must have 4 digits"),
    "real": _l("Enter a real date"),
    "past": _l("The date must be in the past"),
    "future": _l("The date must be in the future"),
    "too_early": _l("The year must be 1900 or later"),
}


def min_age_message(years: int) -> str:
    return ngettext("You must be at least %(num)d year old to apply",
                    "You must be at least %(num)d years old to apply", years)


def under_age_message(years: int) -> str:
    return ngettext("This service is for children under %(num)d year old",
                    "This service is for children under %(num)d years old", years)


def not_the_id_birth_date_message(born: date) -> str:
    return _("The ID number you gave says %(date)s. Check this date or the ID number.",
             date=format_date(born, "long"))


def id_birth_date(question: Question, answers: dict, rule: str = "birth_date_of") -> date | None:
    """The birth date in the ID number answered to the question named by the date's
    `rule` (birth_date_of or from_id; None when there is none, or it is not valid)."""
    number = answers.get(question.validation.get(rule) or "")
    if not number or identifiers.id_number_problem(number) is not None:
        return None
    return identifiers.id_number_birth_date(number)


def max_age_message(years: int) -> str:
    return ngettext("This service is for people up to %(num)d year old",
                    "This service is for people up to %(num)d years old", years)


ADDRESS_MESSAGES = {
    "region": _l("Enter the province, city and district"),
    "detail": _l("Enter the street and house number"),
    "too_long": _l("The address is too long"),
}


def min_choices_message(minimum: int) -> str:
    return ngettext("Select at least %(num)d option", "Select at least %(num)d options", minimum)


def file_type_message(allowed) -> str:
    return _("The file must be a %(types)s", types=" / ".join(t.upper() for t in allowed))


FILE_EMPTY_MESSAGE = _l("The selected file is empty")


def name_validator(form, field):
    value = field.data.strip()
    if len(value) > NAME_MAX:
        raise ValidationError(name_too_long_message())
    if any(ch.isdigit() for ch in value):
        raise ValidationError(str(NAME_DIGITS_MESSAGE))


def longest_answer(question: Question) -> int:
    """The most characters any one field of this question can validly hold."""
    return max(question.validation.get("max_length") or 0, TEXTAREA_DEFAULT_MAX)


def length_validator(question: Question, default_max: int | None):
    rules = question.validation
    return length_check(rules.get("max_length", default_max), rules.get("min_length"))


def length_check(maximum: int | None, minimum: int | None = None):
    def validate(form, field):
        length = len(field.data or "")
        if maximum and length > maximum:
            raise ValidationError(too_long_message(maximum, length))
        if minimum and length < minimum:
            raise ValidationError(too_short_message(minimum))
    return validate


def date_validator(question: Question):
    def validate(form, field: DatePartsField):
        missing = [p for p in field.parts if not field.data[p]]
        if missing:
            raise ValidationError(str(MISSING_DATE_PART[missing[0]]))
        if not all(field.data[p].isdecimal() for p in field.parts):
            raise ValidationError(str(DATE_MESSAGES["digits"]))
        if len(field.data["year"]) != 4:
            raise ValidationError(str(DATE_MESSAGES["year_digits"]))
        value = field.as_date()
        if value is None:
            raise ValidationError(impossible_date_message(field.data))
        check_date(question, value, getattr(form, "answers", {}))
    return validate


def check_date(question: Question, value: date, answers: dict) -> None:
    """The rules of a real date (ValidationError with the message if one is broken);
    `answers`: the draft's other answers."""
    rules = question.validation
    today = date.today()
    if rules.get("date") == "past" and value >= today:
        raise ValidationError(str(DATE_MESSAGES["past"]))
    if rules.get("date") == "future" and value <= today:
        raise ValidationError(str(DATE_MESSAGES["future"]))
    if value.year < 1900:
        raise ValidationError(str(DATE_MESSAGES["too_early"]))
    age = age_on(value, today)
    if "min_age" in rules and age < rules["min_age"]:
        raise ValidationError(min_age_message(rules["min_age"]))
    if "max_age" in rules and age > rules["max_age"]:
        raise ValidationError(max_age_message(rules["max_age"]))
    if "under_age" in rules and age >= rules["under_age"]:
        raise ValidationError(under_age_message(rules["under_age"]))
    # A birth date must agree with the ID number given for the same person.
    born = id_birth_date(question, answers)
    if born is not None and value != born:
        raise ValidationError(not_the_id_birth_date_message(born))


def impossible_date_message(parts: dict) -> str:
    """2月30日: say how many days that month has (29 for February in a leap year)."""
    year, month, day = (int(parts[p]) for p in ("year", "month", "day"))
    if 1 <= month <= 12 and day > 28:
        days = calendar.monthrange(year, month)[1]
        here = get_locale()
        months = get_month_names("abbreviated" if here.language == "zh" else "wide", locale=here)
        return _("%(month)s has only %(days)d days", month=months[month], days=days)
    return _("Enter a real date")


def too_big_message(size: int, max_mb: int) -> str:
    """Both sizes, and how to make the file smaller."""
    return _("The file is %(size)s MB, more than the %(mb)d MB allowed. Make it smaller: take the photo again at a lower quality, or scan it in black and white.",
             size=f"{size / 1024 / 1024:.1f}", mb=max_mb)


def age_on(birth: date, day: date) -> int:
    """Whole years of age on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def address_validator(form, field: AddressField):
    if not field.data["region"]:
        raise ValidationError(str(ADDRESS_MESSAGES["region"]))
    if not field.data["detail"]:
        raise ValidationError(str(ADDRESS_MESSAGES["detail"]))
    if len(field.data["region"]) > ADDRESS_MAX["region"] \
            or len(field.data["detail"]) > ADDRESS_MAX["detail"]:
        raise ValidationError(str(ADDRESS_MESSAGES["too_long"]))


def checkbox_validator(question: Question):
    def validate(form, field):
        minimum = question.validation.get("min_choices", 1)
        if len(field.data or []) < minimum:
            raise ValidationError(min_choices_message(minimum))
    return validate


def file_validator(question: Question):
    return file_check(tuple(question.validation.get("file_types", FILE_TYPES_DEFAULT)),
                      question.validation.get("max_mb", FILE_MB_DEFAULT))


def file_check(allowed: tuple[str, ...], max_mb: int):
    def validate(form, field):
        upload = field.data
        extension = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
        extension = "jpg" if extension == "jpeg" else extension
        if extension not in allowed:
            raise ValidationError(file_type_message(allowed))
        upload.stream.seek(0, 2)
        size = upload.stream.tell()
        upload.stream.seek(0)
        if size == 0:
            raise ValidationError(str(FILE_EMPTY_MESSAGE))
        if size > max_mb * 1024 * 1024:
            raise ValidationError(too_big_message(size, max_mb))
        # Named .png but not a picture (a renamed document, a program): what it is counts.
        head = upload.stream.read(16)
        upload.stream.seek(0)
        if sniff(head) not in allowed:
            raise ValidationError(file_type_message(allowed))
    return validate


def options_for(question: Question) -> tuple[Option, ...]:
    """The options a choice question offers (yes/no questions get translated ones)."""
    if question.type == "yesno":
        return (Option("yes", _("Yes")), Option("no", _("No")))
    return question.options


def choices_for(question: Question) -> list[SelectChoice]:
    return [SelectChoice(o.value, o.label) for o in options_for(question)]


IDENTIFIER = {"spellcheck": "false", "dir": "ltr"}  # typed digit by digit, read left to right

# Each field type and the component that shows it (app/forms/widgets.py).
WIDGETS = {
    "text": lambda q: widgets.TextInput(),
    "name": lambda q: widgets.TextInput(autocomplete="name", spellcheck="false"),
    "id_number": lambda q: widgets.TextInput(width="input--w20", numeric=True, autocomplete="off",
                                             autocapitalize="characters", **IDENTIFIER),
    "mobile": lambda q: widgets.TextInput(width="input--w11", numeric=True,
                                          autocomplete="tel-national", inputmode="numeric",
                                          dir="ltr"),
    "bank_account": lambda q: widgets.TextInput(width="input--w20", numeric=True,
                                                autocomplete="off", inputmode="numeric",
                                                **IDENTIFIER),
    "textarea": lambda q: widgets.CharacterCount(
        q.validation.get("max_length", TEXTAREA_DEFAULT_MAX)),
    "date": lambda q: widgets.DateInput("bday" if q.prefill == "person.birth_date" else None),
    "address": lambda q: widgets.AddressInput(),
    "radio": lambda q: widgets.Choices(hints=option_hints(q)),
    "yesno": lambda q: widgets.Choices(hints=option_hints(q)),
    "checkboxes": lambda q: widgets.Choices(multiple=True, hints=option_hints(q)),
    "file": lambda q: widgets.FileUpload(q.validation.get("file_types", FILE_TYPES_DEFAULT),
                                         q.validation.get("max_mb", FILE_MB_DEFAULT)),
}


def option_hints(question: Question) -> dict:
    return {o.value: o.hint for o in options_for(question) if o.hint}


def build_field(question: Question, has_stored_file: bool = False):
    """The WTForms field for one question, with its validators in order and the widget
    of its component."""
    if question.type not in WIDGETS:
        raise ValueError(f"unknown field type {question.type!r}")
    return unbound_field(question, [make_required(question, has_stored_file)],
                         widget=WIDGETS[question.type](question), description=question.hint)


def unbound_field(question: Question, validators: list, **shown):
    """The field and its checks; `shown`: its widget and description (the hint)."""
    kind = question.type
    if kind in ("text", "name"):
        if kind == "name":
            validators.append(name_validator)
        validators.append(length_validator(question, TEXT_DEFAULT_MAX))
        return StringField(question.label, validators=validators, **shown, filters=[_clean])
    if kind == "id_number":
        validators.append(problem_validator(identifiers.id_number_problem, ID_MESSAGES))
        return StringField(question.label, validators=validators, **shown,
                           filters=[text_only(identifiers.normalize_id_number)])
    if kind == "mobile":
        validators.append(problem_validator(identifiers.mobile_problem, MOBILE_MESSAGES))
        return StringField(question.label, validators=validators, **shown,
                           filters=[text_only(identifiers.normalize_mobile)])
    if kind == "bank_account":
        validators.append(problem_validator(identifiers.bank_account_problem, BANK_MESSAGES))
        return StringField(question.label, validators=validators, **shown,
                           filters=[text_only(identifiers.normalize_bank_account)])
    if kind == "textarea":
        validators.append(length_validator(question, TEXTAREA_DEFAULT_MAX))
        return TextAreaField(question.label, validators=validators, **shown, filters=[_clean_lines])
    if kind == "date":
        validators.append(date_validator(question))
        return DatePartsField(question.label, validators=validators, **shown)
    if kind == "address":
        validators.append(address_validator)
        return AddressField(question.label, validators=validators, **shown)
    # A value that is not one of the options (a tampered form) gets the same message as
    # no answer, in the reader's language, rather than WTForms' own that repeats the value.
    if kind in ("radio", "yesno"):
        return RadioField(question.label, validators=validators, **shown,
                          choices=choices_for(question),
                          invalid_choice_message=required_message(question))
    if kind == "checkboxes":
        validators.append(checkbox_validator(question))
        return SelectMultipleField(question.label, validators=validators, **shown,
                                   choices=choices_for(question),
                                   invalid_choice_message=required_message(question))
    validators.append(file_validator(question))
    return FileField(question.label, validators=validators, **shown)


def text_only(normalize):
    """A filter that normalizes text and leaves "no value yet" (None) alone."""
    return lambda value: normalize(value) if isinstance(value, str) else value


_clean = text_only(clean_text)
_clean_lines = text_only(lambda value: clean_text(value, multiline=True))


class QuestionForm(FlaskForm):
    """Base of the generated forms: one field, named by the question's key."""

    question: Question

    @property
    def field(self):
        return self[self.question.key]


def form_class(question: Question, has_stored_file: bool = False) -> type[QuestionForm]:
    return type("QuestionForm_" + question.key, (QuestionForm,),
                {question.key: build_field(question, has_stored_file), "question": question})


def build_form(question: Question, stored_answer=None, formdata=None,
               has_stored_file: bool = False, answers: dict | None = None) -> QuestionForm:
    """The form for one question, filled from the stored draft answer or the POST;
    `answers`: the draft's other answers, for checks across questions."""
    cls = form_class(question, has_stored_file)
    data = stored_answer
    if question.type == "file":
        data = None  # a stored file is shown separately; the input starts empty
    # formdata=None stops Flask-WTF from reading the request on a GET.
    form = cls(formdata=formdata, data={question.key: data})
    form.answers = answers or {}
    return form


def answer_value(question: Question, field):
    """What is stored in the draft for this field (JSON-safe)."""
    if question.type == "date":
        value = field.as_date()
        return value.isoformat() if value else None
    if question.type == "address":
        return dict(field.data)
    if question.type == "checkboxes":
        return list(field.data or [])
    return field.data


def prefill_value(question: Question, person: Person | None):
    """What the platform already knows (WCAG 3.3.7): person.<attr> or licence.<type>.<attr>."""
    if not question.prefill or person is None:
        return None
    parts = question.prefill.split(".")
    if parts[0] == "person" and len(parts) == 2:
        value = getattr(person, parts[1], None)
        return value.isoformat() if isinstance(value, date) else value
    if parts[0] == "licence" and len(parts) == 3:
        licence = person.licence(parts[1])
        if licence is None:
            return None
        attr = parts[2]
        value = getattr(licence, attr) if attr in ("number", "issued", "valid_until") \
            else licence.data.get(attr)
        return value.isoformat() if isinstance(value, date) else value
    return None
