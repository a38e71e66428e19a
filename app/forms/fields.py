"""WTForms fields made of several inputs: a date as year/month/day, and an address."""
from __future__ import annotations

import re
from datetime import date

from wtforms.fields import Field
from wtforms.utils import unset_value

# Never kept in an answer: control characters (NUL, escape …; a textarea keeps its line
# breaks and tabs) and the invisible direction overrides that make text display in
# another order than it was typed. (U+200E/U+200F marks stay: bidirectional typing.)
_UNWANTED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNWANTED_IN_LINE = re.compile(r"[\t\n\r]")


def clean_text(value: str, multiline: bool = False) -> str:
    """Typed text as it is kept: without unwanted characters, and stripped."""
    value = _UNWANTED.sub("", value)
    if not multiline:
        value = _UNWANTED_IN_LINE.sub(" ", value)
    return value.strip()


class CompoundField(Field):
    """A field whose value is a dict of named parts, each its own <input>.

    The raw text of every part is kept as typed, so a wrong answer is shown back
    exactly as the user entered it."""

    parts: tuple[str, ...] = ()

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = {part: "" for part in self.parts}
        if isinstance(data, dict):
            self.data.update({k: str(v) for k, v in data.items() if k in self.parts})
        if formdata is not None:
            self.raw_data = [formdata.get(self.part_name(p), "") for p in self.parts]
            self.data = {p: clean_text(formdata.get(self.part_name(p), "")) for p in self.parts}

    def part_name(self, part: str) -> str:
        return f"{self.name}-{part}"

    def part_id(self, part: str) -> str:
        return f"{self.id}-{part}"

    @property
    def is_empty(self) -> bool:
        return not any(self.data.values())


class DatePartsField(CompoundField):
    """A date entered as three number inputs (GOV.UK pattern): no picker to fight with."""

    parts = ("year", "month", "day")

    def process(self, formdata, data=unset_value, extra_filters=None):
        if isinstance(data, str) and data:
            year, month, day = data.split("-")
            data = {"year": year, "month": str(int(month)), "day": str(int(day))}
        elif isinstance(data, date):
            data = {"year": str(data.year), "month": str(data.month), "day": str(data.day)}
        super().process(formdata, data, extra_filters)

    def as_date(self) -> date | None:
        try:
            return date(int(self.data["year"]), int(self.data["month"]), int(self.data["day"]))
        except (ValueError, TypeError, OverflowError):  # OverflowError: month 99999999999999999999
            return None


class AddressField(CompoundField):
    """A Chinese address: the region (province, city, district) and the street detail."""

    parts = ("region", "detail")

    def process(self, formdata, data=unset_value, extra_filters=None):
        if isinstance(data, str) and data:
            data = split_address(data)
        super().process(formdata, data, extra_filters)


def split_address(address: str) -> dict:
    """Split "北京市东城区东华门街道示例路1号" after the first district-level unit."""
    for marker in ("区", "县", "旗"):
        index = address.find(marker)
        if 0 < index < len(address) - 1:
            return {"region": address[:index + 1], "detail": address[index + 1:]}
    return {"region": "", "detail": address}
