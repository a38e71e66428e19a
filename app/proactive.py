"""服务找人: services that find the person. From what the platform knows (birth date,
gender, electronic licences), suggest the services a citizen is due for, before they
have to go looking: retirement by the 2025 statutory-age rules, renewing a licence
before it expires, the old-age allowance from 80."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from .platform import Person

# 全国人大常委会 2024-09-13: from 2025-01 the statutory retirement age rises gradually.
REFORM_START = (2025, 1)
# (original age in years, months of delay per reform month, most months of delay)
RETIREMENT_GROUPS = {
    "male": (60, 4, 36),       # 60 → 63: one month later every 4 months
    "female_55": (55, 4, 36),  # women cadres 55 → 58
    "female_50": (50, 2, 60),  # women workers 50 → 55: one month later every 2 months
}
RETIREMENT_NOTICE_MONTHS = 12  # suggest the bundle this long ahead …
RETIREMENT_LATE_MONTHS = 3     # … and for a short while after the date has passed
ELDERLY_ALLOWANCE_AGE = 80     # most provinces; configurable per province in a real deployment
# A licence about to expire → the service that renews it, and how early to suggest it.
RENEWALS = {
    "disability_card": ("disability", timedelta(days=365)),  # renewable in its last 12 months
    "social_security_card": ("social-security-card", timedelta(days=183)),
}
CLOSED_STATUSES = ("withdrawn", "rejected")


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
    reason: str  # retirement | renewal | age
    retirement: RetirementAge | None = None
    licence_type: str | None = None
    until: date | None = None


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def retirement_group(person: Person) -> str:
    """Men retire from the 60 group. Which women's group applies (cadre 55 or worker 50)
    the platform does not say yet; the 55 group is the common case for the
    employees this front serves, so it is the default."""
    return "male" if person.gender == "male" else "female_55"


def statutory_retirement(birth: date, group: str) -> RetirementAge:
    original_years, every, most = RETIREMENT_GROUPS[group]
    original = (birth.year + original_years, birth.month)
    # n counts the original retirement month from 2025-01 (= 1); before the reform, no delay.
    n = (original[0] - REFORM_START[0]) * 12 + original[1] - REFORM_START[1] + 1
    delay = min(math.ceil(n / every), most) if n >= 1 else 0
    year, month = _add_months(*original, delay)
    return RetirementAge(year, month, original_years + delay // 12, delay % 12)


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def suggestions(person: Person, today: date, applied: set[str]) -> list[Suggestion]:
    """What this person is due for, leaving out services they already applied for."""
    found = []
    retirement = statutory_retirement(person.birth_date, retirement_group(person))
    ahead = months_between(today, retirement.first_day)
    if -RETIREMENT_LATE_MONTHS <= ahead <= RETIREMENT_NOTICE_MONTHS:
        found.append(Suggestion("retirement", "retirement", retirement=retirement))
    for licence in person.licences:
        renewal = RENEWALS.get(licence.type)
        if renewal and licence.valid_until and today <= licence.valid_until <= today + renewal[1]:
            found.append(Suggestion(renewal[0], "renewal", licence_type=licence.type,
                                    until=licence.valid_until))
    if age_on(person.birth_date, today) >= ELDERLY_ALLOWANCE_AGE:
        found.append(Suggestion("elderly-allowance", "age"))
    return [s for s in found if s.service_code not in applied]


def applied_services(applications) -> set[str]:
    return {a.service_code for a in applications if a.status not in CLOSED_STATUSES}
