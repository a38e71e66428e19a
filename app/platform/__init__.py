"""The platform boundary: the only way the front learns about services, people and
applications. The embedded reference platform (embedded/) implements it on SQLAlchemy;
`http.HttpPlatform` implements the same interface over HTTP, against the contract in
docs/platform-openapi.yaml (which `flask platform serve` serves for the embedded one)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol


class LocalText(str):
    """Platform content in the language it actually came in.

    The platform answers in the asked locale when it has a translation and in
    Chinese otherwise; `lang` lets templates mark a fragment whose language differs
    from the page's, so screen readers and speech switch voice."""

    lang: str

    def __new__(cls, text: str, lang: str = "zh_Hans_CN"):
        obj = super().__new__(cls, text)
        obj.lang = lang
        return obj


@dataclass(frozen=True)
class Option:
    value: str
    label: LocalText
    hint: LocalText | None = None


@dataclass(frozen=True)
class Question:
    """One field of a form schema; the front asks one question per page."""

    key: str
    type: str
    label: LocalText
    hint: LocalText | None = None
    required: bool = True
    options: tuple[Option, ...] = ()
    validation: dict = field(default_factory=dict)
    prefill: str | None = None
    show_if: dict | None = None
    # Bundles: the keys of the matters that need this field (a shared field names
    # several; none: the whole application needs it). The front asks it once, and
    # only when one of those matters is part of the application.
    matters: tuple[str, ...] = ()
    topic: str | None = None  # groups answers on check answers (Service.topics)
    material: str | None = None  # file questions: the name of the material uploaded


@dataclass(frozen=True)
class Material:
    name: LocalText
    source: str  # form | licence | check | upload
    when: LocalText | None = None
    note: LocalText | None = None
    licence: str | None = None  # source licence: the licence type that provides it


@dataclass(frozen=True)
class Matter:
    name: LocalText
    department: LocalText  # short name of the department, e.g. 人社
    days: int
    key: str = ""  # bundles: unique within the bundle
    optional: bool = False  # the citizen chooses it (or not) before the questions
    help: LocalText | None = None  # plain words: who needs this matter
    fields: tuple[str, ...] = ()  # keys of the bundle's questions this matter needs
    applies_if: dict | None = None  # part of the application only if answers match


@dataclass(frozen=True)
class Topic:
    """A heading of check answers: answers are grouped by what they are about, not by
    the department that needs them."""

    key: str
    name: LocalText


@dataclass(frozen=True)
class LifeEvent:
    key: str
    name: LocalText


@dataclass(frozen=True)
class Service:
    code: str
    kind: str  # bundle | matter
    name: LocalText
    summary: LocalText
    description: LocalText
    conditions: LocalText
    life_event: str
    departments: tuple[str, ...]
    promise_days: int
    keywords: tuple[str, ...] = ()
    basic_code: str | None = None
    matters: tuple[Matter, ...] = ()
    materials: tuple[Material, ...] = ()
    before: dict | None = None
    after: dict | None = None
    topics: tuple[Topic, ...] = ()  # the topics its questions use, in catalogue order
    hotlines: tuple[tuple[str, str], ...] = ()  # (department, its service hotline)

    @property
    def longest_days(self) -> int:
        """What the service promises: a bundle is done when its slowest matter is."""
        return max([self.promise_days, *(m.days for m in self.matters)])

    @property
    def is_bundle(self) -> bool:
        return self.kind == "bundle"


def condition_holds(rule: dict | None, answers: dict) -> bool:
    """`show_if` and a matter's `applies_if`: {field, equals} (for a list answer,
    "includes"), or {all: [rules]} / {any: [rules]}. No rule always holds."""
    if not rule:
        return True
    if "all" in rule:
        return all(condition_holds(r, answers) for r in rule["all"])
    if "any" in rule:
        return any(condition_holds(r, answers) for r in rule["any"])
    value, expected = answers.get(rule["field"]), str(rule["equals"])
    return expected in value if isinstance(value, list) else value == expected


@dataclass(frozen=True)
class Licence:
    type: str
    number: str
    issued: date | None
    valid_until: date | None
    data: dict


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    gender: str
    birth_date: date
    id_number: str
    mobile: str
    address: str
    licences: tuple[Licence, ...] = ()

    def licence(self, type_: str) -> Licence | None:
        return next((lic for lic in self.licences if lic.type == type_), None)


