"""The demo commune's community digital team (issue 18): Thôn Đông's team (a teacher of the
commune's THCS school and a youth union member with a README login), a resident its youth
member helped through the required courses for adults, and a lower-secondary pupil who helped
their mother through them: both completions record who assisted, and both sessions are
logged, as if made through the pages (lms.community, lms.auth.assisting).

Call `build` once the commune's villages are built and its learning written
(lms.demo.progress.write), before the summary is rebuilt: it writes its completions dated a
few days back, so the dashboard counts them as assisted."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from lms.campaign import snapshots, summary
from lms.models import (
    AssistedSession,
    Classroom,
    Completion,
    Course,
    CourseAudience,
    Enrollment,
    Guardianship,
    Lesson,
    LessonProgress,
    ListedHousehold,
    QuizVersion,
    School,
    TeamMember,
    Unit,
    User,
    Village,
)
from lms.models.base import VIETNAM, utcnow
from lms.people.names import name_sort_key
from lms.upsert import insert_ignore

YOUTH_USERNAME = "doanvien.habac"
YOUTH_NAME = "Vũ Minh Tuấn"
YOUTH_PHONE = "0399000001"


@dataclass(frozen=True)
class DemoTeam:
    village: str
    members: list[str]  # names
    resident: str  # the resident helped by the youth member
    pupil: str | None  # the pupil who helped their family (username)
    guardian: str | None  # whom they helped


def build(session: Session, unit: Unit, today: date, password_hash: str) -> DemoTeam:
    village = session.scalar(
        select(Village).where(Village.unit_id == unit.id).order_by(Village.code).limit(1)
    )
    if village is None:
        raise ValueError(f"{unit.code} has no villages: build them first (lms.demo.villages)")
    courses = _required_for_adults(session)
    day = today - timedelta(days=3)
    teacher = session.scalar(
        select(User)
        .join(School, School.id == User.school_id)
        .where(School.unit_id == unit.id, School.level.in_(("thcs", "th-thcs")), User.role == "teacher")
        .order_by(User.name_key, User.id)
        .limit(1)
    )
    youth = User(
        role="parent",
        tier="parent",
        username=YOUTH_USERNAME,
        phone=YOUTH_PHONE,
        full_name=YOUTH_NAME,
        name_key=name_sort_key(YOUTH_NAME),
        password_hash=password_hash,
        claimed_at=utcnow(),
    )
    session.add(youth)
    session.flush()
    members = [youth] + ([teacher] if teacher is not None else [])
    on_team = set(session.scalars(select(TeamMember.user_id).where(TeamMember.village_id == village.id)))
    for member in members:
        if member.id not in on_team:
            kind = "youth" if member is youth else "teacher"
            session.add(TeamMember(village_id=village.id, user_id=member.id, kind=kind))
    listed = session.scalar(
        select(ListedHousehold)
        .where(
            ListedHousehold.village_id == village.id,
            ListedHousehold.household_id.is_(None),
            ~select(User.id).where(User.listed_household_id == ListedHousehold.id).exists(),
        )
        .order_by(ListedHousehold.code)
        .limit(1)
    ) or session.scalar(
        select(ListedHousehold)
        .where(ListedHousehold.village_id == village.id)
        .order_by(ListedHousehold.code)
        .limit(1)
    )
    resident = User(
        role="parent",
        tier="parent",
        full_name=listed.head_name,
        name_key=name_sort_key(listed.head_name),
        listed_household_id=listed.id,
    )
    session.add(resident)
    session.flush()
    _learn_together(session, youth, resident, village.id, courses, _at(day, 9))
    pupil, guardian = _pupil_and_parent(session, unit, courses)
    if pupil is not None:
        _learn_together(session, pupil, guardian, None, courses, _at(day, 19))
    snapshots.touch(session)  # back-dated completions written without the ORM
    return DemoTeam(
        village=village.name,
        members=[m.full_name for m in members],
        resident=resident.full_name,
        pupil=pupil.username if pupil else None,
        guardian=guardian.full_name if guardian else None,
    )


def _at(day: date, hour: int) -> datetime:
    """That day at that hour in Vietnam, stored in UTC."""
    return datetime.combine(day, time(hour)) - VIETNAM


def _required_for_adults(session: Session) -> list[Course]:
    return list(
        session.scalars(
            select(Course)
            .join(CourseAudience, CourseAudience.course_id == Course.id)
            .where(
                CourseAudience.audience == "parent", Course.required.is_(True), Course.retired_at.is_(None)
            )
            .order_by(Course.id)
        )
    )


def _pupil_and_parent(session: Session, unit: Unit, courses: list[Course]):
    """A lower-secondary pupil of the unit's schools with a guardian who has completed none of
    the courses for adults (the first by name), or (None, None)."""
    done = select(Completion.user_id).where(Completion.course_id.in_([c.id for c in courses]))
    row = session.execute(
        select(User, Guardianship.guardian_id)
        .join(Enrollment, (Enrollment.pupil_id == User.id) & Enrollment.ended_on.is_(None))
        .join(Classroom, Classroom.id == Enrollment.classroom_id)
        .join(School, School.id == Classroom.school_id)
        .join(Guardianship, Guardianship.pupil_id == User.id)
        .where(
            School.unit_id == unit.id,
            Classroom.grade.between(6, 9),
            User.role == "pupil",
            User.active.is_(True),
            Guardianship.guardian_id.not_in(done),
        )
        .order_by(User.name_key, User.id, Guardianship.guardian_id)
        .limit(1)
    ).first()
    if row is None:
        return None, None
    return row[0], session.get(User, row[1])


def _learn_together(session, helper: User, person: User, village_id, courses, start: datetime) -> None:
    """An assisted session of an hour or so, in which `person` read every lesson and completed
    every course, each completion recording the helper."""
    when = start
    for course in courses:
        lessons = session.scalars(
            select(Lesson.id)
            .where(Lesson.course_id == course.id, Lesson.retired_at.is_(None))
            .order_by(Lesson.position)
        ).all()
        for lesson_id in lessons:
            when += timedelta(minutes=4)
            session.execute(  # a lesson or two may have been read alone before
                insert_ignore(
                    session,
                    LessonProgress,
                    {
                        "user_id": person.id,
                        "lesson_id": lesson_id,
                        "course_id": course.id,
                        "completed_at": when,
                    },
                    ["user_id", "lesson_id"],
                )
            )
        has_quiz = session.scalar(
            select(QuizVersion.id).where(QuizVersion.course_id == course.id, QuizVersion.retired_at.is_(None))
        )
        when += timedelta(minutes=5)
        session.execute(
            insert(Completion).values(
                user_id=person.id,
                course_id=course.id,
                completed_at=when,
                score=100.0 if has_quiz else None,
                assisted_by_id=helper.id,
            )
        )
    session.add(
        AssistedSession(
            member_id=helper.id,
            resident_id=person.id,
            village_id=village_id,
            started_at=start,
            ended_at=when + timedelta(minutes=2),
        )
    )
    session.flush()
    summary.refresh_user(session, person.id)
