"""The embedded platform served over HTTP, as docs/platform-openapi.yaml describes it.

A small Flask app of its own (not a blueprint of the front: it runs as its own
process, `flask --app app platform serve`). Every call but the contract itself needs
the service token; errors are problem+json; writes need an Idempotency-Key; lists
page with limit and cursor (the cursor is an offset the client passes back as given)."""
from __future__ import annotations

import hmac
import logging
from datetime import date
from pathlib import Path

import yaml
from flask import Blueprint, Flask, Response, current_app, json, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from .. import (IdempotencyKeyReused, PlatformClient, RatingRefused, SubmissionRefused,
                SupplementClosed, WithdrawRefused)
from .codec import PROBLEM, dump, with_documents

CONTRACT = Path(__file__).resolve().parents[3] / "docs" / "platform-openapi.yaml"
LOCALES = ("zh_Hans_CN", "zh_Hant", "en", "ug")
DEFAULT_LIMIT, MAX_LIMIT = 100, 500
# Files travel base64 in JSON (4/3 of their size): a submission may carry every file of
# a draft, up to the front's upload quota (50 MB by default), so the body limit is well
# above that; a supplement answer carries one (the front takes at most 12 MB a request).
MAX_BODY = 96 * 1024 * 1024
OPEN = ("contract",)  # endpoints without the service token
log = logging.getLogger("yiban.platform")

bp = Blueprint("platform_v1", __name__, url_prefix="/v1")


class Problem(Exception):
    def __init__(self, status: int, kind: str, title: str, detail: str | None = None):
        super().__init__(title)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail


def problem_response(status: int, kind: str, title: str, detail: str | None = None,
                     headers: dict | None = None) -> Response:
    body = {"type": PROBLEM + kind, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    return Response(json.dumps(body), status, headers=headers,
                    mimetype="application/problem+json")


def platform() -> PlatformClient:
    return current_app.extensions["served_platform"]


# ---- reading requests ------------------------------------------------------------------
def locale() -> str:
    """The first Accept-Language tag we have (zh-Hans-CN → zh_Hans_CN), else Chinese."""
    for tag in request.headers.get("Accept-Language", "").split(","):
        name = tag.split(";")[0].strip().replace("-", "_")
        for known in LOCALES:
            if name.lower() == known.lower() or name.lower().split("_")[0] == known.lower():
                return known
    return LOCALES[0]


def body(*required: str, **types_: type | tuple) -> dict:
    data = request.get_json(silent=True)
    if data is None and not required:
        data = {}
    if not isinstance(data, dict):
        raise Problem(422, "invalid", "The body must be a JSON object")
    for name in required:
        if name not in data:
            raise Problem(422, "invalid", f"{name} is required")
    for name, kind in types_.items():
        value = data.get(name)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)
                                  and kind is not bool):
            raise Problem(422, "invalid", f"{name} has the wrong type")
    return data


def text_field(data: dict, name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise Problem(422, "invalid", f"{name} must be a string")
    return value


def documents(value):
    """Answers as sent, with their files (Document objects, base64) as Documents."""
    try:
        return with_documents(value)
    except ValueError as error:
        raise Problem(422, "invalid", "A document is malformed", str(error)) from None


def acted_by(data: dict) -> str | None:
    value = data.get("acted_by")
    if value is not None and not isinstance(value, str):
        raise Problem(422, "invalid", "acted_by must be a string or null")
    return value


def idempotency_key() -> str:
    key = request.headers.get("Idempotency-Key", "")
    if not 8 <= len(key) <= 64:
        raise Problem(422, "invalid", "Idempotency-Key (8 to 64 characters) is required")
    return key


def int_arg(name: str, default: int | None, low: int, high: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        if default is None:
            raise Problem(422, "invalid", f"{name} is required")
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Problem(422, "invalid", f"{name} must be an integer") from None
    if value < low or (high is not None and value > high):
        raise Problem(422, "invalid", f"{name} is out of range")
    return value


def page(items: list) -> dict:
    """One page of a list: `limit` items from the offset the cursor names."""
    limit = int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    start = int_arg("cursor", 0, 0)
    result = {"items": dump(items[start:start + limit])}
    if start + limit < len(items):
        result["next_cursor"] = str(start + limit)
    return result


def found(value):
    if value is None:
        raise Problem(404, "not-found", "Not found")
    return dump(value)


# ---- the operations (operationId in the contract = the PlatformClient method) ---------
@bp.get("/openapi.json")
def contract():
    return yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))


