"""Event days (issue 18): the 10/10 "Ngày hội toàn dân học tập số" and the other days a school
records as an event (outreach activities of the kinds EVENT_KINDS), and what the people of the
ward or commune completed on each. Plain functions over a session, no HTTP.

- An event day is a local day on which at least one school of the unit held an event within
  the plan's period; its activities are listed with it.
- Completed on the day: completions stored between 00:00 and 24:00 Vietnam time that day, by
  people of the unit: pupils enrolled that day at its schools, its school staff, its officials,
  the guardians of its pupils and the residents on its villages' household lists. Counted by
  the learner's tier; the assisted ones (Completion.assisted_by_id) apart.

A day's completions are read through the index on (course_id, completed_at), one range per
course; they are few, and whose they are is then looked up for those learners only.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lms.models import (
    Campaign,
    Classroom,
    Completion,
    Course,
    Enrollment,
    Guardianship,
    ListedHousehold,
    OutreachActivity,
    School,
    User,
    Village,
)
from lms.models.base import VIETNAM

EVENT_KINDS = ("digital-day", "event")
# The learners' tiers as the event page names them (residents learn in the parent tier).
TIER_LABELS = {
    "primary": _l("Primary pupils"),
    "lower-secondary": _l("Lower-secondary pupils"),
    "teacher": _l("Teachers and staff"),
    "parent": _l("Parents and other adults"),
    "official": _l("Officials of the ward or commune"),
}
CHUNK = 500  # ids per IN (...)


@dataclass
class Held:
    school: str
    title: str
    participants: int


@dataclass
class EventDay:
    day: date
    activities: list[Held] = field(default_factory=list)
    by_tier: Counter = field(default_factory=Counter)  # completions per learner tier
    assisted: int = 0
    counted: bool = True  # False for a day still to come

    @property
    def total(self) -> int:
        return sum(self.by_tier.values())


def event_days(session: Session, campaign: Campaign, units: frozenset[int], today: date) -> list[EventDay]:
    """The unit's event days in the plan's period, latest first, with what its people
    completed on each (days after `today` are listed, not counted)."""
    held = session.execute(
        select(OutreachActivity.held_on, School.name, OutreachActivity.title, OutreachActivity.participants)
        .join(School, School.id == OutreachActivity.school_id)
        .where(
            School.unit_id.in_(units),
            OutreachActivity.kind.in_(EVENT_KINDS),
            OutreachActivity.held_on >= campaign.starts_on,
            OutreachActivity.held_on <= campaign.ends_on,
        )
        .order_by(OutreachActivity.held_on.desc(), School.name, OutreachActivity.id)
    )
    days: dict[date, EventDay] = {}
    for day, school, title, participants in held:
        days.setdefault(day, EventDay(day)).activities.append(Held(school, title, participants))
    for event in days.values():
        if event.day > today:
            event.counted = False
            continue
        event.by_tier, event.assisted = completed_on(session, event.day, units)
    return list(days.values())


def completed_on(session: Session, day: date, units: frozenset[int]) -> tuple[Counter, int]:
    """({tier: completions}, assisted) made on that local day by people of the units."""
    rows = session.execute(day_query(day)).all()
    ours = people_of(session, units, {user for user, _tier, _by in rows}, day)
    by_tier: Counter = Counter()
    assisted = 0
    for user, tier, by in rows:
        if user in ours:
            by_tier[tier] += 1
            assisted += by is not None
    return by_tier, assisted


def day_query(day: date):
    """The learners' completions stored during that local day: (learner, tier, assisted by)."""
    opens = datetime.combine(day, time()) - VIETNAM
    return (
        select(Completion.user_id, User.tier, Completion.assisted_by_id)
        .join(User, User.id == Completion.user_id)
        .where(
            Completion.course_id.in_(select(Course.id)),  # the index's first column
            Completion.completed_at >= opens,
            Completion.completed_at < opens + timedelta(days=1),
            User.tier.is_not(None),
        )
    )


def people_of(session: Session, units: frozenset[int], user_ids: set[int], day: date) -> set[int]:
    """Those of these learners who belong to the units on that day: each step looks up the
    learners given (or their children) by key, never the units' whole roster."""
    units = list(units)
    schools = set(session.scalars(select(School.id).where(School.unit_id.in_(units))))
    found: set[int] = set()
    children: dict[int, set[int]] = {}  # a guardian's children
    for chunk in _chunks(user_ids):
        for user, school, unit in session.execute(
            select(User.id, User.school_id, User.unit_id).where(User.id.in_(chunk))
        ):
            if school in schools or unit in units:
                found.add(user)
        found |= _enrolled(session, schools, chunk, day)
        for guardian, child in session.execute(
            select(Guardianship.guardian_id, Guardianship.pupil_id).where(Guardianship.guardian_id.in_(chunk))
        ):
            children.setdefault(guardian, set()).add(child)
        found.update(
            session.scalars(
                select(User.id)
                .join(ListedHousehold, ListedHousehold.id == User.listed_household_id)
                .join(Village, Village.id == ListedHousehold.village_id)
                .where(User.id.in_(chunk), Village.unit_id.in_(units))
            )
        )
    pupils: set[int] = set()
    for chunk in _chunks({c for cs in children.values() for c in cs}):
        pupils |= _enrolled(session, schools, chunk, day)
    found.update(g for g, cs in children.items() if cs & pupils)
    return found


def _enrolled(session: Session, schools: set[int], pupil_ids: list[int], day: date) -> set[int]:
    """Those of these pupils in a class of these schools on that day."""
    return {
        pupil
        for pupil, school in session.execute(
            select(Enrollment.pupil_id, Classroom.school_id)
            .join(Classroom, Classroom.id == Enrollment.classroom_id)
            .where(
                Enrollment.pupil_id.in_(pupil_ids),
                Enrollment.started_on <= day,
                or_(Enrollment.ended_on.is_(None), Enrollment.ended_on >= day),
            )
        )
        if school in schools
    }


def _chunks(ids):
    ids = sorted(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]