# community_worker 网格员 · counter_clerk 窗口帮办 · volunteer 志愿者 · family 亲属
HELPER_KINDS = ("community_worker", "counter_clerk", "volunteer", "family")


@dataclass(frozen=True)
class Helper:
    """Someone who applies for citizens who authorised them.

    The platform knows who helpers are; what a helper may do for whom is the
    citizen's consent, which the front keeps (app/assisted/consent.py)."""

    id: str
    name: str
    kind: str  # one of HELPER_KINDS
    organisation: str | None  # None for a family member
    code: str  # short code a citizen types to name this helper, e.g. HB1001
    mobile: str


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    kind: str  # submitted | accepted | department | done | rejected | withdrawn
    department: str | None = None
    note: str | None = None
    acted_by: str | None = None  # id of the helper who did it for the owner


@dataclass(frozen=True)
class Application:
    number: str  # 办件编号
    service_code: str
    owner_id: str
    status: str  # submitted | accepted | in_progress | done | rejected | withdrawn
    submitted_at: datetime
    promised_date: date
    answers: dict
    timeline: tuple[TimelineEvent, ...] = ()
    # Decided by the platform when it answered: still open and within the undo window.
    can_withdraw: bool = False
    submitted_by: str | None = None  # id of the helper who sent it for the owner
    # One part per department: each moves on its own (bundles have several).
    parts: tuple[Part, ...] = ()
    supplements: tuple[Supplement, ...] = ()  # requests for more, newest last
    rating: Rating | None = None  # the owner's 好差评, once the application is closed
    can_rate: bool = False  # closed, and no rating yet or still within the edit window

    def part(self, department: str) -> Part | None:
        return next((p for p in self.parts if p.department == department), None)

    @property
    def open_supplements(self) -> tuple[Supplement, ...]:
        return tuple(s for s in self.supplements if s.answered_at is None)


# Statuses of a part: submitted → accepted (受理) → in_review (审核中) → done (办结),
# or rejected (不予办理); supplement (待补正) while a department waits for the citizen.
PART_STATUSES = ("submitted", "accepted", "in_review", "supplement", "done", "rejected",
                 "withdrawn")
PART_OPEN = ("submitted", "accepted", "in_review", "supplement")


@dataclass(frozen=True)
class Part:
    """What one department does for an application: the matters it handles, where it
    stands, by when it is promised, and why it was refused if it was."""

    department: str
    matters: tuple[str, ...]  # names of the matters (Chinese, as the platform keeps them)
    status: str  # one of PART_STATUSES
    promised_date: date
    updated_at: datetime  # UTC
    accepted_at: datetime | None = None
    finished_at: datetime | None = None  # done or rejected
    refusal_reason: str | None = None


@dataclass(frozen=True)
class Document:
    """A file as an answer carries it to the platform: its bytes, not a name in the
    front's store, so the platform keeps its own copy and never depends on the front's.
    The front turns its file answers into these right before sending
    (UploadStore.with_documents); the platform answers with a reference to its copy
    instead: {filename, document (its id), media_type, size, sha256}."""

    filename: str
    media_type: str  # one of DOCUMENT_TYPES
    content: bytes = field(repr=False)


DOCUMENT_TYPES = ("application/pdf", "image/png", "image/jpeg")


@dataclass(frozen=True)
class Supplement:
    """补正: a department asks the citizen for more (an answer, a file, or both)."""

    id: int
    department: str
    ask: str
    raised_at: datetime  # UTC
    deadline: date | None = None
    wants_file: bool = False
    answered_at: datetime | None = None
    # {"text": …, "file": …}: sent with a Document, kept as a reference to the
    # platform's copy ({filename, document, media_type, size, sha256})
    answer: dict | None = None
    answered_by: str | None = None  # the helper who answered for the owner


# 好差评: the national five-level scale, best first; stored as 5 (非常满意) … 1 (非常不满意).
RATING_LEVELS = (5, 4, 3, 2, 1)


@dataclass(frozen=True)
class Rating:
    level: int  # one of RATING_LEVELS
    comment: str
    rated_at: datetime  # UTC, first rated
    updated_at: datetime  # UTC, last changed
    editable: bool = False  # still within the window in which it may be changed
    editable_until: datetime | None = None  # UTC: the end of that window
    rated_by: str | None = None  # the helper who rated for the owner


