"""Time in one place: naive UTC datetimes, as both stores keep them."""
from datetime import UTC, date, datetime, timedelta


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def china_date(utc: datetime) -> date:
    """The Beijing calendar day (UTC+8, no daylight saving) of a naive UTC time."""
    return (utc + timedelta(hours=8)).date()
