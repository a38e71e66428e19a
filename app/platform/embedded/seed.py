"""Fill the embedded platform's database from the seed files (docs/form-schema.md):
what is missing is inserted (run by `flask db upgrade`); nothing is dropped."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from ...core.crypto import keyring_of
from .. import HELPER_KINDS
from .models import HelperRow, LicenceRow, LifeEventRow, PersonRow, ServiceRow

SEED_DIR = Path(__file__).parent / "seed"


def load_yaml(name: str) -> dict:
    with open(SEED_DIR / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


def phrasebook() -> dict[str, dict[str, str]]:
    """{Chinese seed text: {locale: translation}} from seed/translations.yaml (read once;
    scripts/i18n_tools.py keeps it). Empty when the file is missing."""
    global _PHRASEBOOK
    if _PHRASEBOOK is None:
        texts = load_yaml("translations.yaml").get("texts") if (
            SEED_DIR / "translations.yaml").exists() else None
        _PHRASEBOOK = {str(k).strip(): v for k, v in (texts or {}).items()}
    return _PHRASEBOOK


_PHRASEBOOK: dict | None = None


def resolve_questions(questions: list, library: dict) -> list[dict]:
    """Turn `key`, `{use: key, …overrides}` and full definitions into full definitions."""
    resolved = []
    for item in questions:
        if isinstance(item, str):
            item = {"use": item}
        if "use" in item:
            base_key = item["use"]
            merged = {"key": base_key, **library[base_key]}
            merged.update({k: v for k, v in item.items() if k != "use"})
            item = merged
        resolved.append(item)
    return resolved


# The key of the front's "which of these shall we do" page for a bundle's optional
# matters: its answer (the chosen matters' keys) travels with the answers.
MATTERS_KEY = "matters"
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


def check_service(doc: dict) -> None:
    """Refuse a service the front could not ask well (docs/form-schema.md): matters with
    unknown fields, a question named like the matters page, an optional matter without
    plain-language help, a file question for a material nobody uploads."""
    code = doc["code"]
    keys = [q["key"] for q in doc["questions"]]
    if MATTERS_KEY in keys:
        raise ValueError(f"{code}: {MATTERS_KEY!r} is reserved for the matters page")
    if len(keys) != len(set(keys)):
        raise ValueError(f"{code}: a question key is used twice")
    matter_keys = [m.get("key") for m in doc.get("matters", []) if m.get("key")]
    if len(matter_keys) != len(set(matter_keys)):
        raise ValueError(f"{code}: a matter key is used twice")
    for matter in doc.get("matters", []):
        if (matter.get("fields") or matter.get("optional")) and not (
                matter.get("key") and KEY_PATTERN.fullmatch(matter["key"])):
            raise ValueError(f"{code}: matter {matter['name']!r} needs a key [a-z][a-z0-9_]*")
        unknown = set(matter.get("fields", [])) - set(keys)
        if unknown:
            raise ValueError(f"{code}: matter {matter['key']} names unknown fields {sorted(unknown)}")
        if matter.get("optional") and not matter.get("help"):
            raise ValueError(f"{code}: optional matter {matter['key']} needs `help`")
    # A field only a conditional matter needs comes after the answer it depends on, or
    # the journey would pass it before it is needed.
    position = {key: index for index, key in enumerate(keys)}
    always = {k for m in doc.get("matters", []) if not m.get("optional") and not m.get("applies_if")
              for k in m.get("fields", [])}
    for matter in doc.get("matters", []):
        for depends_on in _fields_of(matter.get("applies_if")):
            late = [k for k in matter.get("fields", [])
                    if k not in always and position.get(k, 0) < position.get(depends_on, 0)]
            if late:
                raise ValueError(f"{code}: ask {depends_on} before {late} "
                                 f"(matter {matter.get('key') or _chinese(matter['name'])})")
    uploads = {_chinese(m["name"]) for m in doc.get("materials", []) if m["source"] == "upload"}
    for question in doc["questions"]:
        material = question.get("material")
        if material is not None and _chinese(material) not in uploads:
            raise ValueError(f"{code}: file question {question['key']} is for {material!r}, "
                             "which is not a material the citizen uploads")


def _fields_of(rule: dict | None) -> list[str]:
    if not rule:
        return []
    if "all" in rule or "any" in rule:
        return [f for r in rule.get("all", rule.get("any", [])) for f in _fields_of(r)]
    return [rule["field"]]


def _chinese(text) -> str:
    return text["zh_Hans_CN"] if isinstance(text, dict) else str(text)


def tag_questions(doc: dict) -> None:
    """Each question learns which of the bundle's matters need it (`matters`)."""
    for question in doc["questions"]:
        question["matters"] = [m["key"] for m in doc.get("matters", [])
                               if question["key"] in m.get("fields", [])]