@dataclass(frozen=True)
class FeedEvent:
    """One entry of the platform's event feed: what happened to whose application.
    The front turns them into the citizen's messages; `id` only ever grows."""

    id: int
    number: str
    owner_id: str
    service_code: str
    kind: str
    at: datetime  # UTC
    department: str | None = None
    note: str | None = None
    acted_by: str | None = None
    supplement_id: int | None = None


class WithdrawRefused(Exception):
    """The application can no longer be withdrawn (too late, or already closed)."""


class SupplementClosed(Exception):
    """The supplement request was answered already (or its application has closed)."""


class RatingRefused(Exception):
    """The application cannot be rated now: not closed yet, or the rating can no
    longer be changed."""


class PlatformUnavailable(Exception):
    """The platform cannot take the request now (down, overloaded, timed out): the
    same request may well succeed later. A remote client raises it for timeouts,
    refused connections and 5xx answers. The front's outbox retries submissions that
    fail so (as it does TimeoutError, ConnectionError and any unexpected error)."""


class SubmissionRefused(LookupError):
    """The platform will never take this submission as it stands (an unknown service
    or helper). The outbox gives up on it and says so; it is a LookupError because
    that is what the embedded platform has always raised for these."""


class IdempotencyKeyReused(ValueError):
    """An idempotency key came again with a different request (another operation or
    application): a bug in the caller, never retried."""


class PlatformClient(Protocol):
    # catalogue; its version changes whenever anything in it does, so a front may keep
    # the catalogue in memory and ask only this (a remote client: an ETag or a counter)
    def catalogue_version(self) -> str: ...
    def life_events(self, locale: str) -> list[LifeEvent]: ...
    def services(self, locale: str) -> list[Service]: ...
    def service(self, code: str, locale: str) -> Service | None: ...
    def form_schema(self, code: str, locale: str) -> list[Question]: ...

    # identity and people
    def authenticate(self, login: str, password: str) -> Person | None: ...
    # whose account a login names, found as authenticate finds it (sign-in slow-down)
    def find_person_id(self, login: str) -> str | None: ...
    def person(self, person_id: str) -> Person | None: ...

    # helpers: login and find_helper take a helper's code or mobile number
    def authenticate_helper(self, login: str, password: str) -> Helper | None: ...
    def helper(self, helper_id: str) -> Helper | None: ...
    def find_helper(self, code_or_mobile: str) -> Helper | None: ...

    # applications; acted_by is the id of the helper acting for the owner, if any.
    # Every write takes an idempotency key: the same key again changes nothing and
    # answers with the application as it stands. submit needs the front's own key (the
    # outbox's); for the others a client may make one per call, kept over its retries.
    # A file answer travels as a Document (its bytes) in submit's answers and in a
    # supplement's answer; the platform keeps its own copy and answers name that.
    def submit(self, service_code: str, owner_id: str, answers: dict,
               idempotency_key: str, *, acted_by: str | None = None) -> Application: ...
    def applications_of(self, owner_id: str) -> list[Application]: ...
    def application(self, number: str, owner_id: str) -> Application | None: ...
    def withdraw(self, number: str, owner_id: str, *, acted_by: str | None = None,
                 idempotency_key: str | None = None) -> Application: ...

    # supplements (补正): the citizen's answer; the part goes back to review
    def answer_supplement(self, number: str, owner_id: str, supplement_id: int,
                          answer: dict, *, acted_by: str | None = None,
                          idempotency_key: str | None = None) -> Application: ...

    # ratings (好差评): one per application, changeable for a while
    def rate(self, number: str, owner_id: str, level: int, comment: str, *,
             acted_by: str | None = None,
             idempotency_key: str | None = None) -> Application: ...

    # the event feed the front's message centre reads: every event after `after`, and
    # the newest event's id (where a reader that has never read starts)
    def feed(self, after: int, limit: int = 500) -> list[FeedEvent]: ...
    def feed_position(self) -> int: ...
    # open supplement requests due by a day: (number, owner id, service code, request)
    def supplements_due(self, by: date) -> list[tuple[str, str, str, Supplement]]: ...

    # data keys (`flask keys rotate`): re-encrypt what the platform keeps on this machine
    # under the newest key; how many values, or None when it keeps nothing here
    def reencrypt_stored_data(self) -> int | None: ...
