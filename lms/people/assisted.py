"""Assisted learning in figures (issue 18): completions made with a helper apart from those
made alone, and the families pupils helped. Plain SQL over a session, no HTTP.

Definitions:
- An assisted completion has `assisted_by_id` set: a team member or a pupil of the household
  went through the course with the learner on their own phone (lms.auth.assisting).
- The people of a set of units: their officials and admins (`unit_id`), the staff of their
  schools, the pupils enrolled in a class of their schools at some time in the period, those
  pupils' guardians, and the residents of the households on their villages' lists. A person
  who belongs to two units counts once when both are asked for.
- Families helped by a class (or a school): the distinct adults of a pupil's own household
  (same `household_id`) whose completion was assisted by a pupil enrolled in that class (or
  a class of that school) now. A pupil's help never counts towards the pupil's own coverage:
  it is the adult's completion, not the pupil's.
"""

from datetime import date

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import Session, aliased

from lms.campaign.populations import Window
from lms.models import (
    Classroom,
    Completion,
    Enrollment,
    Guardianship,
    ListedHousehold,
    School,
    User,
    Village,
)


def people_of_units(unit_ids, start: date, end: date, among=None):
    """The ids of the people of these units in the period (see the module's definitions);
    `among` (a select of user ids, or ids) narrows every branch to those people first, so
    that checking a few learners never lists a city's people."""
    units = sorted(set(unit_ids))
    schools = select(School.id).where(School.unit_id.in_(units))
    pupils = (
        select(Enrollment.pupil_id)
        .join(Classroom, Classroom.id == Enrollment.classroom_id)
        .where(
            Classroom.school_id.in_(schools),
            Enrollment.started_on <= end,
            or_(Enrollment.ended_on.is_(None), Enrollment.ended_on >= start),
        )
    )
    staff = select(User.id).where(or_(User.unit_id.in_(units), User.school_id.in_(schools)))
    guardians = select(Guardianship.guardian_id).where(Guardianship.pupil_id.in_(pupils))
    residents = (
        select(User.id)
        .join(ListedHousehold, ListedHousehold.id == User.listed_household_id)
        .join(Village, Village.id == ListedHousehold.village_id)
        .where(Village.unit_id.in_(units))
    )
    if among is not None:
        staff = staff.where(User.id.in_(among))
        pupils_among = pupils.where(Enrollment.pupil_id.in_(among))
        guardians = guardians.where(Guardianship.guardian_id.in_(among))
        residents = residents.where(User.id.in_(among))
        return union(staff, pupils_among, guardians, residents)
    return union(staff, pupils, guardians, residents)


def assisted_completions(session: Session, unit_ids, start: date, end: date) -> tuple[int, int]:
    """(assisted, self-made): the completions by people of these units between `start` and
    `end`, Vietnam days, both included."""
    window = Window(start, end, end)
    people = people_of_units(unit_ids, start, end).subquery()
    assisted, total = session.execute(
        select(func.count().filter(Completion.assisted_by_id.is_not(None)), func.count()).where(
            Completion.user_id.in_(select(people.c.id)),
            Completion.completed_at >= window.opens,
            Completion.completed_at < window.closes,
        )
    ).one()
    return int(assisted), int(total) - int(assisted)


def _families_helped(session: Session, key, condition) -> dict[int, int]:
    helper = aliased(User)
    adult = aliased(User)
    rows = session.execute(
        select(key, func.count(func.distinct(Completion.user_id)))
        .select_from(Completion)
        .join(helper, helper.id == Completion.assisted_by_id)
        .join(adult, adult.id == Completion.user_id)
        .join(Enrollment, (Enrollment.pupil_id == helper.id) & Enrollment.ended_on.is_(None))
        .join(Classroom, Classroom.id == Enrollment.classroom_id)
        .where(
            helper.role == "pupil",
            adult.role != "pupil",
            helper.household_id.is_not(None),
            adult.household_id == helper.household_id,
            condition,
        )
        .group_by(key)
    )
    return {k: int(n) for k, n in rows}


def families_helped_by_class(session: Session, classroom_ids) -> dict[int, int]:
    """classroom id -> the adults of their own households its pupils helped to a completion."""
    ids = sorted(set(classroom_ids))
    if not ids:
        return {}
    return _families_helped(session, Classroom.id, Classroom.id.in_(ids))


def families_helped_by_school(session: Session, school_ids) -> dict[int, int]:
    """school id -> the same, over the school's pupils (an adult helped by two of its pupils,
    brothers or sisters, counts once)."""
    ids = sorted(set(school_ids))
    if not ids:
        return {}
    return _families_helped(session, Classroom.school_id, Classroom.school_id.in_(ids))
