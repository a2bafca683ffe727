"""A learner's progress through courses. Plain functions over the database session."""

from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from lms.campaign import summary
from lms.learning import certificates
from lms.models import (
    Completion,
    Course,
    CourseAudience,
    Lesson,
    LessonProgress,
    QuizAttempt,
    QuizVersion,
    User,
)
from lms.models.base import utcnow
from lms.upsert import insert_ignore


@dataclass
class CourseState:
    course: Course
    lessons: list[Lesson]
    done: set[int]
    quiz: QuizVersion | None
    completion: Completion | None
    best_score: float | None
    attempts: int
    open_attempt_id: int | None = None
    failed_attempts: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def next_lesson(self) -> Lesson | None:
        """The first lesson not yet done: where "continue" leads and how far one may go."""
        return next((lesson for lesson in self.lessons if lesson.id not in self.done), None)

    @property
    def all_lessons_done(self) -> bool:
        return self.next_lesson is None

    def may_open(self, lesson: Lesson) -> bool:
        upcoming = self.next_lesson
        return upcoming is None or lesson.position <= upcoming.position

    def position_of(self, lesson: Lesson) -> int:
        return self.lessons.index(lesson) + 1


def active_lessons_count():
    return (
        select(Lesson.course_id, func.count(Lesson.id).label("n"))
        .where(Lesson.retired_at.is_(None))
        .group_by(Lesson.course_id)
        .subquery()
    )


def courses_for_tier(session: Session, tier: str) -> list[Course]:
    return list(
        session.scalars(
            select(Course)
            .join(CourseAudience, CourseAudience.course_id == Course.id)
            .where(CourseAudience.audience == tier, Course.retired_at.is_(None))
            .order_by(Course.required.desc(), Course.title)
        )
    )


# The course (if live) and whether it is for the learner's tier: the course page, lesson done,
# starting the quiz.
COURSE_FOR_TIER = select(
    Course,
    select(CourseAudience.course_id)
    .where(CourseAudience.course_id == Course.id, CourseAudience.audience == bindparam("tier"))
    .exists(),
).where(Course.slug == bindparam("slug"), Course.retired_at.is_(None))

def course_state(session: Session, user: User, course: Course) -> CourseState:
    lessons = list(
        session.scalars(
            select(Lesson)
            .where(Lesson.course_id == course.id, Lesson.retired_at.is_(None))
            .order_by(Lesson.position)
        )
    )
    done = set(
        session.scalars(
            select(LessonProgress.lesson_id).where(
                LessonProgress.user_id == user.id, LessonProgress.course_id == course.id
            )
        )
    )
    quiz = current_quiz(session, course)
    completion = session.scalar(
        select(Completion).where(Completion.user_id == user.id, Completion.course_id == course.id)
    )
    best, graded, failed = session.execute(
        select(
            func.max(QuizAttempt.score),
            func.count(QuizAttempt.id),
            func.count(QuizAttempt.id).filter(QuizAttempt.passed.is_(False)),
        ).where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.course_id == course.id,
            QuizAttempt.status == "graded",
        )
    ).one()
    open_attempt = None
    if quiz is not None:
        open_attempt = session.scalar(
            select(QuizAttempt.id)
            .where(
                QuizAttempt.user_id == user.id,
                QuizAttempt.quiz_version_id == quiz.id,
                QuizAttempt.status == "open",
            )
            .order_by(QuizAttempt.id.desc())
            .limit(1)
        )
    return CourseState(course, lessons, done, quiz, completion, best, graded, open_attempt, failed)


def current_quiz(session: Session, course: Course) -> QuizVersion | None:
    return session.scalar(
        select(QuizVersion).where(QuizVersion.course_id == course.id, QuizVersion.retired_at.is_(None))
    )


def mark_lesson_done(session: Session, user: User, state: CourseState, lesson: Lesson) -> bool:
    """Record the lesson; a course without a quiz is completed with its last lesson."""
    if not state.may_open(lesson):
        return False
    session.execute(
        insert_ignore(
            session,
            LessonProgress,
            {
                "user_id": user.id,
                "lesson_id": lesson.id,
                "course_id": state.course.id,
                "completed_at": utcnow(),
            },
            ["user_id", "lesson_id"],
        )
    )
    state.done.add(lesson.id)
    if state.all_lessons_done and state.quiz is None:
        record_completion(session, user.id, state.course.id, score=None, attempt_id=None)
    session.commit()
    return True


def record_completion(
    session: Session, user_id: int, course_id: int, *, score: float | None, attempt_id: int | None
) -> None:
    """Insert the completion once; a later, better score raises the stored one. In an
    assisted session (lms.auth.assisting) the db session's info names the helper, whom the
    completion records."""
    session.execute(
        insert_ignore(
            session,
            Completion,
            {
                "user_id": user_id,
                "course_id": course_id,
                "completed_at": utcnow(),
                "score": score,
                "attempt_id": attempt_id,
                "assisted_by_id": session.info.get("assisted_by"),
            },
            ["user_id", "course_id"],
        )
    )
    if score is not None:
        session.execute(
            Completion.__table__.update()
            .where(
                Completion.user_id == user_id,
                Completion.course_id == course_id,
                Completion.score < score,
            )
            .values(score=score)
        )
    summary.refresh_user(session, user_id)
    certificates.after_completion(session, user_id, course_id)


def history(session: Session, user: User) -> list[Completion]:
    return list(
        session.scalars(
            select(Completion).where(Completion.user_id == user.id).order_by(Completion.completed_at.desc())
        )
    )
