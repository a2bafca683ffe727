"""Quiz attempts, following Moodle's checks: owned, graded once (compare-and-set), stale-safe.

Two more of Moodle's habits: an attempt with unanswered questions is graded only once the
learner confirms (the route asks; nothing is stored until then, so the one-open-attempt and
graded-once rules are untouched), and the review after a failed attempt shows right and wrong
but not the right options, until the learner passes this quiz version or has made
`reveal_after` graded attempts on it (quiz.md; Moodle's "review options" per attempt state).
"""

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.learning.progress import CourseState, record_completion
from lms.models import AttemptAnswer, Question, QuizAttempt, User
from lms.models.base import utcnow


class AttemptError(Exception):
    """Why an attempt cannot be taken or submitted, in words for the learner."""


@dataclass
class GradedQuestion:
    question: Question
    chosen: set[int]
    correct: bool

    @property
    def right_options(self) -> set[int]:
        return {o.id for o in self.question.options if o.is_correct}


def start_attempt(session: Session, user: User, state: CourseState) -> QuizAttempt:
    """Open an attempt on the current quiz; an already open one is reused (double taps)."""
    if state.quiz is None:
        raise AttemptError("no_quiz")
    if not state.all_lessons_done:
        raise AttemptError("lessons_first")
    if state.open_attempt_id is not None:
        return session.get(QuizAttempt, state.open_attempt_id)
    attempt = QuizAttempt(
        user_id=user.id, course_id=state.course.id, quiz_version_id=state.quiz.id, status="open"
    )
    session.add(attempt)
    try:
        session.commit()
    except IntegrityError:  # the same tap arrived twice at once: use the attempt it opened
        session.rollback()
        attempt = session.scalar(
            select(QuizAttempt).where(
                QuizAttempt.user_id == user.id,
                QuizAttempt.quiz_version_id == state.quiz.id,
                QuizAttempt.status == "open",
            )
        )
        if attempt is None:
            raise
    return attempt


def load_questions(session: Session, quiz_version_id: int) -> list[Question]:
    return list(
        session.scalars(
            select(Question).where(Question.quiz_version_id == quiz_version_id).order_by(Question.position)
        )
    )


def unanswered(questions: list[Question], answers: dict[int, set[int]]) -> list[int]:
    """Positions (1, 2, ...) of the questions with no option of theirs chosen."""
    return [
        position
        for position, q in enumerate(questions, start=1)
        if not answers.get(q.id, set()) & {o.id for o in q.options}
    ]


def grade(questions: list[Question], answers: dict[int, set[int]]) -> list[GradedQuestion]:
    graded = []
    for q in questions:
        chosen = answers.get(q.id, set()) & {o.id for o in q.options}
        right = {o.id for o in q.options if o.is_correct}
        graded.append(GradedQuestion(q, chosen, chosen == right))
    return graded


def submit_attempt(
    session: Session, user: User, attempt: QuizAttempt, answers: dict[int, set[int]], questions=None
) -> bool:
    """Grade the attempt once. Returns False when it was already graded (a repeated post).
    `questions`: the version's questions when the caller has loaded them already."""
    if attempt.user_id != user.id:
        raise AttemptError("foreign")
    if attempt.quiz_version.retired_at is not None and attempt.status == "open":
        raise AttemptError("stale")
    if questions is None:
        questions = load_questions(session, attempt.quiz_version_id)
    graded = grade(questions, answers)
    correct = sum(g.correct for g in graded)
    score = round(100 * correct / len(graded), 2) if graded else 0.0
    passed = score >= attempt.quiz_version.pass_score
    claimed = session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == "open")
        .values(
            status="graded",
            submitted_at=utcnow(),
            correct_count=correct,
            question_count=len(graded),
            score=score,
            passed=passed,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        session.rollback()
        return False
    session.add_all(
        AttemptAnswer(
            attempt_id=attempt.id,
            question_id=g.question.id,
            chosen=",".join(str(i) for i in sorted(g.chosen)),
            is_correct=g.correct,
        )
        for g in graded
    )
    if passed:
        record_completion(session, user.id, attempt.course_id, score=score, attempt_id=attempt.id)
    session.commit()
    return True


def graded_answers(session: Session, attempt: QuizAttempt) -> list[GradedQuestion]:
    questions = load_questions(session, attempt.quiz_version_id)
    stored = {
        a.question_id: a
        for a in session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))
    }
    out = []
    for q in questions:
        answer = stored.get(q.id)
        chosen = {int(x) for x in answer.chosen.split(",") if x} if answer else set()
        out.append(GradedQuestion(q, chosen, bool(answer and answer.is_correct)))
    return out


def reveals_key(session: Session, attempt: QuizAttempt) -> bool:
    """May this graded attempt's review show the right options? Once the learner has passed this
    quiz version, or made its `reveal_after` graded attempts; never before."""
    if attempt.passed:
        return True
    made, passed = session.execute(
        select(func.count(), func.count().filter(QuizAttempt.passed.is_(True))).where(
            QuizAttempt.user_id == attempt.user_id,
            QuizAttempt.quiz_version_id == attempt.quiz_version_id,
            QuizAttempt.status == "graded",
        )
    ).one()
    return passed > 0 or made >= attempt.quiz_version.reveal_after