def topics_used(questions: list[dict], topics: list[dict]) -> list[dict]:
    used = {q.get("topic") for q in questions}
    unknown = used - {t["key"] for t in topics} - {None}
    if unknown:
        raise ValueError(f"unknown topics {sorted(unknown)}")
    return [t for t in topics if t["key"] in used]


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def seed_missing(session: Session) -> int:
    """Insert what the seed files hold and the database lacks (by key): a fresh
    database gets everything, an older one only what was added since, and nothing
    present is overwritten or dropped. Returns how many rows were added."""
    catalogue = load_yaml("services.yaml")
    people = load_yaml("people.yaml")
    have_events = set(session.scalars(select(LifeEventRow.key)))
    have_services = set(session.scalars(select(ServiceRow.code)))
    have_people = set(session.scalars(select(PersonRow.id)))
    have_licences = set(session.execute(select(LicenceRow.person_id, LicenceRow.type)).all())
    have_helpers = set(session.scalars(select(HelperRow.id)))
    added = 0
    for position, event in enumerate(catalogue["life_events"]):
        if event["key"] not in have_events:
            session.add(LifeEventRow(key=event["key"], position=position, name=event["name"]))
            added += 1
    session.flush()
    library = catalogue.get("fields", {})
    for position, svc in enumerate(catalogue["services"]):
        if svc["code"] in have_services:
            continue
        doc = dict(svc)
        doc["questions"] = resolve_questions(svc.get("questions", []), library)
        check_service(doc)
        tag_questions(doc)
        doc["topics"] = topics_used(doc["questions"], catalogue.get("topics", []))
        hotlines = catalogue.get("hotlines", {})
        doc["hotlines"] = [[d, str(hotlines[d])] for d in svc.get("departments", []) if d in hotlines]
        session.add(ServiceRow(code=svc["code"], position=position, kind=svc["kind"],
                               life_event=svc["life_event"],
                               promise_days=int(svc["promise_days"]), doc=doc))
        added += 1
    lookup = keyring_of(session.get_bind().dialect).lookup
    for citizen in people["citizens"]:
        if citizen["id"] not in have_people:
            session.add(_person_row(citizen, lookup))
            added += 1
        session.flush()
        for lic in citizen.get("licences", []):
            if (citizen["id"], lic["type"]) not in have_licences:
                session.add(_licence_row(citizen["id"], lic))
                added += 1
    for helper in people.get("helpers", []):
        if helper["id"] not in have_helpers:
            session.add(_helper_row(helper, lookup))
            added += 1
    return added


def _person_row(citizen: dict, lookup) -> PersonRow:
    id_number, mobile = str(citizen["id_number"]), str(citizen["mobile"])
    return PersonRow(
        id=citizen["id"], name=citizen["name"], gender=citizen["gender"],
        birth_date=_as_date(citizen["birth_date"]), id_number=id_number,
        id_number_hash=lookup(id_number.upper()), mobile=mobile,
        mobile_hash=lookup(mobile), address=citizen["address"],
        password_hash=generate_password_hash(citizen["password"]))


def _licence_row(person_id: str, lic: dict) -> LicenceRow:
    return LicenceRow(
        person_id=person_id, type=lic["type"], number=str(lic["number"]),
        issued=_as_date(lic.get("issued")), valid_until=_as_date(lic.get("valid_until")),
        data=_json_safe(lic.get("data", {})))


def _helper_row(helper: dict, lookup) -> HelperRow:
    if helper["kind"] not in HELPER_KINDS:
        raise ValueError(f"helper {helper['id']}: unknown kind {helper['kind']!r}")
    return HelperRow(
        id=helper["id"], name=helper["name"], kind=helper["kind"],
        organisation=helper.get("organisation"), code=str(helper["code"]).upper(),
        mobile=str(helper["mobile"]), mobile_hash=lookup(str(helper["mobile"])),
        password_hash=generate_password_hash(helper["password"]))


def _json_safe(data: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}
