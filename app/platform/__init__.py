"""The platform boundary: the only way the front learns about services, people and
applications. The embedded reference platform implements it on SQLite; a remote
platform client would implement the same interface over HTTP."""
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


@dataclass(frozen=True)
class Material:
    name: LocalText
    source: str  # form | licence | check | upload
    when: LocalText | None = None
    note: LocalText | None = None


@dataclass(frozen=True)
class Matter:
    name: LocalText
    department: str
    days: int


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

    @property
    def is_bundle(self) -> bool:
        return self.kind == "bundle"


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
    citizen's consent, which the front keeps (app/consent.py)."""

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


class WithdrawRefused(Exception):
    """The application can no longer be withdrawn (too late, or already closed)."""


class PlatformClient(Protocol):
    # catalogue
    def life_events(self, locale: str) -> list[LifeEvent]: ...
    def services(self, locale: str) -> list[Service]: ...
    def service(self, code: str, locale: str) -> Service | None: ...
    def form_schema(self, code: str, locale: str) -> list[Question]: ...

    # identity and people
    def authenticate(self, login: str, password: str) -> Person | None: ...
    def person(self, person_id: str) -> Person | None: ...

    # helpers: login and find_helper take a helper's code or mobile number
    def authenticate_helper(self, login: str, password: str) -> Helper | None: ...
    def helper(self, helper_id: str) -> Helper | None: ...
    def find_helper(self, code_or_mobile: str) -> Helper | None: ...

    # applications; acted_by is the id of the helper acting for the owner, if any
    def submit(self, service_code: str, owner_id: str, answers: dict,
               idempotency_key: str, *, acted_by: str | None = None) -> Application: ...
    def applications_of(self, owner_id: str) -> list[Application]: ...
    def application(self, number: str, owner_id: str) -> Application | None: ...
    def withdraw(self, number: str, owner_id: str, *,
                 acted_by: str | None = None) -> Application: ...
