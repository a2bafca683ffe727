"""The class progress matrix: pupils x assigned courses, in a constant number of queries.

Built for a viewer: outside the pupils' school (a unit or city admin), a pupil without a
guardian's consent is a row like any other, counted in every figure, under the name
"Học sinh chưa có đồng ý" (lms.people.consent), after the named ones."""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import Session, joinedload

from lms.learning.progress import active_lessons_count
from lms.models import (
    Assignment,
    AttemptAnswer,
    Classroom,
    Completion,
    Enrollment,
    Lesson,
    LessonProgress,
    Question,
    QuizAttempt,
    QuizVersion,
    User,
)
from lms.models.base import today_in_vietnam
from lms.people.consent import consented_pupil_ids, display_name, sees_every_name


@dataclass
class Cell:
    lessons_done: int
    lessons_total: int
    completed_at: datetime | None = None
    score: float | None = None
    overdue: bool = False
    failed_attempts: int = 0

    @property
    def status(self) -> str:
        if self.completed_at is not None:
            return "completed"
        return "in_progress" if self.lessons_done else "not_started"


@dataclass(frozen=True)
class UnnamedPupil:
    """A pupil's row as a viewer without the right to their name sees it: the id (which the
    cells are keyed by) and the name shown instead."""

    id: int
    full_name: str


@dataclass
class Matrix:
    classroom: Classroom
    pupils: list[User | UnnamedPupil]
    assignments: list[Assignment]
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)

    def cell(self, pupil: User, assignment: Assignment) -> Cell:
        return self.cells[(pupil.id, assignment.course_id)]

    def completed_count(self, assignment: Assignment) -> int:
        return sum(1 for p in self.pupils if self.cell(p, assignment).status == "completed")

    def unfinished(self, assignment: Assignment) -> list[User]:
        """The pupils who have not completed this course, in class order."""
        return [p for p in self.pupils if self.cell(p, assignment).completed_at is None]

    def overdue(self) -> list[tuple[Assignment, int]]:
        """(assignment past its due date, how many pupils have not finished it)."""
        out = []
        for a in self.assignments:
            late = sum(1 for p in self.pupils if self.cell(p, a).overdue)
            if late:
                out.append((a, late))
        return out

    def needs_help_groups(self) -> list[tuple[list[Assignment], list[Assignment], list[User]]]:
        """needs_help() by problem: (failed, late, the pupils with exactly those), failed quizzes
        first, then the most pupils. One line per problem stays short on a phone."""
        groups: dict[tuple, tuple[list, list, list]] = {}
        for pupil, failed, late in self.needs_help():
            key = (tuple(a.id for a in failed), tuple(a.id for a in late))
            groups.setdefault(key, (failed, late, []))[2].append(pupil)
        return sorted(groups.values(), key=lambda g: (not g[0], -len(g[2])))

    def finished_all(self) -> int:
        """Pupils who have completed every assigned course."""
        return sum(
            1
            for p in self.pupils
            if all(self.cell(p, a).completed_at is not None for a in self.assignments)
        )

    def needs_help(self) -> list[tuple[User, list[Assignment], list[Assignment]]]:
        """(pupil, courses whose quiz they failed twice or more, courses they are late with)."""
        out = []
        for pupil in self.pupils:
            failed, late = [], []
            for a in self.assignments:
                cell = self.cells[(pupil.id, a.course_id)]
                if cell.failed_attempts >= 2 and cell.completed_at is None:
                    failed.append(a)
                if cell.overdue:
                    late.append(a)
            if failed or late:
                out.append((pupil, failed, late))
        return out


def class_pupils(session: Session, classroom_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(Enrollment, Enrollment.pupil_id == User.id)
            .where(Enrollment.classroom_id == classroom_id, Enrollment.ended_on.is_(None))
            .order_by(User.name_key, User.id)
        )
    )


def class_assignments(session: Session, classroom_id: int) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .options(joinedload(Assignment.course))
            .where(Assignment.classroom_id == classroom_id, Assignment.withdrawn_at.is_(None))
            .order_by(Assignment.due_on.is_(None), Assignment.due_on, Assignment.id)
        )
    )


def shown_pupils(session: Session, pupils: list[User], viewer) -> list[User | UnnamedPupil]:
    """The pupils as this viewer may see them: the named first, in class order."""
    if viewer is None or sees_every_name(viewer):
        return pupils
    consented = consented_pupil_ids(session, [p.id for p in pupils])
    named = [p for p in pupils if p.id in consented]
    unnamed = [UnnamedPupil(p.id, display_name(viewer, p, False)) for p in pupils if p.id not in consented]
    return named + unnamed


