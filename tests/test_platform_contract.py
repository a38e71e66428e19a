"""The platform boundary's OpenAPI contract (docs/platform-openapi.yaml) is a valid
OpenAPI 3.1 document and covers every PlatformClient operation, with an
Idempotency-Key on every write and a problem+json answer for errors; and it is what
`flask platform serve` serves: the same paths and methods, each route named after its
operationId, and each schema of a platform dataclass with exactly that dataclass's
fields (tests/test_platform_over_http.py checks the answers themselves)."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import yaml
from openapi_spec_validator import validate

import app.platform as boundary
from app.platform import PlatformClient
from app.platform.http import create_server

CONTRACT = Path(__file__).resolve().parent.parent / "docs" / "platform-openapi.yaml"
WRITES = ("post", "put", "patch", "delete")
LOOKUPS_BY_POST = {"authenticate", "authenticate_helper", "find_helper",
                   "find_person_id"}  # no data in URLs
# Not a call across the boundary: a platform elsewhere keeps nothing on the front's
# machine, so its client answers None without asking (`flask keys rotate`).
LOCAL_ONLY = {"reencrypt_stored_data"}
SERVED_ONLY = {"contract"}  # the document itself, at /v1/openapi.json


def contract() -> dict:
    return yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))


def operations() -> dict[str, tuple[str, dict]]:
    return {op["operationId"]: (method, op) for item in contract()["paths"].values()
            for method, op in item.items()}


def test_the_contract_is_valid_openapi_3_1():
    document = contract()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_platform_client_operation_is_in_the_contract():
    protocol = {name for name in vars(PlatformClient)
                if not name.startswith("_") and callable(getattr(PlatformClient, name))}
    assert set(operations()) - SERVED_ONLY == protocol - LOCAL_ONLY


def test_the_served_routes_are_exactly_the_documented_ones():
    server = create_server(object(), "token")
    served = {}
    for rule in server.url_map.iter_rules():
        if not rule.rule.startswith("/v1/"):
            continue  # Flask's own static route
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len("/v1"):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served[(path, method.lower())] = rule.endpoint.split(".")[-1]
    documented = {(path, method): op["operationId"]
                  for path, item in contract()["paths"].items() for method, op in item.items()}
    assert served == documented


def test_each_schema_of_a_platform_dataclass_has_exactly_its_fields():
    schemas = contract()["components"]["schemas"]
    dataclasses_ = {name: kind for name, kind in vars(boundary).items()
                    if dataclasses.is_dataclass(kind) and isinstance(kind, type)}
    assert set(dataclasses_) <= set(schemas)
    for name, kind in dataclasses_.items():
        fields = {f.name for f in dataclasses.fields(kind)}
        assert set(schemas[name]["properties"]) == fields, name
        assert set(schemas[name]["required"]) == fields, name  # always all sent
        assert schemas[name]["additionalProperties"] is False, name


def test_every_write_needs_an_idempotency_key():
    for name, (method, op) in operations().items():
        if method in WRITES and name not in LOOKUPS_BY_POST:
            refs = [p.get("$ref", "") for p in op.get("parameters", [])]
            assert "#/components/parameters/IdempotencyKey" in refs, name


def test_every_operation_answers_errors_as_problem_json_and_needs_the_service_token():
    document = contract()
    assert document["security"] == [{"serviceToken": []}]
    problem = document["components"]["responses"]["Problem"]["content"]
    assert "application/problem+json" in problem
    for name, (_method, op) in operations().items():
        assert op["responses"]["default"] == {"$ref": "#/components/responses/Problem"}, name
