"""Fill an empty embedded-platform database from the seed files (docs/form-schema.md),
rebuilding it first when it was made for another schema version."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from ...db import Database
from .. import HELPER_KINDS
from .models import (SCHEMA_VERSION, HelperRow, LicenceRow, LifeEventRow, MetaRow,
                     PersonRow, PlatformBase, ServiceRow)

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


def prepare(db: Database) -> None:
    """Make the database match this code's schema, then seed it if it is empty."""
    with db.session() as session:
        usable = _is_current_or_empty(session)
    if not usable:
        # Demo data only: start again rather than migrate. Only this platform's own
        # tables are dropped, in case the front was pointed at the same database.
        PlatformBase.metadata.drop_all(db.engine)
        PlatformBase.metadata.create_all(db.engine)
    with db.session() as session:
        seed_if_empty(session)


def _is_current_or_empty(session: Session) -> bool:
    version = session.get(MetaRow, "schema_version")
    if version is not None:
        return version.value == str(SCHEMA_VERSION)
    # No version: either a fresh database or one from before versions were kept.
    return session.scalar(select(ServiceRow.code).limit(1)) is None


def seed_if_empty(session: Session) -> bool:
    if session.scalar(select(ServiceRow.code).limit(1)) is not None:
        return False
    session.merge(MetaRow(key="schema_version", value=str(SCHEMA_VERSION)))
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
    people = load_yaml("people.yaml")
    for citizen in people["citizens"]:
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
    for helper in people.get("helpers", []):
        session.add(_helper_row(helper))
    return True


def _helper_row(helper: dict) -> HelperRow:
    if helper["kind"] not in HELPER_KINDS:
        raise ValueError(f"helper {helper['id']}: unknown kind {helper['kind']!r}")
    return HelperRow(
        id=helper["id"], name=helper["name"], kind=helper["kind"],
        organisation=helper.get("organisation"), code=str(helper["code"]).upper(),
        mobile=str(helper["mobile"]), password_hash=generate_password_hash(helper["password"]))


def _json_safe(data: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}
