"""Courses as stored by the content pipeline: rendered, sanitized, versioned."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import utcnow

AUDIENCES = ("primary", "lower-secondary", "teacher", "parent", "official")


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    intro_html: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=False)
    minutes: Mapped[int] = mapped_column(default=0)
    source_path: Mapped[str] = mapped_column(String(500), default="")
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]

    audiences: Mapped[list["CourseAudience"]] = relationship(cascade="all, delete-orphan")
    competencies: Mapped[list["CourseCompetency"]] = relationship(
        cascade="all, delete-orphan", order_by="CourseCompetency.code"
    )
    lessons: Mapped[list["Lesson"]] = relationship(back_populates="course", order_by="Lesson.position")

    @property
    def audience_codes(self) -> list[str]:
        return sorted((a.audience for a in self.audiences), key=AUDIENCES.index)

    @property
    def competency_codes(self) -> list[str]:
        return [c.code for c in self.competencies]


class CourseAudience(db.Model):
    __tablename__ = "course_audiences"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    audience: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)


class CourseCompetency(db.Model):
    __tablename__ = "course_competencies"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)


class Lesson(db.Model):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    slug: Mapped[str] = mapped_column(String(120))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    html: Mapped[str] = mapped_column(Text)
    # The lesson's recorded reading (front matter `audio`), a /media/ URL like its images'.
    audio_url: Mapped[str | None] = mapped_column(String(500))
    source_hash: Mapped[str] = mapped_column(String(64))
    retired_at: Mapped[datetime | None]

    course: Mapped[Course] = relationship(back_populates="lessons")


class CourseAsset(db.Model):
    """An image or file shipped beside the lessons, served from the database."""

    __tablename__ = "course_assets"
    __table_args__ = (UniqueConstraint("course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    path: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class QuizVersion(db.Model):
    """One version of a course's quiz; a changed quiz is a new version, old attempts keep theirs."""

    __tablename__ = "quiz_versions"
    __table_args__ = (UniqueConstraint("course_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    version: Mapped[int]
    pass_score: Mapped[int] = mapped_column(default=80)
    # Graded attempts on this version after which a learner is shown the right options
    # without having passed (quiz.md `reveal_after`).
    reveal_after: Mapped[int] = mapped_column(default=3, server_default="3")
    intro_html: Mapped[str] = mapped_column(Text, default="")
    source_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]

    questions: Mapped[list["Question"]] = relationship(
        order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_version_id: Mapped[int] = mapped_column(ForeignKey("quiz_versions.id"), index=True)
    position: Mapped[int]
    prompt_html: Mapped[str] = mapped_column(Text)
    explanation_html: Mapped[str] = mapped_column(Text, default="")
    multiple: Mapped[bool] = mapped_column(default=False)

    options: Mapped[list["QuestionOption"]] = relationship(
        order_by="QuestionOption.position", cascade="all, delete-orphan", lazy="selectin"
    )


class QuestionOption(db.Model):
    __tablename__ = "question_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    position: Mapped[int]
    html: Mapped[str] = mapped_column(Text)
    is_correct: Mapped[bool]
