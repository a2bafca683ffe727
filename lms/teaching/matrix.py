"""The class progress matrix: pupils x assigned courses, in a constant number of queries.

Built for a viewer: outside the pupils' school (a unit or city admin), a pupil without a
guardian's consent is a row like any other, counted in every figure, under the name
"Học sinh chưa có đồng ý" (lms.people.consent), after the named ones."""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, distinct, func, null, select, union_all
from sqlalchemy.orm import Session

from lms.models import (
    Assignment,
    AttemptAnswer,
    Classroom,
    Completion,
    Course,
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
class Pupil:
    """A pupil's row: the id (which the cells are keyed by) and the name shown (for a viewer
    without the right to the pupil's name: "Học sinh chưa có đồng ý")."""

    id: int
    full_name: str


@dataclass(frozen=True)
class ColumnCourse:
    id: int
    slug: str
    title: str
    retired_at: datetime | None


@dataclass(frozen=True)
class Column:
    """An assignment as the matrix shows it (plain values, not the ORM entity)."""

    id: int
    course_id: int
    teacher_id: int
    due_on: date | None
    note: str
    course: ColumnCourse


@dataclass
class Matrix:
    """Cells are kept as plain tuples and made into Cell objects only when asked for: a page
    shows a few columns of a matrix whose every cell counts in its summaries. The summaries
    (completed, late, finished all, needs help) are counted once, while the cells are built."""

    classroom: Classroom
    pupils: list[Pupil]
    assignments: list[Column]
    values: dict[tuple[int, int], tuple] = field(default_factory=dict)
    completed: dict[int, int] = field(default_factory=dict)  # assignment id -> pupils
    late: dict[int, int] = field(default_factory=dict)  # assignment id -> pupils
    finished: int = 0  # pupils who completed every assigned course
    helped: list[tuple[Pupil, list[Column], list[Column]]] = field(default_factory=list)

    def cell(self, pupil: Pupil, assignment: Column) -> Cell:
        return Cell(*self.values[(pupil.id, assignment.course_id)])

    def completed_count(self, assignment: Column) -> int:
        return self.completed.get(assignment.id, 0)

    def unfinished(self, assignment: Column) -> list[Pupil]:
        """The pupils who have not completed this course, in class order."""
        course_id = assignment.course_id
        return [p for p in self.pupils if self.values[(p.id, course_id)][2] is None]

    def overdue(self) -> list[tuple[Column, int]]:
        """(assignment past its due date, how many pupils have not finished it)."""
        return [(a, self.late[a.id]) for a in self.assignments if self.late.get(a.id)]

    def needs_help_groups(self) -> list[tuple[list[Column], list[Column], list[Pupil]]]:
        """needs_help() by problem: (failed, late, the pupils with exactly those), failed quizzes
        first, then the most pupils. One line per problem stays short on a phone."""
        groups: dict[tuple, tuple[list, list, list]] = {}
        for pupil, failed, late in self.needs_help():
            key = (tuple(a.id for a in failed), tuple(a.id for a in late))
            groups.setdefault(key, (failed, late, []))[2].append(pupil)
        return sorted(groups.values(), key=lambda g: (not g[0], -len(g[2])))

    def finished_all(self) -> int:
        """Pupils who have completed every assigned course."""
        return self.finished

    def needs_help(self) -> list[tuple[Pupil, list[Column], list[Column]]]:
        """(pupil, courses whose quiz they failed twice or more, courses they are late with)."""
        return self.helped


_PUPILS = (
    select(User.id, User.full_name)
    .join(Enrollment, Enrollment.pupil_id == User.id)
    .where(Enrollment.classroom_id == bindparam("room"), Enrollment.ended_on.is_(None))
    .order_by(User.name_key, User.id)
)

_COLUMNS = (
    select(
        Assignment.id,
        Assignment.course_id,
        Assignment.teacher_id,
        Assignment.due_on,
        Assignment.note,
        Course.slug,
        Course.title,
        Course.retired_at,
    )
    .join(Course, Course.id == Assignment.course_id)
    .where(Assignment.classroom_id == bindparam("room"), Assignment.withdrawn_at.is_(None))
    .order_by(Assignment.due_on.is_(None), Assignment.due_on, Assignment.id)
)


def class_pupils(session: Session, classroom_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(Enrollment, Enrollment.pupil_id == User.id)
            .where(Enrollment.classroom_id == classroom_id, Enrollment.ended_on.is_(None))
            .order_by(User.name_key, User.id)
        )
    )


