from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC: SQLite has no time zones, so every stored timestamp is UTC without one."""
    return datetime.now(UTC).replace(tzinfo=None)
