"""Fill an empty embedded-platform database from the seed files (docs/form-schema.md)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from .models import LicenceRow, LifeEventRow, PersonRow, ServiceRow

SEED_DIR = Path(__file__).parent / "seed"


def load_yaml(name: str) -> dict:
    with open(SEED_DIR / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


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


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def seed_if_empty(session: Session) -> bool:
    if session.scalar(select(ServiceRow.code).limit(1)) is not None:
        return False
    catalogue = load_yaml("services.yaml")
    library = catalogue.get("fields", {})
    for position, event in enumerate(catalogue["life_events"]):
        session.add(LifeEventRow(key=event["key"], position=position, name=event["name"]))
    session.flush()
    for position, svc in enumerate(catalogue["services"]):
        doc = dict(svc)
        doc["questions"] = resolve_questions(svc.get("questions", []), library)
        session.add(ServiceRow(code=svc["code"], position=position, kind=svc["kind"],
                               life_event=svc["life_event"],
                               promise_days=int(svc["promise_days"]), doc=doc))
    for citizen in load_yaml("people.yaml")["citizens"]:
        person = PersonRow(
            id=citizen["id"], name=citizen["name"], gender=citizen["gender"],
            birth_date=_as_date(citizen["birth_date"]), id_number=str(citizen["id_number"]),
            mobile=str(citizen["mobile"]), address=citizen["address"],
            password_hash=generate_password_hash(citizen["password"]))
        for lic in citizen.get("licences", []):
            person.licences.append(LicenceRow(
                type=lic["type"], number=str(lic["number"]), issued=_as_date(lic.get("issued")),
                valid_until=_as_date(lic.get("valid_until")),
                data=_json_safe(lic.get("data", {}))))
        session.add(person)
    return True


def _json_safe(data: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}
