"""Coverage figures kept ready: the city-sized computation runs once, the pages read its result.

A snapshot is the JSON result of one expensive computation (the counts behind a report, a
trend, the competency table), stored under a key naming what was computed: the kind, the
campaign and its period, the school or the whole unit (a city's campaign: its wards and
communes, a set that only changes with the data version), and the as-of date.

A snapshot is used while both hold:
- the data version it was computed at is still the current one. Every flush that changes
  what coverage is computed from raises the version: units, schools, classes, enrolments,
  staff, officials and guardians, households, which courses are required, and completions
  dated before today (imports, corrections). Targets and outreach activities are not part of a snapshot:
  they are read live.
- for figures as of today, it is younger than METRICS_LIVE_SECONDS. Pupils complete courses
  all day long; those completions do not raise the version (that would make every quiz
  submission a write to one shared row), so today's figures may lag by that much, and the
  pages say when they were computed. Figures as of an earlier day cannot gain completions,
  so they stay valid until the version changes.
"""

import json
import logging
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import delete, event, func, insert, inspect, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from lms.db_setup import writing
from lms.models import (
    Campaign,
    Classroom,
    Completion,
    Course,
    CourseAudience,
    CourseCompetency,
    DataVersion,
    Enrollment,
    Guardianship,
    Household,
    MetricSnapshot,
    School,
    Unit,
    User,
)
from lms.models.base import VIETNAM, today_in_vietnam, utcnow

log = logging.getLogger(__name__)
DEFAULT_LIVE_SECONDS = 300

# Which changes make stored figures stale: every change to these models, and for these
# others only a change to the listed attributes.
ALWAYS = (Unit, School, Classroom, Enrollment, Guardianship, Household, CourseAudience, CourseCompetency)
ATTRIBUTES = {
    User: (
        "role",
        "tier",
        "school_id",
        "unit_id",
        "staff_role",
        "staff_from",
        "staff_until",
        "household_id",
        "active",
    ),
    Course: ("required", "retired_at"),
    Campaign: ("unit_id", "starts_on", "ends_on"),
}
TRACKED = ALWAYS + tuple(ATTRIBUTES)


# Set by `flask report refresh`: compute again whatever is stored, and store on its own.
_refreshing: ContextVar[bool] = ContextVar("refreshing", default=False)


@contextmanager
def refreshing():
    token = _refreshing.set(True)
    try:
        yield
    finally:
        _refreshing.reset(token)


@dataclass
class Stored:
    value: object
    computed_at: datetime


def current_version(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(DataVersion.version), 0)))


def touch(session: Session) -> None:
    """Raise the data version, in the caller's transaction (for writes made without the ORM)."""
    connection = session.connection()
    if connection.execute(update(DataVersion).values(version=DataVersion.version + 1)).rowcount == 0:
        connection.execute(insert(DataVersion).values(id=1, version=1))


def _changes_coverage(session: Session) -> bool:
    start_of_today = datetime.combine(today_in_vietnam(), time()) - VIETNAM
    for obj in session.new:
        if isinstance(obj, TRACKED):
            return True
        if isinstance(obj, Completion) and obj.completed_at is not None and obj.completed_at < start_of_today:
            return True
    for obj in session.deleted:
        if isinstance(obj, (*TRACKED, Completion)):
            return True
    for obj in session.dirty:
        if isinstance(obj, (*ALWAYS, Completion)) and session.is_modified(obj):
            return True
        names = ATTRIBUTES.get(type(obj))
        if names and _changed(obj, names):
            return True
    return False


def _changed(obj, names) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "before_flush")
def _raise_version(session, _context, _instances):
    if _changes_coverage(session):
        session.info["coverage_changed"] = True


@event.listens_for(Session, "after_flush")
def _write_version(session, _context):
    if session.info.pop("coverage_changed", False):
        touch(session)


def live_seconds() -> int:
    if has_app_context():
        return int(current_app.config.get("METRICS_LIVE_SECONDS", DEFAULT_LIVE_SECONDS))
    return DEFAULT_LIVE_SECONDS


def remember(session: Session, key: str, as_of, compute: Callable[[], object]) -> Stored:
    """The stored result for key if it is still valid, else compute(), stored for next time.
    compute must return plain JSON data (dicts with string keys, lists, numbers, strings)."""
    version = current_version(session)
    live = as_of >= today_in_vietnam()
    ttl = live_seconds() if live else None
    if ttl != 0 and not _refreshing.get():
        row = session.get(MetricSnapshot, key)
        if row is not None and row.version == version:
            if ttl is None or row.computed_at >= utcnow() - timedelta(seconds=ttl):
                return Stored(json.loads(row.payload), row.computed_at)
    value = compute()
    now = utcnow()
    if ttl != 0:
        _store(session, key, version, now, value)
    return Stored(value, now)


def _store(session: Session, key: str, version: int, now: datetime, value) -> None:
    """A page view (and `report refresh`) stores in a transaction of its own: a page that only
    reads must never fail because storing its figures did (the next reader computes them
    again). Elsewhere (other commands, tests) the caller's transaction may go on to write, so
    the figures are stored in it, under a savepoint."""
    payload = json.dumps(value, separators=(",", ":"))
    statements = (
        delete(MetricSnapshot).where((MetricSnapshot.key == key) | (MetricSnapshot.version < version)),
        insert(MetricSnapshot).values(key=key, version=version, computed_at=now, payload=payload),
    )
    try:
        if _refreshing.get() or (has_request_context() and request.method == "GET"):
            with writing(), session.get_bind().begin() as connection:
                for statement in statements:
                    connection.execute(statement)
        else:
            with session.begin_nested():
                for statement in statements:
                    session.execute(statement)
    except (IntegrityError, DBAPIError) as error:  # another worker stored it first, or busy
        log.info("coverage snapshot %s not stored: %s", key, error.orig)


def clear(session: Session) -> int:
    """Forget every stored figure (the next reader computes them again)."""
    return session.execute(delete(MetricSnapshot)).rowcount