def class_columns(session: Session, classroom_id: int) -> list[Column]:
    """The class's live assignments, by due date (none last), as plain values."""
    return [
        Column(id_, course_id, teacher_id, due_on, note, ColumnCourse(course_id, slug, title, retired))
        for id_, course_id, teacher_id, due_on, note, slug, title, retired in session.execute(
            _COLUMNS, {"room": classroom_id}
        )
    ]


def shown_pupils(session: Session, pupils: list[Pupil], viewer) -> list[Pupil]:
    """The pupils as this viewer may see them: the named first, in class order."""
    if viewer is None or sees_every_name(viewer):
        return pupils
    consented = consented_pupil_ids(session, [p.id for p in pupils])
    named = [p for p in pupils if p.id in consented]
    unnamed = [Pupil(p.id, display_name(viewer, p, False)) for p in pupils if p.id not in consented]
    return named + unnamed


def build_matrix(
    session: Session,
    classroom: Classroom,
    today: date | None = None,
    *,
    viewer=None,
    assignments: list[Column] | None = None,
    shown: list[Column] | None = None,
) -> Matrix:
    """viewer: who will see it (None: no one but the code, e.g. a command). assignments: the
    class's, if already read (class_columns). shown: the assignments whose cells will be read
    (default: all); the class page shows a few at a time, and lessons done are counted only
    for those. The summaries count every pupil and assignment either way."""
    today = today or today_in_vietnam()
    pupils = [Pupil(id_, name) for id_, name in session.execute(_PUPILS, {"room": classroom.id})]
    pupils = shown_pupils(session, pupils, viewer)
    if assignments is None:
        assignments = class_columns(session, classroom.id)
    matrix = Matrix(classroom, pupils, assignments)
    if not pupils or not assignments:
        return matrix
    detail = {a.course_id for a in (assignments if shown is None else shown)}
    pupil_ids = [p.id for p in pupils]
    totals, done, completions, failures = _progress(
        session, pupil_ids, sorted({a.course_id for a in assignments}), sorted(detail)
    )
    # Plain values first: the double loop below runs pupils x courses times.
    columns = [
        (
            a,
            a.id,
            a.course_id,
            totals.get(a.course_id, 0),
            a.due_on is not None and a.due_on < today,
            a.course_id in detail,
        )
        for a in assignments
    ]
    values, completed, late, helped = matrix.values, matrix.completed, matrix.late, matrix.helped
    for a in assignments:
        completed[a.id] = late[a.id] = 0
    nothing = (None, None)
    finished = 0
    for pupil in pupils:
        pupil_id = pupil.id
        failed_here, late_here, all_done = [], [], True
        for a, assignment_id, course_id, total, past_due, wanted in columns:
            key = (pupil_id, course_id)
            at, score = completions.get(key, nothing)
            failed = failures.get(key, 0)
            if at is None:
                all_done = False
                if failed >= 2:
                    failed_here.append(a)
                if past_due:
                    late_here.append(a)
                    late[assignment_id] += 1
            else:
                completed[assignment_id] += 1
            if wanted:
                lessons = done.get(key, 0)
                values[key] = (min(lessons, total), total, at, score, past_due and at is None, failed)
        finished += all_done
        if failed_here or late_here:
            helped.append((pupil, failed_here, late_here))
    matrix.finished = finished
    return matrix


