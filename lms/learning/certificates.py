"""Certificates, issued as completions are recorded. Plain functions over a session, no HTTP.

- A course certificate for every completion, once: one INSERT ... ON CONFLICT DO NOTHING whose
  issuing unit is found inside the statement, so grading a quiz pays one statement for it.
- A tier certificate once the person is covered as the campaign report counts them
  (lms.campaign.populations.covered_clause): every required course of their tier completed
  within the period of their unit's current plan (a tier without required courses: any one
  of its courses). The cheap tests come first: a completion of an optional course, or one that
  leaves required courses to do, stops after one small query.
- The issuing unit is the ward or commune of the person's school (a pupil's current class, a
  member of staff's school), an official's own unit, a parent's child's school's; in a
  deployment of one unit, that unit.
- Codes are 12 symbols of a 32-symbol alphabet (60 bits), stored as a keyed hash (as pairing
  codes are, lms.people.codes) and sealed under the card key so the page prints them again.
  Guessing one is also rate-limited per address (lms.certificates.routes).
"""

import secrets
from datetime import date

from sqlalchemy import and_, func, literal, select
from sqlalchemy.orm import Session

from lms.campaign import metrics
from lms.models import (
    Campaign,
    Certificate,
    Classroom,
    Completion,
    Course,
    CourseAudience,
    Enrollment,
    Guardianship,
    School,
    TierProgress,
    Unit,
    User,
)
from lms.models.base import today_in_vietnam, utcnow
from lms.people.codes import ALPHABET, normalize_code
from lms.people.sealing import keyed_digest, seal, unseal
from lms.upsert import insert_ignore

CODE_LENGTH = 12  # log2(32) * 12 = 60 bits


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def code_digest(code: str) -> str:
    return keyed_digest("certificate code v1", normalize_code(code))


def _context(user_id: int, course_id: int | None, tier: str | None, campaign_id: int | None) -> str:
    """What a sealed code belongs to: a code copied to another certificate does not open."""
    if course_id is not None:
        return f"certificate:{user_id}:course:{course_id}"
    return f"certificate:{user_id}:tier:{tier}:{campaign_id}"


def code_of(certificate: Certificate) -> str | None:
    """The printable code; None when it was sealed under another card key."""
    context = _context(certificate.user_id, certificate.course_id, certificate.tier, certificate.campaign_id)
    return unseal(certificate.code_sealed, context)


def _code_values(user_id, course_id, tier, campaign_id) -> dict:
    code = new_code()
    return {
        "code_hash": code_digest(code),
        "code_sealed": seal(code, _context(user_id, course_id, tier, campaign_id)),
    }


# --- the issuing unit ---------------------------------------------------------------------

def unit_of(user_id):
    """SQL: the ward or commune that issues this person's certificates (NULL: none known)."""
    current_first = (Enrollment.ended_on.is_(None).desc(), Enrollment.started_on.desc(), Enrollment.id.desc())
    own = select(User.unit_id).where(User.id == user_id)
    school = select(School.unit_id).join(User, User.school_id == School.id).where(User.id == user_id)
    in_class = (
        select(School.unit_id)
        .join(Classroom, Classroom.school_id == School.id)
        .join(Enrollment, Enrollment.classroom_id == Classroom.id)
        .where(Enrollment.pupil_id == user_id)
        .order_by(*current_first)
        .limit(1)
    )
    child = (
        select(School.unit_id)
        .join(Classroom, Classroom.school_id == School.id)
        .join(Enrollment, Enrollment.classroom_id == Classroom.id)
        .join(Guardianship, Guardianship.pupil_id == Enrollment.pupil_id)
        .where(Guardianship.guardian_id == user_id)
        .order_by(*current_first, Guardianship.pupil_id)
        .limit(1)
    )
    only = select(func.min(Unit.id)).where(Unit.kind != "city").having(func.count() == 1)
    return func.coalesce(*(q.scalar_subquery() for q in (own, in_class, school, child, only)))


def issuing_unit_id(session: Session, user_id: int) -> int | None:
    return session.scalar(select(unit_of(user_id)))


def campaign_for(session: Session, unit_id: int | None) -> Campaign | None:
    """The unit's current plan; a unit without one: its city's."""
    if unit_id is None:
        return None
    campaign = metrics.current_campaign(session, unit_id)
    if campaign is None:
        parent_id = session.scalar(select(Unit.parent_id).where(Unit.id == unit_id))
        if parent_id is not None:
            campaign = metrics.current_campaign(session, parent_id)
    return campaign


# --- issuing --------------------------------------------------------------------------------

def _insert_course(session: Session, user_id: int, course_id: int, issued_on: date) -> None:
    values = {
        "kind": "course",
        "user_id": user_id,
        "course_id": course_id,
        "unit_id": unit_of(user_id),
        "issued_on": issued_on,
        "created_at": utcnow(),
        **_code_values(user_id, course_id, None, None),
    }
    session.execute(insert_ignore(session, Certificate, values, ["user_id", "course_id"]))


def issue_course_certificate(
    session: Session, user_id: int, course_id: int, issued_on: date | None = None
) -> Certificate:
    """The certificate of this completed course: the one already issued, or a new one."""
    _insert_course(session, user_id, course_id, issued_on or today_in_vietnam())
    return session.scalar(
        select(Certificate).where(Certificate.user_id == user_id, Certificate.course_id == course_id)
    )


