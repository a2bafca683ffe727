"""Who takes part: the ward, its schools and classes, pupils, staff and families."""

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import utcnow

# ward_admin is the unit admin (a ward's or commune's office); city_admin sees every unit of
# the city; an official is one of a unit's own cán bộ, công chức, người lao động.
ROLES = ("pupil", "teacher", "parent", "school_admin", "ward_admin", "city_admin", "official")
SCHOOL_LEVELS = ("mam-non", "tieu-hoc", "thcs", "th-thcs")
UNIT_KINDS = ("city", "ward", "commune")
# Kindergarten classes (nhà trẻ, mẫu giáo) have grade 0: their children have no lessons and
# never sign in, but their families pair, learn and count.
PRESCHOOL_GRADE = 0
STAFF_ROLES = ("teacher", "staff", "principal")


def tier_for_grade(grade: int | None) -> str | None:
    if grade is None:
        return None
    if 1 <= grade <= 5:
        return "primary"
    if 6 <= grade <= 9:
        return "lower-secondary"
    return None


class Unit(db.Model):
    """An administrative unit: a ward (phường) or commune (xã), or the city (thành phố,
    tỉnh) above them. Schools and officials belong to a ward or commune."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="ward", server_default="ward")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)

    parent: Mapped["Unit | None"] = relationship(remote_side=[id])

    @property
    def is_city(self) -> bool:
        return self.kind == "city"


class School(db.Model):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10))

    unit: Mapped[Unit] = relationship()


class Classroom(db.Model):
    __tablename__ = "classrooms"
    __table_args__ = (UniqueConstraint("school_id", "school_year", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    grade: Mapped[int]
    school_year: Mapped[str] = mapped_column(String(9))
    homeroom_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signin_code: Mapped[str | None] = mapped_column(String(12), unique=True)

    school: Mapped[School] = relationship()
    homeroom_teacher: Mapped["User | None"] = relationship(foreign_keys=[homeroom_teacher_id])

    @property
    def tier(self) -> str | None:
        return tier_for_grade(self.grade)

    @property
    def is_preschool(self) -> bool:
        """A kindergarten class: no lessons, no sign-in; only letters to the families."""
        return self.grade == PRESCHOOL_GRADE


class Household(db.Model):
    """Pupils and the guardians connected to them; kept merged as links are made."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountTraits:
    """What access checks ask of an account, from its role, tier and active flag."""

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_learner(self) -> bool:
        return self.tier is not None

    @property
    def is_staff(self) -> bool:
        return self.role in ("teacher", "school_admin")


class User(AccountTraits, UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(20), index=True)
    # The learning tier (primary, lower-secondary, teacher, parent, official); kept with the enrolment.
    tier: Mapped[str | None] = mapped_column(String(20), index=True)
    username: Mapped[str | None] = mapped_column(String(80), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(600), default="")
    password_hash: Mapped[str | None] = mapped_column(String(300))
    pin_hash: Mapped[str | None] = mapped_column(String(300))
    # The PIN sealed under the card key (lms.people.sealing), so the same card can be reprinted.
    pin_sealed: Mapped[str | None] = mapped_column(String(100))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    # The unit of an official, a unit admin or the city admin (the city unit itself).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    staff_role: Mapped[str | None] = mapped_column(String(20))
    # Employment at the school, for the campaign's denominators ("employed in the period").
    staff_from: Mapped[date | None]
    staff_until: Mapped[date | None]
    student_code: Mapped[str | None] = mapped_column(String(40), unique=True)
    date_of_birth: Mapped[date | None]
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    # A resident (an adult learner of the parent courses who is no pupil's guardian) on a
    # village's household list (lms/models/villages.py): they cover that household.
    listed_household_id: Mapped[int | None] = mapped_column(
        ForeignKey("listed_households.id", ondelete="SET NULL", use_alter=True), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]

    school: Mapped[School | None] = relationship()
    unit: Mapped[Unit | None] = relationship()

    # Flask-Login asks for the id to keep in the cookie: we keep the server-side session's
    # token instead, so that ending that session on the server ends the cookie too.
    session_token = None

    def get_id(self) -> str | None:
        return self.session_token


class UserSession(db.Model):
    """A signed-in session; the cookie holds only its random token."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class Enrollment(db.Model):
    """A pupil in a class; a change of class ends one enrolment and starts another."""

    __tablename__ = "enrollments"
    __table_args__ = (Index("ix_enrollments_classroom_active", "classroom_id", "ended_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classrooms.id"))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]

    pupil: Mapped[User] = relationship()
    classroom: Mapped[Classroom] = relationship()


class Guardianship(db.Model):
    __tablename__ = "guardianships"

    guardian_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OneTimeCode(db.Model):
    """A printed code: a staff member's first sign-in, or a family's pairing with a pupil."""

    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "setup" or "pairing"
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A newer code for the same person and purpose took this one's place.
    replaced_at: Mapped[datetime | None]
    # The code sealed under the card key, when its letter may be printed again.
    code_sealed: Mapped[str | None] = mapped_column(String(100))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
