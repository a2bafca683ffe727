"""A learner's progress through courses. Plain functions over the database session."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import Session, contains_eager

from lms.campaign import summary
from lms.learning import deadlines
from lms.models import (
    Assignment,
    Completion,
    Course,
    CourseAudience,
    Enrollment,
    Lesson,
    LessonProgress,
    QuizAttempt,
    QuizVersion,
    User,
)
from lms.models.base import today_in_vietnam, utcnow
from lms.upsert import insert_ignore


@dataclass
class CourseCard:
    course: Course
    lessons_total: int
    lessons_done: int
    completion: Completion | None = None
    due_on: date | None = None
    assignment_note: str = ""
    has_quiz: bool = False
    due_state: str | None = None  # lms.learning.deadlines.due_state

    @property
    def quiz_pending(self) -> bool:
        """Every lesson read, the quiz not passed yet: not done, though the lessons say 4/4."""
        return self.has_quiz and self.completion is None and self.lessons_done >= self.lessons_total

    @property
    def status(self) -> str:
        if self.completion is not None:
            return "completed"
        if self.lessons_done:
            return "in_progress"
        return "not_started"


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

    @property
    def quiz_pending(self) -> bool:
        return self.quiz is not None and self.completion is None and self.all_lessons_done

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


def assignments_for_pupil(session: Session, user: User) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .join(
                Enrollment,
                and_(
                    Enrollment.classroom_id == Assignment.classroom_id,
                    Enrollment.ended_on.is_(None),
                ),
            )
            .join(Course, Course.id == Assignment.course_id)
            .options(contains_eager(Assignment.course))
            .where(
                Enrollment.pupil_id == user.id,
                Assignment.withdrawn_at.is_(None),
                Course.retired_at.is_(None),
            )
            .order_by(Assignment.due_on.is_(None), Assignment.due_on)
        )
    )


def course_cards(session: Session, user: User, courses: list[Course]) -> list[CourseCard]:
    """Progress for many courses in a constant number of queries."""
    if not courses:
        return []
    ids = [c.id for c in courses]
    counts = active_lessons_count()
    totals = dict(
        session.execute(select(counts.c.course_id, counts.c.n).where(counts.c.course_id.in_(ids))).all()
    )
    done = dict(
        session.execute(
            select(LessonProgress.course_id, func.count())
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(
                LessonProgress.user_id == user.id,
                LessonProgress.course_id.in_(ids),
                Lesson.retired_at.is_(None),
            )
            .group_by(LessonProgress.course_id)
        ).all()
    )
    completions = {
        c.course_id: c
        for c in session.scalars(
            select(Completion).where(Completion.user_id == user.id, Completion.course_id.in_(ids))
        )
    }
    with_quiz = set(
        session.scalars(
            select(QuizVersion.course_id).where(
                QuizVersion.course_id.in_(ids), QuizVersion.retired_at.is_(None)
            )
        )
    )
    return [
        CourseCard(
            course=c,
            lessons_total=totals.get(c.id, 0),
            lessons_done=done.get(c.id, 0),
            completion=completions.get(c.id),
            has_quiz=c.id in with_quiz,
        )
        for c in courses
    ]


def home_cards(session: Session, user: User) -> tuple[list[CourseCard], list[CourseCard]]:
    """(assigned courses by due date, the rest of the tier: in progress, not started, done)."""
    courses = courses_for_tier(session, user.tier) if user.tier else []
    assignments = assignments_for_pupil(session, user) if user.role == "pupil" else []
    assigned_ids = []
    for a in assignments:
        if a.course_id not in assigned_ids and a.course.retired_at is None:
            assigned_ids.append(a.course_id)
    by_id = {c.id: c for c in courses}
    for a in assignments:
        by_id.setdefault(a.course_id, a.course)
    cards = {card.course.id: card for card in course_cards(session, user, list(by_id.values()))}
    assigned = []
    today = today_in_vietnam()
    for a in assignments:
        card = cards.get(a.course_id)
        if card and card.due_on is None and card not in assigned:
            card.due_on, card.assignment_note = a.due_on, a.note
            card.due_state = deadlines.due_state(a.due_on, card.completion is not None, today)
            assigned.append(card)
    order = {"in_progress": 0, "not_started": 1, "completed": 2}
    rest = sorted(
        (card for cid, card in cards.items() if cid not in assigned_ids),
        key=lambda card: (order[card.status], not card.course.required, card.course.title),
    )
    return assigned, rest


# The course (if live) and whether it is for the learner's tier: the course page, lesson done,
# starting the quiz.
COURSE_FOR_TIER = select(
    Course,
    select(CourseAudience.course_id)
    .where(CourseAudience.course_id == Course.id, CourseAudience.audience == bindparam("tier"))
    .exists(),
).where(Course.slug == bindparam("slug"), Course.retired_at.is_(None))

def may_take(user: User, course: Course) -> bool:
    return user.tier is not None and user.tier in course.audience_codes


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
    """Insert the completion once; a later, better score raises the stored one."""
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


def history(session: Session, user: User) -> list[Completion]:
    return list(
        session.scalars(
            select(Completion).where(Completion.user_id == user.id).order_by(Completion.completed_at.desc())
        )
    )