def issue_tier_certificate(
    session: Session,
    user_id: int,
    tier: str,
    campaign: Campaign,
    unit_id: int | None,
    issued_on: date | None = None,
) -> Certificate:
    """The tier certificate for this campaign: the one already issued, or a new one. The
    caller has checked that the person is covered (`tier_complete`)."""
    values = {
        "kind": "tier",
        "user_id": user_id,
        "tier": tier,
        "campaign_id": campaign.id,
        "unit_id": unit_id,
        "issued_on": issued_on or today_in_vietnam(),
        "created_at": utcnow(),
        **_code_values(user_id, None, tier, campaign.id),
    }
    session.execute(insert_ignore(session, Certificate, values, ["user_id", "tier", "campaign_id"]))
    return session.scalar(
        select(Certificate).where(
            Certificate.user_id == user_id,
            Certificate.tier == tier,
            Certificate.campaign_id == campaign.id,
        )
    )


def tier_complete(session: Session, user_id: int, tier: str, campaign: Campaign) -> bool:
    """Covered, as the campaign's report counts it, as of today."""
    window = metrics.window_for(campaign, None)
    covered = metrics.covered_clause(session, window, literal(tier), literal(user_id))
    return bool(session.scalar(select(covered)))


def _could_complete_tier(session: Session, user_id: int, tier: str, course_id: int) -> bool:
    """Cheap: is every required course of the tier now done (at any time), and was this one
    of them? A tier without required courses: this course is of that tier."""
    needed, this_one = session.execute(
        select(func.count(), func.count().filter(Course.id == course_id))
        .select_from(CourseAudience)
        .join(Course, Course.id == CourseAudience.course_id)
        .where(CourseAudience.audience == tier, Course.required.is_(True), Course.retired_at.is_(None))
    ).one()
    if not needed:
        return bool(
            session.scalar(
                select(CourseAudience.course_id).where(
                    CourseAudience.course_id == course_id, CourseAudience.audience == tier
                )
            )
        )
    if not this_one:
        return False
    done = session.scalar(
        select(TierProgress.required_done).where(TierProgress.user_id == user_id, TierProgress.tier == tier)
    )
    return (done or 0) >= needed


def after_completion(session: Session, user_id: int, course_id: int) -> None:
    """Called where a completion is recorded (lms.learning.progress.record_completion), in its
    transaction, after the tier summary is refreshed."""
    _insert_course(session, user_id, course_id, today_in_vietnam())
    tier = session.scalar(select(User.tier).where(User.id == user_id))
    if tier is None or not _could_complete_tier(session, user_id, tier, course_id):
        return
    unit_id = issuing_unit_id(session, user_id)
    campaign = campaign_for(session, unit_id)
    if campaign is not None and tier_complete(session, user_id, tier, campaign):
        issue_tier_certificate(session, user_id, tier, campaign, unit_id)


def issue_missing(session: Session) -> int:
    """For an operator command: certificates for completions recorded before certificates
    existed (dated by the completion), and the tier certificates now due. Returns how many
    were issued. The caller commits."""
    before = session.scalar(select(func.count()).select_from(Certificate))
    missing = session.execute(
        select(Completion.user_id, Completion.course_id, Completion.completed_at)
        .outerjoin(
            Certificate,
            and_(Certificate.user_id == Completion.user_id, Certificate.course_id == Completion.course_id),
        )
        .where(Certificate.id.is_(None))
    ).all()
    for user_id, course_id, completed_at in missing:
        _insert_course(session, user_id, course_id, local_day(completed_at))
    learners = session.execute(
        select(User.id, User.tier).where(
            User.tier.is_not(None), User.id.in_(select(Completion.user_id).distinct())
        )
    ).all()
    for user_id, tier in learners:
        unit_id = issuing_unit_id(session, user_id)
        campaign = campaign_for(session, unit_id)
        if campaign is not None and tier_complete(session, user_id, tier, campaign):
            issue_tier_certificate(session, user_id, tier, campaign, unit_id)
    return session.scalar(select(func.count()).select_from(Certificate)) - before


def local_day(moment) -> date:
    """A stored (UTC) time's day in Vietnam."""
    return (moment + metrics.VN_OFFSET).date()


# --- reading --------------------------------------------------------------------------------

def find(session: Session, code: str) -> Certificate | None:
    """The certificate with this code, revoked or not; None for a code of the wrong shape."""
    if len(normalize_code(code)) != CODE_LENGTH:
        return None
    return session.scalar(select(Certificate).where(Certificate.code_hash == code_digest(code)))


def revoke(session: Session, certificate: Certificate) -> None:
    if certificate.revoked_at is None:
        certificate.revoked_at = utcnow()


def of_users(session: Session, user_ids: list[int]) -> list[Certificate]:
    """The certificates of these people, newest first, a day's tier certificate before its
    course certificates (revoked ones left out)."""
    if not user_ids:
        return []
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.user_id.in_(user_ids), Certificate.revoked_at.is_(None))
            .order_by(Certificate.issued_on.desc(), Certificate.kind.desc(), Certificate.id.desc())
        )
    )


def tier_courses(session: Session, certificate: Certificate) -> list[Course]:
    """What a tier certificate stands for: the required courses of the tier the person
    completed (by title)."""
    return list(
        session.scalars(
            select(Course)
            .join(
                Completion,
                and_(Completion.course_id == Course.id, Completion.user_id == certificate.user_id),
            )
            .join(CourseAudience, CourseAudience.course_id == Course.id)
            .where(
                CourseAudience.audience == certificate.tier,
                Course.required.is_(True),
                Course.retired_at.is_(None),
            )
            .order_by(Course.title)
        )
    )


def partial_name(full_name: str) -> str:
    """The name as the public page shows it: "Nguyễn Văn An" -> "Nguyễn V. A."."""
    words = (full_name or "").split()
    if len(words) <= 1:
        return f"{words[0][:1]}." if words else ""
    return " ".join([words[0], *(f"{w[:1]}." for w in words[1:])])