@bp.get("/catalogue/version")
def catalogue_version():
    version = platform().catalogue_version()
    etag = f'"{version}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if request.headers.get("If-None-Match") == etag:
        return Response(status=304, headers=headers)
    return {"version": version}, 200, headers


@bp.get("/life-events")
def life_events():
    return dump(platform().life_events(locale()))


@bp.get("/services")
def services():
    return page(platform().services(locale()))


@bp.get("/services/<code>")
def service(code):
    return found(platform().service(code, locale()))


@bp.get("/services/<code>/form")
def form_schema(code):
    found(platform().service(code, locale()))
    return dump(platform().form_schema(code, locale()))


@bp.post("/citizens/authenticate")
def authenticate():
    data = body("login", "password")
    person = platform().authenticate(text_field(data, "login"), text_field(data, "password"))
    if person is None:
        raise Problem(401, "bad-credentials", "Wrong login or password")
    return dump(person)


@bp.post("/citizens/find")
def find_person_id():
    person_id = platform().find_person_id(text_field(body("login"), "login"))
    if person_id is None:
        raise Problem(404, "not-found", "No such account")
    return {"id": person_id}


@bp.get("/citizens/<person_id>")
def person(person_id):
    return found(platform().person(person_id))


@bp.post("/helpers/authenticate")
def authenticate_helper():
    data = body("login", "password")
    helper = platform().authenticate_helper(text_field(data, "login"),
                                            text_field(data, "password"))
    if helper is None:
        raise Problem(401, "bad-credentials", "Wrong login or password")
    return dump(helper)


@bp.get("/helpers/<helper_id>")
def helper(helper_id):
    return found(platform().helper(helper_id))


@bp.post("/helpers/find")
def find_helper():
    return found(platform().find_helper(text_field(body("code_or_mobile"), "code_or_mobile")))


@bp.get("/citizens/<person_id>/applications")
def applications_of(person_id):
    return page(platform().applications_of(person_id))


@bp.post("/citizens/<person_id>/applications")
def submit(person_id):
    key = idempotency_key()
    data = body("service_code", "answers", answers=dict)
    try:
        application = platform().submit(text_field(data, "service_code"), person_id,
                                        documents(data["answers"]), key,
                                        acted_by=acted_by(data))
    except LookupError as error:  # an unknown service or helper: never worth sending again
        raise Problem(422, "submission-refused", "The platform will not take this submission",
                      f"unknown: {error}") from None
    return dump(application), 201


@bp.get("/citizens/<person_id>/applications/<number>")
def application(person_id, number):
    return found(platform().application(number, person_id))


@bp.put("/citizens/<person_id>/applications/<number>/withdrawal")
def withdraw(person_id, number):
    key = idempotency_key()
    data = body()
    return dump(platform().withdraw(number, person_id, acted_by=acted_by(data),
                                    idempotency_key=key))


@bp.put("/citizens/<person_id>/applications/<number>/supplements/<int:supplement_id>/answer")
def answer_supplement(person_id, number, supplement_id):
    key = idempotency_key()
    data = body("answer", answer=dict)
    return dump(platform().answer_supplement(number, person_id, supplement_id,
                                             documents(data["answer"]),
                                             acted_by=acted_by(data), idempotency_key=key))


