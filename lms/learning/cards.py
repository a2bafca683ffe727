"""Course cards: a learner's courses with how far they are, for the pupil's home page and the
parent's page (the parent's own courses and each child's assignments)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, contains_eager

from lms.learning import deadlines
from lms.learning.progress import active_lessons_count, courses_for_tier
from lms.models import (
    Assignment,
    Completion,
    Course,
    Enrollment,
    Lesson,
    LessonProgress,
    QuizVersion,
    User,
)
from lms.models.base import today_in_vietnam


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
    def status(self) -> str:
        if self.completion is not None:
            return "completed"
        if self.lessons_done:
            return "in_progress"
        return "not_started"


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
