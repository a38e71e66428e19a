"""The platform's dataclasses as JSON, for both sides of the HTTP boundary.

`dump` walks any value (dataclasses by their fields); `load` rebuilds a dataclass
from the field types it declares, so a field added to app/platform is carried
without a line here. Dates and times are ISO 8601 (naive UTC, as the platform keeps
them); a LocalText is {text, lang}; bytes are base64 (a Document's content).

Answers are free-form JSON, so a Document inside them is known by its shape: an
object with exactly filename, media_type and content (the contract's Document);
`with_documents` turns those back into Documents on the platform's side."""
from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import types
import typing
from datetime import date, datetime, timezone
from typing import Any

from .. import DOCUMENT_TYPES, Document, LocalText

PROBLEM = "urn:yiban:problem:"  # + a problem's kind, in problem+json `type` (the contract)


def dump(value: Any) -> Any:
    if isinstance(value, LocalText):
        return {"text": str(value), "lang": value.lang}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [dump(item) for item in value]
    if isinstance(value, dict):
        return {str(key): dump(item) for key, item in value.items()}
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


DOCUMENT_FIELDS = frozenset(f.name for f in dataclasses.fields(Document))


def with_documents(value: Any) -> Any:
    """Parsed JSON (answers) with every Document-shaped object made a Document again;
    ValueError if one's content is not base64."""
    if isinstance(value, dict):
        if set(value) == DOCUMENT_FIELDS:
            if not all(isinstance(value[name], str) for name in DOCUMENT_FIELDS):
                raise ValueError("a document's fields are strings")
            if value["media_type"] not in DOCUMENT_TYPES:
                raise ValueError(f"a document is one of {', '.join(DOCUMENT_TYPES)}")
            return load(Document, value)
        return {key: with_documents(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_documents(item) for item in value]
    return value


@functools.cache
def _hints(cls) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def load(kind: Any, data: Any) -> Any:
    """`data` (parsed JSON) as a value of type `kind`: a dataclass, X | None,
    tuple[X, ...], tuple[X, Y], list[X], LocalText, date, datetime or a JSON type."""
    if data is None:
        return None
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return load(inner[0], data)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(load(args[0], item) for item in data)
        return tuple(load(a, item) for a, item in zip(args, data, strict=True))
    if origin is list:
        return [load(args[0], item) for item in data]
    if origin is dict or kind is dict:
        return dict(data)
    if kind is LocalText:
        return LocalText(data["text"], data["lang"])
    if kind is datetime:
        moment = datetime.fromisoformat(data)
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        return moment
    if kind is date:
        return date.fromisoformat(data)
    if kind is bytes:
        try:
            return base64.b64decode(data, validate=True)
        except (binascii.Error, TypeError):
            raise ValueError("not base64") from None
    if dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        return kind(**{f.name: load(hints[f.name], data[f.name])
                       for f in dataclasses.fields(kind) if f.name in data})
    return data
