"""A person's own data, as they may download it (lms.family.my_data): their account and learning
and, for a guardian, each linked child's. Plain functions over a session, no HTTP.

What is included is what the platform holds about them, secrets aside: name, role, account
number, username, phone, pupil code, date of birth, school, account dates; enrolments (class,
school, school year, dates); completed courses (date, score); lessons read; graded quiz
attempts; certificates (what for, date, issuing unit; never the verification code, which is
the key to the public page); a pupil's consents (whose, how, given and withdrawn). Never included:
password, PIN, one-time codes, and other people (another guardian of the same child).
Times are stored in UTC and given here as Vietnam's days.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.models import (
    Certificate,
    Classroom,
    Completion,
    Consent,
    Course,
    Enrollment,
    Guardianship,
    Lesson,
    LessonProgress,
    QuizAttempt,
    School,
    Unit,
    User,
)
from lms.models.base import VIETNAM


def local_day(moment: datetime | None) -> date | None:
    return (moment + VIETNAM).date() if moment is not None else None


@dataclass
class Person:
    account_number: int
    name: str
    role: str
    username: str | None
    phone: str | None
    student_code: str | None
    date_of_birth: date | None
    school: str | None
    unit: str | None
    account_created_on: date | None
    first_signed_in_on: date | None
    current_class: str | None = None
    current_school: str | None = None
    enrolments: list[dict] = field(default_factory=list)
    completions: list[dict] = field(default_factory=list)
    lessons_read: list[dict] = field(default_factory=list)
    quiz_attempts: list[dict] = field(default_factory=list)
    certificates: list[dict] = field(default_factory=list)
    consents: list[dict] = field(default_factory=list)


@dataclass
class OwnData:
    generated_on: date
    person: Person
    children: list[Person]

    def as_dict(self) -> dict:
        return {
            "generated_on": self.generated_on,
            "person": asdict(self.person),
            "children": [asdict(c) for c in self.children],
        }


def gather(session: Session, user_id: int, today: date) -> OwnData:
    user = session.get(User, user_id)
    children = list(
        session.scalars(
            select(User)
            .join(Guardianship, Guardianship.pupil_id == User.id)
            .where(Guardianship.guardian_id == user_id)
            .order_by(User.name_key, User.id)
        )
    )
    return OwnData(today, person(session, user), [person(session, c) for c in children])


def person(session: Session, user: User) -> Person:
    found = Person(
        account_number=user.id,
        name=user.full_name,
        role=user.role,
        username=user.username,
        phone=user.phone,
        student_code=user.student_code,
        date_of_birth=user.date_of_birth,
        school=user.school.name if user.school else None,
        unit=user.unit.name if user.unit else None,
        account_created_on=local_day(user.created_at),
        first_signed_in_on=local_day(user.claimed_at),
    )
    found.enrolments = enrolments(session, user.id)
    current = next((e for e in found.enrolments if e["ended_on"] is None), None)
    if current is not None:
        found.current_class, found.current_school = current["class"], current["school"]
    found.completions = [
        {"course": title, "completed_on": local_day(at), "score": score}
        for title, at, score in session.execute(
            select(Course.title, Completion.completed_at, Completion.score)
            .join(Course, Course.id == Completion.course_id)
            .where(Completion.user_id == user.id)
            .order_by(Completion.completed_at, Completion.id)
        )
    ]
    found.lessons_read = [
        {"course": course, "lesson": lesson, "read_on": local_day(at)}
        for course, lesson, at in session.execute(
            select(Course.title, Lesson.title, LessonProgress.completed_at)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .join(Course, Course.id == LessonProgress.course_id)
            .where(LessonProgress.user_id == user.id)
            .order_by(LessonProgress.completed_at, Lesson.position)
        )
    ]
    found.quiz_attempts = [
        {"course": title, "submitted_on": local_day(at), "score": score, "passed": passed}
        for title, at, score, passed in session.execute(
            select(Course.title, QuizAttempt.submitted_at, QuizAttempt.score, QuizAttempt.passed)
            .join(Course, Course.id == QuizAttempt.course_id)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.status == "graded")
            .order_by(QuizAttempt.submitted_at, QuizAttempt.id)
        )
    ]
    found.certificates = certificates(session, user.id)
    found.consents = consents(session, user.id)
    return found


def enrolments(session: Session, user_id: int) -> list[dict]:
    return [
        {
            "class": room,
            "school": school,
            "school_year": year,
            "started_on": started,
            "ended_on": ended,
        }
        for room, school, year, started, ended in session.execute(
            select(Classroom.name, School.name, Classroom.school_year, Enrollment.started_on, Enrollment.ended_on)
            .join(Classroom, Classroom.id == Enrollment.classroom_id)
            .join(School, School.id == Classroom.school_id)
            .where(Enrollment.pupil_id == user_id)
            .order_by(Enrollment.started_on, Enrollment.id)
        )
    ]


def certificates(session: Session, user_id: int) -> list[dict]:
    """What each certificate is for, its date and issuing unit; never its code."""
    rows = session.execute(
        select(Certificate, Course.title, Unit.name)
        .outerjoin(Course, Course.id == Certificate.course_id)
        .outerjoin(Unit, Unit.id == Certificate.unit_id)
        .where(Certificate.user_id == user_id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.issued_on, Certificate.id)
    ).all()
    return [
        {
            "kind": c.kind,
            "course": title,
            "tier": c.tier,
            "campaign": c.campaign.name if c.campaign else None,
            "issued_on": c.issued_on,
            "issuing_unit": unit,
        }
        for c, title, unit in rows
    ]


def consents(session: Session, user_id: int) -> list[dict]:
    """The consents recorded about this pupil: whose (the guardian's, the child's own), how
    (on pairing, on a paper form), the day given and the day withdrawn. Who recorded them is
    another person, and is left out."""
    return [
        {
            "kind": c.kind,
            "source": c.source,
            "given_on": c.given_on,
            "withdrawn_on": local_day(c.withdrawn_at),
        }
        for c in session.scalars(
            select(Consent).where(Consent.pupil_id == user_id).order_by(Consent.given_on, Consent.id)
        )
    ]


def plain(value):
    """JSON-ready: dates as YYYY-MM-DD."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value