# Built once (compiled once); run on the session's connection as plain rows. The IN lists
# are the class's pupils and the assigned courses (or the courses whose cells are shown).
_PUPIL_IDS = bindparam("pupils", expanding=True)
_COURSE_IDS = bindparam("courses", expanding=True)
_SHOWN_IDS = bindparam("shown", expanding=True)
_LESSONS = union_all(
    # Lessons per course (no pupil), then lessons done per pupil and course.
    select(null().label("user_id"), Lesson.course_id, func.count())
    .where(Lesson.course_id.in_(_SHOWN_IDS), Lesson.retired_at.is_(None))
    .group_by(Lesson.course_id),
    select(LessonProgress.user_id, LessonProgress.course_id, func.count())
    .join(Lesson, Lesson.id == LessonProgress.lesson_id)
    .where(
        LessonProgress.user_id.in_(_PUPIL_IDS),
        LessonProgress.course_id.in_(_SHOWN_IDS),
        Lesson.retired_at.is_(None),
    )
    .group_by(LessonProgress.user_id, LessonProgress.course_id),
)
_COMPLETIONS = select(
    Completion.user_id, Completion.course_id, Completion.completed_at, Completion.score
).where(Completion.user_id.in_(_PUPIL_IDS), Completion.course_id.in_(_COURSE_IDS))
_FAILURES = (
    select(QuizAttempt.user_id, QuizAttempt.course_id, func.count())
    .where(
        QuizAttempt.user_id.in_(_PUPIL_IDS),
        QuizAttempt.course_id.in_(_COURSE_IDS),
        QuizAttempt.status == "graded",
        QuizAttempt.passed.is_(False),
    )
    .group_by(QuizAttempt.user_id, QuizAttempt.course_id)
)


def _progress(
    session: Session, pupil_ids: list[int], course_ids: list[int], detail: list[int]
) -> tuple[dict, ...]:
    """(lessons per course, lessons done, (completed at, score), failed graded attempts), the
    last three by (pupil, course); lessons (total and done) only for the `detail` courses."""
    connection = session.connection()
    ids = {"pupils": pupil_ids, "courses": course_ids, "shown": detail}
    totals, done = {}, {}
    for user_id, course_id, n in connection.execute(_LESSONS, ids):
        if user_id is None:
            totals[course_id] = n
        else:
            done[(user_id, course_id)] = n
    completions = {(u, c): (at, score) for u, c, at, score in connection.execute(_COMPLETIONS, ids)}
    failures = {(u, c): n for u, c, n in connection.execute(_FAILURES, ids)}
    return totals, done, completions, failures


@dataclass
class DifficultQuestion:
    course_title: str
    prompt_html: str
    answered: int
    wrong: int

    @property
    def wrong_percent(self) -> int:
        return round(100 * self.wrong / self.answered) if self.answered else 0


def _difficult_statement():
    """Counted per question first, then joined to the question's text and course: joining the
    text to every answer before grouping cost more than the counting."""
    pupils = func.count(distinct(QuizAttempt.user_id))
    wrong = func.count(distinct(QuizAttempt.user_id)).filter(AttemptAnswer.is_correct.is_(False))
    per_question = (
        select(AttemptAnswer.question_id, pupils.label("answered"), wrong.label("wrong"))
        .select_from(Enrollment)
        .join(QuizAttempt, QuizAttempt.user_id == Enrollment.pupil_id)
        .join(AttemptAnswer, AttemptAnswer.attempt_id == QuizAttempt.id)
        .where(Enrollment.classroom_id == bindparam("room"), Enrollment.ended_on.is_(None))
        .group_by(AttemptAnswer.question_id)
        .having(pupils >= bindparam("min_answers"))
        .having(wrong * 2 > pupils)
        .subquery()
    )
    return (
        select(Course.title, Question.prompt_html, per_question.c.answered, per_question.c.wrong)
        .select_from(per_question)
        .join(Question, Question.id == per_question.c.question_id)
        .join(QuizVersion, QuizVersion.id == Question.quiz_version_id)
        .join(Course, Course.id == QuizVersion.course_id)
        .order_by((per_question.c.wrong * 1.0 / per_question.c.answered).desc(), per_question.c.question_id)
        .limit(bindparam("limit"))
    )


_DIFFICULT = _difficult_statement()


def difficult_questions(
    session: Session, classroom: Classroom, limit: int = 10, min_answers: int = 3
) -> list[DifficultQuestion]:
    """Questions that most of the pupils who answered them got wrong at least once."""
    rows = session.execute(_DIFFICULT, {"room": classroom.id, "min_answers": min_answers, "limit": limit})
    return [DifficultQuestion(*row) for row in rows]
