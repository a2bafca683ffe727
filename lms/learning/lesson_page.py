"""The lesson page, the most visited one: one statement and plain values, so that pupils at
the same place see the same page (lms.shared_pages renders it once for all of them)."""

from dataclasses import dataclass

from sqlalchemy import and_, bindparam, case, select
from sqlalchemy.orm import Session

from lms.learning.progress import CourseState
from lms.models import Course, CourseAudience, Lesson, LessonProgress, User

# The most visited page, a lesson, is one statement, built once: the course (if live and for
# the learner's tier), every lesson's place and done mark, and the HTML of the one being read.
_LESSON_PAGE = (
    select(
        Course.title.label("course_title"),
        CourseAudience.course_id.label("for_tier"),
        Lesson.id,
        Lesson.slug,
        Lesson.title,
        Lesson.position,
        case((Lesson.slug == bindparam("lesson_slug"), Lesson.html), else_=None).label("html"),
        case((Lesson.slug == bindparam("lesson_slug"), Lesson.audio_url), else_=None).label("audio_url"),
        LessonProgress.lesson_id.label("done"),
    )
    .select_from(Course)
    .outerjoin(
        CourseAudience,
        and_(CourseAudience.course_id == Course.id, CourseAudience.audience == bindparam("tier")),
    )
    .outerjoin(Lesson, and_(Lesson.course_id == Course.id, Lesson.retired_at.is_(None)))
    .outerjoin(
        LessonProgress,
        and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == bindparam("user_id")),
    )
    .where(Course.slug == bindparam("slug"), Course.retired_at.is_(None))
    .order_by(Lesson.position)
)


@dataclass(frozen=True)
class CourseHeading:
    """What a lesson page shows of its course."""

    slug: str
    title: str


@dataclass(frozen=True)
class LessonPage:
    state: CourseState
    for_tier: bool


def lesson_page(session: Session, user: User, slug: str, lesson_slug: str) -> LessonPage | None:
    """None when the course is unknown or retired. Core rows, no ORM entities: this runs on
    every lesson view."""
    rows = (
        session.connection()
        .execute(
            _LESSON_PAGE,
            {"slug": slug, "tier": user.tier, "lesson_slug": lesson_slug, "user_id": user.id},
        )
        .all()
    )
    if not rows:
        return None
    first = rows[0]
    course = CourseHeading(slug, first.course_title)
    lessons = [row for row in rows if row.id is not None]
    done = {row.id for row in lessons if row.done is not None}
    return LessonPage(CourseState(course, lessons, done, None, None, None, 0), first.for_tier is not None)


@dataclass(frozen=True)
class LessonView:
    """Everything a lesson page shows, as plain values: pupils who stand at the same place in
    the same lesson see the same page (lms.shared_pages renders it once for all of them)."""

    course_slug: str
    course_title: str
    slug: str
    title: str
    html: str
    audio_url: str | None  # the recording, the same for every viewer; None: offer "read aloud"
    position: int
    total: int
    done: bool
    previous_slug: str | None
    following_slug: str | None
    following_open: bool


def lesson_view(state: CourseState, lesson) -> LessonView:
    index = state.lessons.index(lesson)
    previous = state.lessons[index - 1] if index > 0 else None
    following = state.lessons[index + 1] if index + 1 < len(state.lessons) else None
    return LessonView(
        course_slug=state.course.slug,
        course_title=state.course.title,
        slug=lesson.slug,
        title=lesson.title,
        html=lesson.html or "",
        audio_url=lesson.audio_url,
        position=index + 1,
        total=len(state.lessons),
        done=lesson.id in state.done,
        previous_slug=previous.slug if previous else None,
        following_slug=following.slug if following else None,
        following_open=following is not None and state.may_open(following),
    )
