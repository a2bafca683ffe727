from datetime import UTC, date, datetime, timedelta

VIETNAM = timedelta(hours=7)


def today_in_vietnam() -> date:
    """The server may run in UTC; the schools' days are Vietnam's (UTC+7, no daylight saving)."""
    return (datetime.now(UTC) + VIETNAM).date()


def utcnow() -> datetime:
    """Naive UTC: SQLite has no time zones, so every stored timestamp is UTC without one."""
    return datetime.now(UTC).replace(tzinfo=None)
