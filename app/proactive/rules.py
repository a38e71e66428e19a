"""服务找人: services that find the person. From what the platform knows (birth date,
gender, electronic licences), suggest the services a citizen is due for, before they
have to go looking: retirement by the 2025 statutory-age rules, the newborn bundle
within 6 months of a birth, renewing a licence before it expires, the old-age
allowance from the configured age.

The tunable facts (notice windows, which licence is renewed by which service and how
early, the allowance age, the newborn window, the retirement groups) are data, in
`rules.yaml` (or the file YIBAN_PROACTIVE_RULES names), read and checked
once at start-up by `load_rules`. The retirement-age formula is law and stays code."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

from ..platform import Person

DEFAULT_RULES_FILE = Path(__file__).with_name("rules.yaml")
CLOSED_STATUSES = ("withdrawn", "rejected")
SERVICE_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
LICENCE_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


# ---- the rules, as data ---------------------------------------------------------------
class RulesError(ValueError):
    """The rules file cannot be used; the message names the file, the place and the fault."""


@dataclass(frozen=True)
class RetirementGroup:
    original_age: int  # the retirement age in years before the reform
    every_months: int  # one month later for every this many months of n
    most_months: int  # never more than this many months later


@dataclass(frozen=True)
class RetirementRule:
    service: str
    reform_start: tuple[int, int]  # (year, month): n = 1 in this month
    groups: dict[str, RetirementGroup]
    notice_months: int
    late_months: int


@dataclass(frozen=True)
class NewbornRule:
    service: str
    licence: str  # the child's birth certificate, held by a parent
    within_months: int


@dataclass(frozen=True)
class RenewalRule:
    licence: str
    service: str
    notice_days: int


@dataclass(frozen=True)
class AllowanceRule:
    service: str
    from_age: int


@dataclass(frozen=True)
class Rules:
    retirement: RetirementRule
    newborn: NewbornRule
    renewals: tuple[RenewalRule, ...]
    elderly_allowance: AllowanceRule

    def renewal_for(self, licence_type: str) -> RenewalRule | None:
        return next((r for r in self.renewals if r.licence == licence_type), None)


class _Reader:
    """Reads one mapping of the file, naming the place of any fault."""

    def __init__(self, source: str, data, where: str):
        self.source, self.where = source, where
        if not isinstance(data, dict):
            self.fail("must be a mapping of keys to values")
        self.data = data

    def fail(self, problem: str, key: str | None = None):
        place = f"{self.where}.{key}" if key and self.where else (key or self.where or "top level")
        raise RulesError(f"{self.source}: {place}: {problem}")

    def only(self, *keys: str) -> None:
        unknown = sorted(set(map(str, self.data)) - set(keys))
        if unknown:
            self.fail(f"unknown key(s) {', '.join(unknown)}; expected {', '.join(keys)}")

    def get(self, key: str):
        if key not in self.data:
            self.fail("is missing", key)
        return self.data[key]

    def part(self, key: str) -> "_Reader":
        return _Reader(self.source, self.get(key), f"{self.where}.{key}" if self.where else key)

    def whole(self, key: str, least: int, most: int) -> int:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
            self.fail(f"must be a whole number from {least} to {most}, not {value!r}", key)
        return value

    def code(self, key: str, pattern: re.Pattern, what: str) -> str:
        value = self.get(key)
        if not isinstance(value, str) or not pattern.match(value):
            self.fail(f"must be {what}, not {value!r}", key)
        return value

    def service(self, key: str = "service") -> str:
        return self.code(key, SERVICE_CODE, "a service code like elderly-allowance")

    def licence(self, key: str = "licence") -> str:
        return self.code(key, LICENCE_TYPE, "a licence type like disability_card")


def parse_rules(data, source: str = "rules") -> Rules:
    """Rules from the parsed YAML, checked; RulesError on the first fault."""
    top = _Reader(source, data, "")
    top.only("retirement", "newborn", "renewals", "elderly_allowance")

    ret = top.part("retirement")
    ret.only("service", "reform_start", "groups", "notice_months", "late_months")
    start = ret.get("reform_start")
    found = re.fullmatch(r"(\d{4})-(\d{2})", str(start))
    if not found or not 1 <= int(found.group(2)) <= 12:
        ret.fail(f"must be a year and month like 2025-01, not {start!r}", "reform_start")
    groups_part = ret.part("groups")
    groups = {}
    for name in ("male", "female_55", "female_50"):  # the groups retirement_group() uses
        group = groups_part.part(name)
        group.only("original_age", "every_months", "most_months")
        groups[name] = RetirementGroup(group.whole("original_age", 40, 70),
                                       group.whole("every_months", 1, 12),
                                       group.whole("most_months", 0, 120))
    groups_part.only(*groups)
    retirement = RetirementRule(ret.service(), (int(found.group(1)), int(found.group(2))),
                                groups, ret.whole("notice_months", 0, 60),
                                ret.whole("late_months", 0, 24))

    born = top.part("newborn")
    born.only("service", "licence", "within_months")
    newborn = NewbornRule(born.service(), born.licence(), born.whole("within_months", 1, 36))

    listed = top.get("renewals")
    if not isinstance(listed, list):
        top.fail("must be a list of {licence, service, notice_days}", "renewals")
    renewals = []
    for i, item in enumerate(listed):
        one = _Reader(source, item, f"renewals[{i}]")
        one.only("licence", "service", "notice_days")
        rule = RenewalRule(one.licence(), one.service(), one.whole("notice_days", 1, 3 * 366))
        if any(r.licence == rule.licence for r in renewals):
            one.fail(f"{rule.licence} is listed twice", "licence")
        renewals.append(rule)

    allowance = top.part("elderly_allowance")
    allowance.only("service", "from_age")
    return Rules(retirement, newborn, tuple(renewals),
                 AllowanceRule(allowance.service(), allowance.whole("from_age", 60, 120)))


def load_rules(path: str | Path = DEFAULT_RULES_FILE) -> Rules:
    """Read and check a rules file; RulesError (naming the file) if it cannot be used."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RulesError(f"{path}: cannot be read ({error.strerror or error})") from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RulesError(f"{path}: is not valid YAML: {error}") from error
    return parse_rules(data, str(path))


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    return load_rules(DEFAULT_RULES_FILE)