@bp.put("/citizens/<person_id>/applications/<number>/rating")
def rate(person_id, number):
    key = idempotency_key()
    data = body("level", "comment", level=int, comment=str)
    return dump(platform().rate(number, person_id, data["level"], data["comment"],
                                acted_by=acted_by(data), idempotency_key=key))


@bp.get("/feed")
def feed():
    return dump(platform().feed(int_arg("after", None, 0),
                                int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)))


@bp.get("/feed/position")
def feed_position():
    return {"position": platform().feed_position()}


@bp.get("/supplements/due")
def supplements_due():
    try:
        by = date.fromisoformat(request.args.get("by", ""))
    except ValueError:
        raise Problem(422, "invalid", "by must be a date (YYYY-MM-DD)") from None
    return page([{"number": number, "owner_id": owner, "service_code": code,
                  "supplement": supplement}
                 for number, owner, code, supplement in platform().supplements_due(by)])


# ---- authentication and errors ---------------------------------------------------------
@bp.before_request
def require_service_token():
    if request.endpoint in {f"{bp.name}.{name}" for name in OPEN}:
        return None
    expected = f"Bearer {current_app.config['PLATFORM_TOKEN']}".encode()
    given = request.headers.get("Authorization", "").encode()
    if not hmac.compare_digest(given, expected):
        return problem_response(401, "unauthorised", "A valid service token is required",
                                headers={"WWW-Authenticate": "Bearer"})
    return None


REFUSALS = {WithdrawRefused: ("withdraw-refused", "The application can no longer be withdrawn"),
            SupplementClosed: ("supplement-closed", "The supplement request is closed"),
            RatingRefused: ("rating-refused", "The application cannot be rated now")}


def register_errors(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(error: Problem):
        return problem_response(error.status, error.kind, error.title, error.detail)

    @app.errorhandler(WithdrawRefused)
    @app.errorhandler(SupplementClosed)
    @app.errorhandler(RatingRefused)
    def _refused(error):
        kind, title = REFUSALS[type(error)]
        return problem_response(409, kind, title)

    @app.errorhandler(IdempotencyKeyReused)
    def _reused(_error):
        return problem_response(422, "idempotency-key-reused",
                                "This Idempotency-Key was used for another request")

    # How the embedded platform says "no such application / supplement" and "not a
    # rating level": a bare LookupError or ValueError. Their subclasses (KeyError, a
    # UnicodeError …) are bugs, answered as such.
    @app.errorhandler(LookupError)
    def _missing(error):
        if type(error) not in (LookupError, SubmissionRefused):
            return _bug(error)
        return problem_response(404, "not-found", "Not found")

    @app.errorhandler(ValueError)
    def _invalid(error):
        if type(error) is not ValueError:
            return _bug(error)
        return problem_response(422, "invalid", "Invalid request", str(error))

    @app.errorhandler(OperationalError)
    def _store_down(_error):
        log.exception("the platform's database failed")
        return problem_response(503, "unavailable", "The platform cannot answer now",
                                headers={"Retry-After": "10"})

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        kind = "not-found" if error.code == 404 else "invalid"
        return problem_response(error.code or 500, kind, error.name)

    @app.errorhandler(Exception)
    def _bug(error):
        log.error("platform request failed", exc_info=error)
        return problem_response(500, "internal", "The platform failed")


def create_server(served: PlatformClient, token: str) -> Flask:
    """The HTTP app around a platform (the embedded one, in `flask platform serve`)."""
    if not token:
        raise ValueError("the platform needs a service token (YIBAN_PLATFORM_TOKEN)")
    app = Flask("yiban_platform")
    app.config.update(PLATFORM_TOKEN=token, MAX_CONTENT_LENGTH=MAX_BODY)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["served_platform"] = served
    app.register_blueprint(bp)
    register_errors(app)

    @app.after_request
    def _request_id(response):
        # The front's request id comes back, so one citizen's page can be followed here.
        supplied = request.headers.get("X-Request-ID")
        if supplied and len(supplied) <= 64:
            response.headers["X-Request-ID"] = supplied
        return response
    return app
