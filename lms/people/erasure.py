"""Erasure of a person's identifying data, and retirement of the pupils and families of ended
campaigns (docs/privacy.md). Plain functions over a session, no HTTP; the caller commits.

What erasure removes and what it keeps:
- The account row stays (its id is what the anonymous rows point to), with the name replaced
  by "Đã xóa #<id>" and its sort key to match; the username, phone, pupil code, date of birth,
  password, PIN and sealed PIN are cleared. Sessions and the person's one-time codes (setup,
  pairing) are deleted; certificates are revoked and their sealed codes cleared, so neither
  page nor paper shows them again. The account is made inactive, except an official's: the
  active flag is what counts an official among the unit's officials
  (lms.campaign.populations.official_conditions), and without a username, phone, password or
  code nobody can sign in to it anyway.
- Kept, because the campaign's figures count them: role, tier, school, unit, staff role and
  dates, household, enrolments, guardianships, completions, tier progress, lesson progress,
  quiz attempts. So an erased guardian keeps counting as the same guardian of the same
  household, and a report computed before equals one computed after.

Retirement (`retirable`) picks, for a date D:
- pupils (kindergarten children included) with at least one enrolment, every enrolment ended
  before D, at least one campaign of their units ended before D and none ending on or after
  D; a pupil's units are the wards or communes of the schools of all their classes, and a
  unit's campaigns are its own and its city's;
- their guardians, once every child they are linked to is retired or already erased.
People already erased are not picked again.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, cast, delete, exists, literal, or_, select, update
from sqlalchemy.orm import Session, aliased

from lms.campaign import snapshots, tally
from lms.models import (
    Campaign,
    Certificate,
    Classroom,
    Enrollment,
    Guardianship,
    OneTimeCode,
    School,
    Unit,
    User,
    UserSession,
)
from lms.models.base import utcnow
from lms.people.names import name_sort_key

PLACEHOLDER = "Đã xóa #"
CHUNK = 500  # ids per statement: well under SQLite's limit on bound parameters


def placeholder(user_id: int) -> str:
    return f"{PLACEHOLDER}{user_id}"


def erased_clause(user=User):
    """SQL truth value: this account was erased (its name is its placeholder)."""
    return user.full_name == literal(PLACEHOLDER) + cast(user.id, String)


def is_erased(user: User) -> bool:
    return user.full_name == placeholder(user.id)


def erase(session: Session, user: User) -> None:
    erase_many(session, [user.id])
    session.refresh(user)


def erase_many(session: Session, user_ids: list[int]) -> int:
    """Erase these accounts (see the module's docstring); returns how many there were."""
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), CHUNK):
        _erase_chunk(session, ids[start : start + CHUNK])
    if ids:
        snapshots.touch(session)  # written without the ORM; the figures stay equal, recomputed
        tally.mark_users(session, ids)  # and the kept counts are recomputed too (equal: tested)
        tally.mark_pupils(session, ids)
    return len(ids)


def _erase_chunk(session: Session, ids: list[int]) -> None:
    session.flush()
    roles = dict(session.execute(select(User.id, User.role).where(User.id.in_(ids))).all())
    values = [
        {
            "id": user_id,
            "full_name": placeholder(user_id),
            "name_key": name_sort_key(placeholder(user_id)),
            "username": None,
            "phone": None,
            "student_code": None,
            "date_of_birth": None,
            "password_hash": None,
            "pin_hash": None,
            "pin_sealed": None,
        }
        for user_id in roles
    ]
    if not values:
        return
    session.execute(update(User), values)  # by primary key, one executemany
    session.execute(
        update(User)
        .where(User.id.in_(ids), User.role != "official")
        .values(active=False)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(UserSession).where(UserSession.user_id.in_(ids)))
    session.execute(delete(OneTimeCode).where(OneTimeCode.user_id.in_(ids)))
    session.execute(
        update(Certificate)
        .where(Certificate.user_id.in_(ids))
        .values(code_sealed="")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Certificate)
        .where(Certificate.user_id.in_(ids), Certificate.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.expire_all()


# --- finding a person -------------------------------------------------------------------------

def find_person(
    session: Session, *, user_id: int | None = None, phone: str | None = None, student_code: str | None = None
) -> User | None:
    if user_id is not None:
        return session.get(User, user_id)
    if phone is not None:
        return session.scalar(select(User).where(User.phone == phone))
    if student_code is not None:
        return session.scalar(select(User).where(User.student_code == student_code))
    return None


# --- retirement ---------------------------------------------------------------------------------

@dataclass
class Retirement:
    pupils: list[int]
    guardians: list[int]


def _campaigns_of_pupil(pupil_id, condition):
    """SQL: a campaign of one of this pupil's units (its own or its city's) meets condition."""
    unit = aliased(Unit)
    return (
        select(Campaign.id)
        .select_from(Enrollment)
        .join(Classroom, Classroom.id == Enrollment.classroom_id)
        .join(School, School.id == Classroom.school_id)
        .join(unit, unit.id == School.unit_id)
        .join(Campaign, or_(Campaign.unit_id == unit.id, Campaign.unit_id == unit.parent_id))
        .where(Enrollment.pupil_id == pupil_id, condition)
        .exists()
    )


def retirable(session: Session, before: date) -> Retirement:
    """Who `privacy retire --before` anonymises (see the module's docstring)."""
    enrolled = exists().where(Enrollment.pupil_id == User.id)
    still_enrolled = exists().where(
        Enrollment.pupil_id == User.id,
        or_(Enrollment.ended_on.is_(None), Enrollment.ended_on >= before),
    )
    pupils = list(
        session.scalars(
            select(User.id)
            .where(
                User.role == "pupil",
                ~erased_clause(),
                enrolled,
                ~still_enrolled,
                _campaigns_of_pupil(User.id, Campaign.ends_on < before),
                ~_campaigns_of_pupil(User.id, Campaign.ends_on >= before),
            )
            .order_by(User.id)
        )
    )
    leaving = set(pupils)
    guardian = aliased(User)
    child = aliased(User)
    links = session.execute(
        select(Guardianship.guardian_id, Guardianship.pupil_id, erased_clause(child))
        .join(guardian, guardian.id == Guardianship.guardian_id)
        .join(child, child.id == Guardianship.pupil_id)
        .where(~erased_clause(guardian))
    ).all()
    concerned: set[int] = set()
    staying: set[int] = set()
    for guardian_id, pupil_id, child_erased in links:
        if pupil_id in leaving:
            concerned.add(guardian_id)
        elif not child_erased:
            staying.add(guardian_id)
    return Retirement(pupils, sorted(concerned - staying))


def retire(session: Session, before: date) -> Retirement:
    chosen = retirable(session, before)
    erase_many(session, chosen.pupils + chosen.guardians)
    return chosen
