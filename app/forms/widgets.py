"""One WTForms widget per component, in the manner of govuk-frontend-wtf: a widget maps
its field (label, hint, errors, value) and what the page adds (the label as the page's
<h1>, the inline-validation URL, input attributes) to the params of one macro in
templates/macros/fields.html, and renders that macro. Any form - a question page,
sign-in, display settings, a rating - renders through the same components:
`{{ form.x() }}` or `{{ form.x(heading=True) }}`."""
from __future__ import annotations

from flask import get_template_attribute
from flask_babel import gettext as _
from markupsafe import Markup

MACROS = "macros/fields.html"

# The attributes an <input> may carry, in the order they are written.
INPUT_ATTRIBUTES = ("autocomplete", "inputmode", "spellcheck", "autocapitalize", "dir")


class Component:
    """Params every field component shares; each subclass names its macro and adds
    its own. `hint` at render time stands in for the field's description (a sign-in
    hint says whose number to type)."""

    macro = ""
    inline_validation = True  # a choice or a file is whole once made: nothing to check early

    def __call__(self, field, **options) -> Markup:
        return get_template_attribute(MACROS, self.macro)(self.params(field, **options))

    def params(self, field, heading: bool = False, validate_url: str | None = None,
               hint=None) -> dict:
        return {
            "id": field.id,
            "name": field.name,
            "label": field.label.text,
            "hint": hint or field.description or None,
            "heading": heading,
            "errors": list(field.errors),
            "validate_url": validate_url if self.inline_validation else None,
        }

    def first_input_id(self, field) -> str:
        """Where an error-summary link takes the reader."""
        return field.id


class TextInput(Component):
    """One line of text. `attributes` (autocomplete, inputmode, spellcheck,
    autocapitalize, dir) tell phones and browsers what is typed; `width` is a CSS
    class for answers of a known length; `numeric` answers read as numbers
    (left to right, grouped) wherever they are shown back."""

    macro = "text_input"

    def __init__(self, input_type: str = "text", width: str | None = None,
                 numeric: bool = False, **attributes):
        self.input_type = input_type
        self.width = width
        self.numeric = numeric
        self.attributes = attributes

    def params(self, field, attributes: dict | None = None, **options) -> dict:
        chosen = {**self.attributes, **(attributes or {})}
        return {**super().params(field, **options), "type": self.input_type,
                "width": self.width, "value": self.value(field),
                "attributes": {key: chosen[key] for key in INPUT_ATTRIBUTES if chosen.get(key)}}

    def value(self, field):
        return field.data or ""


class PasswordInput(TextInput):
    """A password: never written back into the page."""

    def __init__(self, **attributes):
        super().__init__("password", **attributes)

    def value(self, field):
        return None


class CharacterCount(Component):
    """A textarea with its limit, counted down as one types (yiban.js)."""

    macro = "textarea"

    def __init__(self, limit: int):
        self.limit = limit

    def params(self, field, **options) -> dict:
        return {**super().params(field, **options), "value": field.data or "",
                "limit": self.limit}


class DateInput(Component):
    """Year, month and day as three number inputs. `autocomplete="bday"` for a date
    of birth lets the browser fill in each part."""

    macro = "date_input"

    def __init__(self, autocomplete: str | None = None):
        self.autocomplete = autocomplete

    def params(self, field, **options) -> dict:
        parts = [{"id": field.part_id(part), "name": field.part_name(part), "label": label,
                  "width": width, "value": field.data[part],
                  "autocomplete": f"{self.autocomplete}-{part}" if self.autocomplete else None}
                 for part, label, width in (("year", _("Year"), 4), ("month", _("Month"), 2),
                                            ("day", _("Day"), 2))]
        return {**super().params(field, **options), "parts": parts}

    def first_input_id(self, field) -> str:
        return field.part_id("year")


class AddressInput(Component):
    """A Chinese address: the region, then the street and house number."""

    macro = "address_input"

    def params(self, field, **options) -> dict:
        parts = [{"id": field.part_id(part), "name": field.part_name(part), "label": label,
                  "value": field.data[part], "autocomplete": autocomplete}
                 for part, label, autocomplete in (
                     ("region", _("Province, city and district"), "address-level2"),
                     ("detail", _("Street, building and house number"), "address-line1"))]
        return {**super().params(field, **options), "parts": parts}

    def first_input_id(self, field) -> str:
        return field.part_id("region")


class Choices(Component):
    """Radios (one answer) or checkboxes (`multiple`), from a RadioField or a
    SelectMultipleField; `hints` gives an option (by value) a line of its own."""

    macro = "choices"
    inline_validation = False

    def __init__(self, multiple: bool = False, hints: dict | None = None):
        self.multiple = multiple
        self.hints = hints or {}

    def params(self, field, **options) -> dict:
        items = [{"id": f"{field.id}-{index}", "value": choice.value, "label": choice.label,
                  "hint": self.hints.get(choice.value), "checked": choice.selected}
                 for index, choice in enumerate(field.iter_choices(), start=1)]
        return {**super().params(field, **options), "multiple": self.multiple,
                "items": items}

    def first_input_id(self, field) -> str:
        return f"{field.id}-1"


class FileUpload(Component):
    """A file input with the types and size it takes; `stored_file` (the file already
    uploaded, if any) is said beside it, so choosing none keeps it."""

    macro = "file_upload"
    inline_validation = False

    def __init__(self, types, max_mb: int):
        self.types = tuple(types)
        self.max_mb = max_mb

    def params(self, field, stored_file=None, **options) -> dict:
        accept = ",".join(f".{t},.jpeg" if t == "jpg" else f".{t}" for t in self.types)
        return {**super().params(field, **options), "types": self.types,
                "max_mb": self.max_mb, "accept": accept,
                "stored_file": stored_file.get("filename") if stored_file else None}


class LicenceFact(Component):
    """A question the citizen's electronic licence answers, shown as a fact to confirm
    rather than a field to type: the value with the licence it came from, sent back
    hidden, and a link that opens the field to correct it."""

    macro = "licence_fact"

    def params(self, field, licence="", lines=(), correct_url="") -> dict:
        return {"id": field.id, "label": field.label.text, "licence": licence,
                "lines": list(lines), "correct_url": correct_url,
                "numeric": getattr(field.widget, "numeric", False),
                "hidden": hidden_values(field)}


def hidden_values(field) -> list[tuple[str, str]]:
    """(name, value) of the hidden inputs that send a field's answer unchanged."""
    if hasattr(field, "parts"):
        return [(field.part_name(part), field.data[part]) for part in field.parts]
    if isinstance(field.data, (list, tuple)):
        return [(field.name, value) for value in field.data]
    return [(field.name, field.data if field.data is not None else "")]


licence_fact = LicenceFact()


def first_input_id(field) -> str:
    """The id an error-summary link for this field points at."""
    target = getattr(field.widget, "first_input_id", None)
    return target(field) if target else field.id