def build_matrix(
    session: Session, classroom: Classroom, today: date | None = None, *, viewer=None
) -> Matrix:
    """viewer: who will see it (None: no one but the code, e.g. a command)."""
    today = today or today_in_vietnam()
    pupils = shown_pupils(session, class_pupils(session, classroom.id), viewer)
    assignments = class_assignments(session, classroom.id)
    matrix = Matrix(classroom, pupils, assignments)
    if not pupils or not assignments:
        for p in pupils:
            for a in assignments:
                matrix.cells[(p.id, a.course_id)] = Cell(0, 0)
        return matrix
    course_ids = sorted({a.course_id for a in assignments})
    pupil_ids = [p.id for p in pupils]
    counts = active_lessons_count()
    totals = dict(
        session.execute(
            select(counts.c.course_id, counts.c.n).where(counts.c.course_id.in_(course_ids))
        ).all()
    )
    done = {
        (u, c): n
        for u, c, n in session.execute(
            select(LessonProgress.user_id, LessonProgress.course_id, func.count())
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(
                LessonProgress.user_id.in_(pupil_ids),
                LessonProgress.course_id.in_(course_ids),
                Lesson.retired_at.is_(None),
            )
            .group_by(LessonProgress.user_id, LessonProgress.course_id)
        )
    }
    completions = {
        (u, c): (at, score)
        for u, c, at, score in session.execute(
            select(Completion.user_id, Completion.course_id, Completion.completed_at, Completion.score).where(
                Completion.user_id.in_(pupil_ids), Completion.course_id.in_(course_ids)
            )
        )
    }
    failures = {
        (u, c): n
        for u, c, n in session.execute(
            select(QuizAttempt.user_id, QuizAttempt.course_id, func.count())
            .where(
                QuizAttempt.user_id.in_(pupil_ids),
                QuizAttempt.course_id.in_(course_ids),
                QuizAttempt.status == "graded",
                QuizAttempt.passed.is_(False),
            )
            .group_by(QuizAttempt.user_id, QuizAttempt.course_id)
        )
    }
    # Plain values first: the double loop below runs pupils x courses times.
    columns = [
        (a.course_id, totals.get(a.course_id, 0), a.due_on is not None and a.due_on < today)
        for a in assignments
    ]
    cells = matrix.cells
    nothing = (None, None)
    for pupil_id in pupil_ids:
        for course_id, total, past_due in columns:
            key = (pupil_id, course_id)
            at, score = completions.get(key, nothing)
            cells[key] = Cell(
                min(done.get(key, 0), total),
                total,
                at,
                score,
                past_due and at is None,
                failures.get(key, 0),
            )
    return matrix


@dataclass
class DifficultQuestion:
    course_title: str
    prompt_html: str
    answered: int
    wrong: int

    @property
    def wrong_percent(self) -> int:
        return round(100 * self.wrong / self.answered) if self.answered else 0


def difficult_questions(
    session: Session, classroom: Classroom, limit: int = 10, min_answers: int = 3
) -> list[DifficultQuestion]:
    """Questions that most of the pupils who answered them got wrong at least once."""
    from lms.models import Course

    pupils = func.count(distinct(QuizAttempt.user_id))
    wrong = func.count(distinct(QuizAttempt.user_id)).filter(AttemptAnswer.is_correct.is_(False))
    rows = session.execute(
        select(Course.title, Question.prompt_html, pupils, wrong)
        .select_from(AttemptAnswer)
        .join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
        .join(
            Enrollment,
            and_(
                Enrollment.pupil_id == QuizAttempt.user_id,
                Enrollment.classroom_id == classroom.id,
                Enrollment.ended_on.is_(None),
            ),
        )
        .join(Question, Question.id == AttemptAnswer.question_id)
        .join(QuizVersion, QuizVersion.id == Question.quiz_version_id)
        .join(Course, Course.id == QuizVersion.course_id)
        .group_by(Question.id, Course.title, Question.prompt_html)
        .having(pupils >= min_answers)
        .having(wrong * 2 > pupils)
        .order_by((wrong * 1.0 / pupils).desc())
        .limit(limit)
    ).all()
    return [DifficultQuestion(*row) for row in rows]
