"""Store rendered courses: all or nothing, idempotent, and never losing learners' history."""

import mimetypes
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.campaign import summary
from lms.content.audio import AUDIO_TYPES
from lms.content.loader import ASSET_TYPES, load_courses
from lms.content.problems import Problems
from lms.content.render import RenderedCourse, render_course
from lms.models import (
    Course,
    CourseAsset,
    CourseAudience,
    CourseCompetency,
    Lesson,
    Question,
    QuestionOption,
    QuizVersion,
)
from lms.models.base import utcnow


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.retired)

    def summary(self) -> str:
        return (
            f"thêm mới {len(self.added)}, cập nhật {len(self.updated)}, "
            f"không đổi {len(self.unchanged)}, ngừng dùng {len(self.retired)}"
        )


def sync_courses(session: Session, root: Path, *, retire_missing: bool = True) -> SyncReport:
    """Validate everything under root; store only if no course has an error."""
    report = SyncReport()
    sources, report.problems = load_courses(root)
    if report.problems.errors:
        return report
    rendered = [render_course(source) for source in sources]
    root_key = str(Path(root).resolve())
    try:
        counted_before = summary.required_signature(session)
        existing = {c.slug: c for c in session.scalars(select(Course))}
        for course in rendered:
            slug = course.source.slug
            stored = existing.get(slug)
            if stored is None:
                _store_course(session, course, Course(slug=slug))
                report.added.append(slug)
            elif stored.source_hash == course.source.digest and stored.retired_at is None:
                if stored.source_path != str(course.source.folder.resolve()):
                    stored.source_path = str(course.source.folder.resolve())
                report.unchanged.append(slug)
            else:
                _store_course(session, course, stored)
                report.updated.append(slug)
        if retire_missing:
            present = {c.source.slug for c in rendered}
            for slug, stored in existing.items():
                inside = stored.source_path.startswith(root_key + "/") or stored.source_path == root_key
                if slug not in present and stored.retired_at is None and inside:
                    stored.retired_at = utcnow()
                    report.retired.append(slug)
        session.flush()
        if summary.required_signature(session) != counted_before:
            summary.rebuild(session)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return report


def _store_course(session: Session, rendered: RenderedCourse, course: Course) -> None:
    src = rendered.source
    now = utcnow()
    course.title = src.title
    course.summary = src.summary
    course.intro_html = rendered.intro_html
    course.required = src.required
    course.minutes = src.minutes
    course.source_path = str(src.folder.resolve())
    course.source_hash = src.digest
    course.updated_at = now
    course.retired_at = None
    if course.id is None:
        session.add(course)
    wanted = set(src.audience)
    course.audiences = [a for a in course.audiences if a.audience in wanted] + [
        CourseAudience(audience=a) for a in src.audience if a not in {x.audience for x in course.audiences}
    ]
    wanted = set(src.competencies)
    course.competencies = [c for c in course.competencies if c.code in wanted] + [
        CourseCompetency(code=c) for c in src.competencies if c not in {x.code for x in course.competencies}
    ]
    session.flush()
    _store_lessons(session, rendered, course, now)
    _store_assets(session, rendered, course)
    _store_quiz(session, rendered, course, now)


def _store_lessons(session: Session, rendered: RenderedCourse, course: Course, now) -> None:
    by_slug = {
        lesson.slug: lesson for lesson in session.scalars(select(Lesson).where(Lesson.course_id == course.id))
    }
    present = set()
    for src in rendered.source.lessons:
        lesson = by_slug.get(src.slug) or Lesson(course_id=course.id, slug=src.slug)
        lesson.position = src.position
        lesson.title = src.title
        lesson.html = rendered.lessons[src.slug]
        lesson.audio_url = rendered.audio.get(src.slug)
        lesson.source_hash = rendered.source.digest
        lesson.retired_at = None
        session.add(lesson)
        present.add(src.slug)
    for slug, lesson in by_slug.items():
        if slug not in present and lesson.retired_at is None:
            lesson.retired_at = now


def _store_assets(session: Session, rendered: RenderedCourse, course: Course) -> None:
    stored = {
        a.path: a for a in session.scalars(select(CourseAsset).where(CourseAsset.course_id == course.id))
    }
    for rel, path in rendered.source.assets.items():
        digest = rendered.asset_hashes[rel]
        asset = stored.pop(rel, None)
        if asset is not None and asset.sha256 == digest:
            continue
        asset = asset or CourseAsset(course_id=course.id, path=rel)
        asset.sha256 = digest
        asset.data = path.read_bytes()
        asset.media_type = (ASSET_TYPES | AUDIO_TYPES).get(path.suffix.lower()) or (
            mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        session.add(asset)
    for asset in stored.values():  # files no longer referenced: attempts never point at them
        session.delete(asset)


def _store_quiz(session: Session, rendered: RenderedCourse, course: Course, now) -> None:
    current = session.scalar(
        select(QuizVersion).where(QuizVersion.course_id == course.id, QuizVersion.retired_at.is_(None))
    )
    quiz = rendered.source.quiz
    if quiz is None:
        if current is not None:
            current.retired_at = now
        return
    if current is not None and current.source_hash == quiz.digest:
        return
    if current is not None:
        current.retired_at = now
    latest = (
        session.scalar(
            select(QuizVersion.version)
            .where(QuizVersion.course_id == course.id)
            .order_by(QuizVersion.version.desc())
            .limit(1)
        )
        or 0
    )
    version = QuizVersion(
        course_id=course.id,
        version=latest + 1,
        pass_score=quiz.pass_score,
        reveal_after=quiz.reveal_after,
        intro_html=rendered.quiz_intro_html,
        source_hash=quiz.digest,
        created_at=now,
    )
    for position, q in enumerate(rendered.questions, start=1):
        question = Question(
            position=position,
            prompt_html=q.prompt_html,
            explanation_html=q.explanation_html,
            multiple=q.multiple,
        )
        question.options = [
            QuestionOption(position=i, html=html, is_correct=correct)
            for i, (html, correct) in enumerate(q.options, start=1)
        ]
        version.questions.append(question)
    session.add(version)
