"""What learners do: lessons read, quiz attempts, completions, and teachers' assignments."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import utcnow
from lms.models.content import Course, QuizVersion


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_lesson_progress_user_course", "user_id", "course_id"),)


class QuizAttempt(db.Model):
    """An attempt is opened by a POST and graded exactly once (compare-and-set on status)."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        Index("ix_quiz_attempts_user_course", "user_id", "course_id"),
        # One open attempt per learner and quiz version: two taps on "take the quiz" open one.
        Index(
            "uq_quiz_attempts_one_open",
            "user_id",
            "quiz_version_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    quiz_version_id: Mapped[int] = mapped_column(ForeignKey("quiz_versions.id"))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | graded
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    correct_count: Mapped[int | None]
    question_count: Mapped[int | None]
    score: Mapped[float | None]  # percent, 0-100
    passed: Mapped[bool | None]

    quiz_version: Mapped[QuizVersion] = relationship()
    course: Mapped[Course] = relationship()


class AttemptAnswer(db.Model):
    __tablename__ = "attempt_answers"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), primary_key=True, index=True)
    chosen: Mapped[str] = mapped_column(String(100))  # option ids, comma-separated
    is_correct: Mapped[bool]


class Completion(db.Model):
    """One per learner and course, written once; later attempts and edits never remove it."""

    __tablename__ = "completions"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        Index("ix_completions_course_completed", "course_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
    score: Mapped[float | None]
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_attempts.id"))
    # A community team member (or a pupil of the household) who went through the course with
    # the learner on their own phone (issue 18: assisted learning); None when self-made.
    assisted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship()


class Assignment(db.Model):
    """A teacher gives a class a course to do by a date."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classrooms.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]

    course: Mapped[Course] = relationship()


class TierProgress(db.Model):
    """Per learner and tier: the required courses of that tier completed, first and last time.

    Completions are never removed, so this summary only grows; it is what makes the ward's
    coverage a join over people instead of an aggregate over millions of completions."""

    __tablename__ = "tier_progress"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    tier: Mapped[str] = mapped_column(String(20), primary_key=True)
    required_done: Mapped[int]
    first_required_at: Mapped[datetime]
    last_required_at: Mapped[datetime]
