"""The learner's journey: home, course, lessons in order, quiz, history."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user
from sqlalchemy import select

from lms import shared_pages
from lms.access import learner_required, login_required
from lms.extensions import db
from lms.learning import cards, deadlines, lesson_page, progress, quiz, shared_cards
from lms.models import Course, Lesson, QuizAttempt
from lms.models.base import today_in_vietnam

bp = Blueprint("learning", __name__)


def speaks_to_child() -> bool:
    """Primary pupils are spoken to as "em" (the "child" context of the translations), everyone
    else keeps the adult wording ("bạn"). The tier decides, not the role."""
    return current_user.is_authenticated and current_user.tier == "primary"


@bp.context_processor
def wording() -> dict:
    # Templates write `pgettext("child", s) if child else _(s)` where the Vietnamese says "you".
    return {"child": speaks_to_child()}


def load_course(slug: str) -> Course:
    """The course (404 if unknown or retired), if it is for this learner's tier (else 403)."""
    row = db.session.execute(progress.COURSE_FOR_TIER, {"slug": slug, "tier": current_user.tier}).first()
    if row is None:
        abort(404)
    if not row[1]:
        abort(403)
    return row[0]


def load_lesson(course: Course, lesson_slug: str) -> Lesson:
    lesson = db.session.scalar(
        select(Lesson).where(
            Lesson.course_id == course.id, Lesson.slug == lesson_slug, Lesson.retired_at.is_(None)
        )
    )
    if lesson is None:
        abort(404)
    return lesson


def load_attempt(attempt_id: int) -> QuizAttempt:
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None:
        abort(404)
    if attempt.user_id != current_user.id:
        abort(403)
    return attempt


@bp.get("/home")
@login_required
def home():
    if not current_user.is_learner:
        return render_template("learning/no_courses.html")
    assigned, others = cards.home_cards(db.session, current_user)
    return render_template(
        "learning/home.html",
        assigned=shared_cards.course_cards(assigned),
        others=shared_cards.course_cards(others),
    )


@bp.get("/courses/<slug>/")
@learner_required
def course(slug: str):
    course = load_course(slug)
    state = progress.course_state(db.session, current_user, course)
    due = deadlines.due_for(
        db.session, current_user, course.id, state.completion is not None, today_in_vietnam()
    )
    return render_template("learning/course.html", course=course, state=state, due=due)


@bp.get("/courses/<slug>/lessons/<lesson_slug>")
@learner_required
def lesson(slug: str, lesson_slug: str):
    page = lesson_page.lesson_page(db.session, current_user, slug, lesson_slug)
    if page is None:
        abort(404)
    if not page.for_tier:
        abort(403)
    state = page.state
    lesson = next((line for line in state.lessons if line.slug == lesson_slug), None)
    if lesson is None:
        abort(404)
    if not state.may_open(lesson):
        flash(_("Finish the lessons before this one first."), "error")
        return redirect(url_for(".lesson", slug=slug, lesson_slug=state.next_lesson.slug))
    return shared_pages.render("learning/lesson.html", lesson_page.lesson_view(state, lesson))


@bp.post("/courses/<slug>/lessons/<lesson_slug>/done")
@learner_required
def lesson_done(slug: str, lesson_slug: str):
    course = load_course(slug)
    lesson = load_lesson(course, lesson_slug)
    state = progress.course_state(db.session, current_user, course)
    if not progress.mark_lesson_done(db.session, current_user, state, lesson):
        flash(_("Finish the lessons before this one first."), "error")
        return redirect(url_for(".course", slug=slug))
    upcoming = state.next_lesson
    if upcoming is not None:
        return redirect(url_for(".lesson", slug=slug, lesson_slug=upcoming.slug))
    if state.quiz is not None and state.completion is None:
        if speaks_to_child():
            flash(pgettext("child", "All lessons done. You can take the quiz now."), "success")
        else:
            flash(_("All lessons done. You can take the quiz now."), "success")
    elif state.quiz is None:
        flash(_("Course completed. Well done!"), "success")
    return redirect(url_for(".course", slug=slug))


@bp.post("/courses/<slug>/quiz")
@learner_required
def start_quiz(slug: str):
    course = load_course(slug)
    state = progress.course_state(db.session, current_user, course)
    try:
        attempt = quiz.start_attempt(db.session, current_user, state)
    except quiz.AttemptError:
        flash(_("Finish all the lessons first, then take the quiz."), "error")
        return redirect(url_for(".course", slug=slug))
    return redirect(url_for(".attempt", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@learner_required
def attempt(attempt_id: int):
    attempt = load_attempt(attempt_id)
    if attempt.status == "graded":
        return redirect(url_for(".result", attempt_id=attempt.id))
    if attempt.quiz_version.retired_at is not None:
        flash(_("This quiz has been updated. Please start it again."), "error")
        return redirect(url_for(".course", slug=attempt.course.slug))
    questions = quiz.load_questions(db.session, attempt.quiz_version_id)
    return render_template(
        "learning/quiz.html",
        attempt=attempt,
        course=attempt.course,
        questions=questions,
        answers={},
        missing=[],
    )


@bp.post("/attempts/<int:attempt_id>")
@learner_required
def submit(attempt_id: int):
    attempt = load_attempt(attempt_id)
    if attempt.status == "graded":
        flash(_("This attempt was already submitted; here is its result."), "info")
        return redirect(url_for(".result", attempt_id=attempt.id), code=303)
    answers = {}
    for key in request.form:
        if key.startswith("q") and key[1:].isdigit():
            answers[int(key[1:])] = {int(v) for v in request.form.getlist(key) if v.isdigit()}
    questions = None
    if attempt.quiz_version.retired_at is None and not request.form.get("incomplete_ok"):
        # Unanswered questions: nothing is graded; the quiz comes back with the answers given,
        # the gaps named, and a second button that submits anyway.
        questions = quiz.load_questions(db.session, attempt.quiz_version_id)
        missing = quiz.unanswered(questions, answers)
        if missing:
            return render_template(
                "learning/quiz.html",
                attempt=attempt,
                course=attempt.course,
                questions=questions,
                answers=answers,
                missing=missing,
            )
    try:
        graded_now = quiz.submit_attempt(db.session, current_user, attempt, answers, questions)
    except quiz.AttemptError:
        flash(_("This quiz has been updated. Please start it again."), "error")
        return redirect(url_for(".course", slug=attempt.course.slug))
    if not graded_now:
        flash(_("This attempt was already submitted; here is its result."), "info")
    return redirect(url_for(".result", attempt_id=attempt_id), code=303)


@bp.get("/attempts/<int:attempt_id>/result")
@learner_required
def result(attempt_id: int):
    attempt = load_attempt(attempt_id)
    if attempt.status != "graded":
        return redirect(url_for(".attempt", attempt_id=attempt.id))
    graded = quiz.graded_answers(db.session, attempt)
    return render_template(
        "learning/result.html",
        attempt=attempt,
        course=attempt.course,
        graded=graded,
        wrong=[position for position, g in enumerate(graded, start=1) if not g.correct],
        reveal=quiz.reveals_key(db.session, attempt),
    )


@bp.get("/history")
@learner_required
def history():
    return render_template("learning/history.html", completions=progress.history(db.session, current_user))
