"""Course cards: a learner's courses with how far they are, for the pupil's home page and the
parent's page (the parent's own courses and each child's assignments)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from lms.learning import deadlines
from lms.models import (
    Assignment,
    Completion,
    Course,
    CourseAudience,
    Enrollment,
    Lesson,
    LessonProgress,
    QuizVersion,
    User,
)
from lms.models.base import today_in_vietnam


@dataclass(frozen=True)
class CardCourse:
    """What a card shows of its course."""

    id: int
    slug: str
    title: str
    required: bool
    minutes: int


@dataclass(frozen=True)
class CourseCard:
    """Everything a card shows, as plain values."""

    course: CardCourse
    lessons_total: int
    lessons_done: int
    completed: bool = False  # when, the card does not show: cards of a class stay alike
    due_on: date | None = None
    assignment_note: str = ""
    has_quiz: bool = False
    due_state: str | None = None  # lms.learning.deadlines.due_state

    @property
    def status(self) -> str:
        if self.completed:
            return "completed"
        if self.lessons_done:
            return "in_progress"
        return "not_started"


# Built once (compiled once) and read as plain rows: the home page is the learner's first
# page after signing in and every "back home".
_ASSIGNED = (
    select(Assignment.course_id, Assignment.due_on, Assignment.note)
    .join(
        Enrollment,
        and_(Enrollment.classroom_id == Assignment.classroom_id, Enrollment.ended_on.is_(None)),
    )
    .join(Course, Course.id == Assignment.course_id)
    .where(
        Enrollment.pupil_id == bindparam("user"),
        Assignment.withdrawn_at.is_(None),
        Course.retired_at.is_(None),
    )
    .order_by(Assignment.due_on.is_(None), Assignment.due_on)
)

# The live courses of the learner's tier and those assigned to them, each with its lessons,
# the learner's lessons done (live lessons only), completion and whether it has a live quiz.
_CARDS = (
    select(
        Course.id,
        Course.slug,
        Course.title,
        Course.required,
        Course.minutes,
        select(func.count())
        .where(Lesson.course_id == Course.id, Lesson.retired_at.is_(None))
        .scalar_subquery(),
        select(func.count())
        .select_from(LessonProgress)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(
            LessonProgress.user_id == bindparam("user"),
            LessonProgress.course_id == Course.id,
            Lesson.retired_at.is_(None),
        )
        .scalar_subquery(),
        exists().where(Completion.user_id == bindparam("user"), Completion.course_id == Course.id),
        exists().where(QuizVersion.course_id == Course.id, QuizVersion.retired_at.is_(None)),
    )
    .where(
        Course.retired_at.is_(None),
        or_(
            exists().where(
                CourseAudience.course_id == Course.id, CourseAudience.audience == bindparam("tier")
            ),
            Course.id.in_(bindparam("assigned", expanding=True)),
        ),
    )
    .order_by(Course.required.desc(), Course.title)
)


def home_cards(session: Session, user: User) -> tuple[list[CourseCard], list[CourseCard]]:
    """(assigned courses by due date, the rest of the tier: in progress, not started, done).
    Two statements whatever the number of courses."""
    connection = session.connection()
    assignments = connection.execute(_ASSIGNED, {"user": user.id}).all() if user.role == "pupil" else []
    # A course assigned twice (two classes) shows once, with the earliest due date.
    due: dict[int, tuple] = {}
    for course_id, due_on, note in assignments:
        due.setdefault(course_id, (due_on, note))
    rows = connection.execute(_CARDS, {"user": user.id, "tier": user.tier, "assigned": list(due)})
    today = today_in_vietnam()
    cards = {}
    for course_id, slug, title, required, minutes, total, done, completed, has_quiz in rows:
        due_on, note = due.get(course_id, (None, ""))
        cards[course_id] = CourseCard(
            course=CardCourse(course_id, slug, title, required, minutes),
            lessons_total=total,
            lessons_done=done,
            completed=completed,
            due_on=due_on,
            assignment_note=note,
            has_quiz=has_quiz,
            due_state=deadlines.due_state(due_on, completed, today) if course_id in due else None,
        )
    assigned = [cards[course_id] for course_id in due if course_id in cards]
    order = {"in_progress": 0, "not_started": 1, "completed": 2}
    rest = sorted(
        (card for course_id, card in cards.items() if course_id not in due),
        key=lambda card: (order[card.status], not card.course.required, card.course.title),
    )
    return assigned, rest