def current_rules() -> Rules:
    """The app's rules (checked at start-up), or the shipped ones outside an app."""
    from flask import current_app, has_app_context
    if has_app_context() and "proactive_rules" in current_app.extensions:
        return current_app.extensions["proactive_rules"]
    return default_rules()


def init_app(app) -> None:
    """Read the rules once; a malformed file stops the start with a clear message."""
    app.extensions["proactive_rules"] = load_rules(app.config.get("PROACTIVE_RULES")
                                                   or DEFAULT_RULES_FILE)


# ---- what is suggested ---------------------------------------------------------------
@dataclass(frozen=True)
class RetirementAge:
    year: int
    month: int  # the month in which the statutory retirement age is reached
    age_years: int
    age_months: int

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)


@dataclass(frozen=True)
class Suggestion:
    service_code: str
    reason: str  # retirement | renewal | newborn | age
    retirement: RetirementAge | None = None
    licence_type: str | None = None
    until: date | None = None  # renewal: the expiry date; newborn: the last day to apply
    since: date | None = None  # newborn: the day of birth
    within_months: int | None = None  # newborn: how long after the birth one can apply
    age: int | None = None  # age: the age from which the allowance is paid

    @property
    def key(self) -> str:
        """What the suggestion is about. A dismissal holds for this key only, so a new
        reason (a renewal for a new expiry date, another child) is shown again."""
        if self.reason == "retirement":
            detail = f"{self.retirement.year:04d}-{self.retirement.month:02d}"
        elif self.reason == "renewal":
            detail = f"{self.licence_type}:{self.until.isoformat()}"
        elif self.reason == "newborn":
            detail = self.since.isoformat()
        else:
            detail = str(self.age)
        return f"{self.service_code}:{self.reason}:{detail}"


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day if it has no such day)."""
    year, month = _add_months(day.year, day.month, months)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def retirement_group(person: Person) -> str:
    """Men retire from the 60 group. Which women's group applies (cadre 55 or worker 50)
    the platform does not say yet; the 55 group is the common case for the
    employees this front serves, so it is the default."""
    return "male" if person.gender == "male" else "female_55"


def statutory_retirement(birth: date, group: str, rules: Rules | None = None) -> RetirementAge:
    rule = (rules or current_rules()).retirement
    params = rule.groups[group]
    original = (birth.year + params.original_age, birth.month)
    # n counts the original retirement month from 2025-01 (= 1); before the reform, no delay.
    n = (original[0] - rule.reform_start[0]) * 12 + original[1] - rule.reform_start[1] + 1
    delay = min(math.ceil(n / params.every_months), params.most_months) if n >= 1 else 0
    year, month = _add_months(*original, delay)
    return RetirementAge(year, month, params.original_age + delay // 12, delay % 12)


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _licence_date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def suggestions(person: Person, today: date, applied: set[str],
                rules: Rules | None = None) -> list[Suggestion]:
    """What this person is due for, leaving out services they already applied for."""
    rules = rules or current_rules()
    found = []
    retirement = statutory_retirement(person.birth_date, retirement_group(person), rules)
    ahead = months_between(today, retirement.first_day)
    if -rules.retirement.late_months <= ahead <= rules.retirement.notice_months:
        found.append(Suggestion(rules.retirement.service, "retirement", retirement=retirement))
    for licence in person.licences:
        if licence.type == rules.newborn.licence:
            born = _licence_date((licence.data or {}).get("birth_date"))
            if born is not None:
                last_day = add_months(born, rules.newborn.within_months) - timedelta(days=1)
                if born <= today <= last_day:
                    found.append(Suggestion(rules.newborn.service, "newborn", until=last_day,
                                            since=born,
                                            within_months=rules.newborn.within_months))
        renewal = rules.renewal_for(licence.type)
        if renewal and licence.valid_until and \
                today <= licence.valid_until <= today + timedelta(days=renewal.notice_days):
            found.append(Suggestion(renewal.service, "renewal", licence_type=licence.type,
                                    until=licence.valid_until))
    allowance = rules.elderly_allowance
    if age_on(person.birth_date, today) >= allowance.from_age:
        found.append(Suggestion(allowance.service, "age", age=allowance.from_age))
    unique = {s.key: s for s in found if s.service_code not in applied}
    return list(unique.values())


def applied_services(applications) -> set[str]:
    return {a.service_code for a in applications if a.status not in CLOSED_STATUSES}
